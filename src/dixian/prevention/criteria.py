"""Catalogues of the major-hazard determination standards (重大事故隐患判定标准).

Each catalogue is a versioned data file in ``data/criteria/`` naming its document, edition,
date in force, status (current or superseded) and source (risk-hazard.md §3). A catalogue
whose items were not all retrieved says so (``complete: false`` and ``missing``, what is
missing), and users see it marked as a partial list (部分条目) wherever it is offered. An
item may carry ``details`` (the sub-criteria known) and a ``note`` (e.g. wording from a
secondary copy). A criterion is cited by its code, e.g. ``chemical-05``; a hazard graded
major stores the codes ticked. Only current catalogues can be ticked; superseded ones stay
so that the codes of older hazards are still described.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.utils.translation import gettext as _

DATA = Path(__file__).parent / "data" / "criteria"
CURRENT, SUPERSEDED = "current", "superseded"


@dataclass(frozen=True)
class Item:
    code: str
    text: str
    details: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    code: str
    version: str
    title: str
    document: str
    edition: str
    in_force: str
    source: str
    items: tuple[tuple[str, str], ...]
    status: str = CURRENT
    complete: bool = True
    missing: str = ""
    superseded_by: str = ""
    entries: tuple[Item, ...] = field(default=(), compare=False)

    @property
    def label(self) -> str:
        text = f"{self.title}（{self.document}）"
        if not self.complete:
            text += " · " + _("partial list")
        return text

    @property
    def is_current(self) -> bool:
        return self.status == CURRENT


def _load(path: Path) -> Catalogue:
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = tuple(
        Item(
            code=i["code"],
            text=i["text"],
            details=tuple(i.get("details", ())),
            note=i.get("note", ""),
        )
        for i in data["items"]
    )
    if data.get("status", CURRENT) not in (CURRENT, SUPERSEDED):
        raise ValueError(f"{path.name}: status must be current or superseded")
    if not data.get("complete", True) and not data.get("missing"):
        raise ValueError(f"{path.name}: a partial catalogue must say what is missing")
    return Catalogue(
        code=data["code"],
        version=data["version"],
        title=data["title"],
        document=data["document"],
        edition=data["edition"],
        in_force=data["in_force"],
        source=data["source"],
        items=tuple((i.code, i.text) for i in entries),
        status=data.get("status", CURRENT),
        complete=bool(data.get("complete", True)),
        missing=data.get("missing", ""),
        superseded_by=data.get("superseded_by", ""),
        entries=entries,
    )


@cache
def catalogues() -> tuple[Catalogue, ...]:
    """Every catalogue, current ones first (in file order), then superseded ones."""
    found = [_load(path) for path in sorted(DATA.glob("*.json"))]
    return tuple(sorted(found, key=lambda c: (not c.is_current,)))


def current() -> tuple[Catalogue, ...]:
    return tuple(c for c in catalogues() if c.is_current)


@cache
def index() -> dict[str, tuple[Catalogue, str]]:
    """Every known code (superseded editions too) to its catalogue and text."""
    return {code: (cat, text) for cat in catalogues() for code, text in cat.items}


@cache
def selectable() -> frozenset[str]:
    """The codes a new major hazard may cite: those of the current catalogues."""
    return frozenset(code for cat in current() for code, _text in cat.items)


def describe(code: str) -> str:
    """“<document> · <text>” for a criterion code (the code itself if unknown)."""
    found = index().get(code)
    if found is None:
        return code
    cat, text = found
    return f"{cat.document} · {text}"


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a form: one group per current catalogue, a partial one marked."""
    return [(cat.label, [(code, text) for code, text in cat.items]) for cat in current()]
