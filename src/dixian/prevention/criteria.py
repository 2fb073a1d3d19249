"""Catalogues of the major-hazard determination standards (重大事故隐患判定标准).

Each catalogue is a versioned data file in ``data/criteria/`` naming its document, edition,
date in force and source (risk-hazard.md §3). A criterion is cited by its code, e.g.
``chemical-05``; a hazard graded major stores the codes ticked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "criteria"


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

    @property
    def label(self) -> str:
        return f"{self.title}（{self.document}）"


@cache
def catalogues() -> tuple[Catalogue, ...]:
    found = []
    for path in sorted(DATA.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            Catalogue(
                code=data["code"],
                version=data["version"],
                title=data["title"],
                document=data["document"],
                edition=data["edition"],
                in_force=data["in_force"],
                source=data["source"],
                items=tuple((i["code"], i["text"]) for i in data["items"]),
            )
        )
    return tuple(found)


@cache
def index() -> dict[str, tuple[Catalogue, str]]:
    return {code: (cat, text) for cat in catalogues() for code, text in cat.items}


def describe(code: str) -> str:
    """“<document> <code>：<text>” for a criterion code (the code itself if unknown)."""
    found = index().get(code)
    if found is None:
        return code
    cat, text = found
    return f"{cat.document} · {text}"


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for a form: one group per catalogue."""
    return [(cat.label, [(code, text) for code, text in cat.items]) for cat in catalogues()]
