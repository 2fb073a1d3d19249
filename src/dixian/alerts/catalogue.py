"""The warning catalogue as data (``data/catalogue.json``): the four general levels, the
warning types with the levels each may take, and per type and level the default required
responses (响应) that become duties of targeted enterprises by industry.

Levels follow 突发事件应对法 (2007) Art. 42 (一级 red … 四级 blue); meteorological signals
and their levels follow the annex of 中国气象局令第16号 (see the domain notes). A county edits
the JSON file, not the code.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).parent / "data" / "catalogue.json"


@lru_cache(maxsize=1)
def load() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _lang_key() -> str:
    return "en" if (get_language() or "zh-hans").startswith("en") else "zh"


def label(entry: dict | None) -> str:
    """An entry's name in the active language."""
    if not entry:
        return ""
    return entry.get(_lang_key()) or entry.get("zh") or ""


def levels() -> list[dict]:
    return load()["levels"]


def level(code: str) -> dict | None:
    return next((lv for lv in levels() if lv["code"] == code), None)


def level_rank(code: str) -> int:
    found = level(code)
    return found["rank"] if found else 99


def types() -> list[dict]:
    return load()["types"]


def warning_type(code: str) -> dict | None:
    return next((t for t in types() if t["code"] == code), None)


def type_choices() -> list[tuple[str, str]]:
    return [(t["code"], label(t)) for t in types()]


def level_choices() -> list[tuple[str, str]]:
    return [(lv["code"], label(lv)) for lv in levels()]


def group_label(code: str) -> str:
    return label(load()["groups"].get(code))


def responses(type_code: str, level_code: str) -> list[dict]:
    """The default required responses of a type at a level (empty when none are set)."""
    wt = warning_type(type_code)
    if wt is None:
        return []
    return list(wt.get("responses", {}).get(level_code, []))


def response(code: str) -> dict | None:
    for wt in types():
        for rules in wt.get("responses", {}).values():
            for rule in rules:
                if rule["code"] == code:
                    return rule
    return None


def affected_industries(type_code: str, level_code: str) -> set[str]:
    """Industry codes named by the responses of a type at a level."""
    return {code for rule in responses(type_code, level_code) for code in rule["industries"]}


def type_for_event(text: str) -> str | None:
    """The catalogue type a free-text event name (e.g. CAP ``event``) stands for."""
    low = (text or "").lower()
    for wt in types():
        if any(k.lower() in low for k in wt.get("keywords", [])):
            return wt["code"]
    return None


def valid_level(type_code: str, level_code: str) -> bool:
    wt = warning_type(type_code)
    return bool(wt and level_code in wt["levels"])
