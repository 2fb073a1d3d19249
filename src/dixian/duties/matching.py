"""Match the bodies a notice names (县应急局, 县交警队 …) to organisations.

In order: the exact name, short name or an alias; then normalisation rules that compare
the part after the place (平陆县应急管理局 → 应急管理局, 县应急局 → 应急局) with the usual
abbreviations of department names unified (应急管理局 ↔ 应急局, 市场监督管理局 ↔ 市场监管局,
住房和城乡建设局 ↔ 住建局 …). The level a name speaks for (县 / 市 / 省) must agree with the
organisation's, so a city notice's 市应急局 never lands on a county's 应急管理局. A name that
matches nothing, or more than one organisation, is reported as unmatched, never dropped.

:class:`OrgIndex` is plain Python over :class:`OrgRecord` rows; :meth:`OrgIndex.from_db`
reads the Organisation table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Match", "OrgIndex", "OrgRecord", "annotate", "responsible_entries"]

# Place suffixes and the level they speak for.
_LEVELS = {
    "自治区": "province",
    "省": "province",
    "自治州": "city",
    "市": "city",
    "州": "city",
    "盟": "city",
    "自治县": "county",
    "县": "county",
    "区": "county",
    "旗": "county",
    "乡": "township",
    "镇": "township",
    "街道": "township",
}
# A place name ahead of a body's name: 平陆县…, 代县…, 运城市…, 山西省…, 曹川镇…
_PLACE_RE = re.compile(
    r"^[\u4e00-\u9fff]{1,6}?(?P<suffix>自治区|自治州|自治县|省|市|州|盟|县|区|旗|乡|镇|街道)"
    r"(?P<rest>.+)$"
)
# The one-character level in front of a short name: 县应急局, 市应急局, 省应急厅.
_LEVEL_PREFIXES = "县市省区州旗"

# The usual abbreviations of Chinese department names, long form → short form, applied in
# this order to both sides before comparing.
ABBREVIATIONS = [
    ("公安局交通警察大队", "交警队"),
    ("交通警察大队", "交警队"),
    ("交警大队", "交警队"),
    ("安全生产委员会办公室", "安委办"),
    ("安全生产委员会", "安委会"),
    ("监督管理", "监管"),
    ("行政审批服务", "行政审批"),
    ("发展和改革", "发改"),
    ("发展改革", "发改"),
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("交通运输", "交通"),
    ("交运", "交通"),
    ("文化和旅游", "文旅"),
    ("文化旅游", "文旅"),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康委", "卫健委"),
    ("卫生健康", "卫健"),
    ("工业和信息化", "工信"),
    ("工业和科技", "工科"),
    ("工业科技", "工科"),
    ("自然资源和规划", "自然资源"),
    ("人力资源和社会保障", "人社"),
    ("消防救援大队", "消防大队"),
    ("管理局", "局"),
    ("管理厅", "厅"),
]


def normalise(name: str) -> str:
    """Full-/half-width forms unified, spaces removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def canonical(core: str) -> str:
    for long, short in ABBREVIATIONS:
        core = core.replace(long, short)
    return core


def _level_variants(name: str) -> Iterator[tuple[str | None, str]]:
    """(level, name without its place) readings of a name, most specific first."""
    if len(name) > 2 and name[0] in _LEVEL_PREFIXES:
        yield _LEVELS[name[0]], name[1:]
    if m := _PLACE_RE.match(name):
        yield _LEVELS[m["suffix"]], m["rest"]
    yield None, name


@dataclass(frozen=True)
class OrgRecord:
    id: int
    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = ""
    level: str | None = None  # province / city / county / township, when known

    @classmethod
    def of(cls, org) -> OrgRecord:
        """From an Organisation row (its division gives the level when its name does not)."""
        name = normalise(org.name)
        m = _PLACE_RE.match(name)
        level = _LEVELS[m["suffix"]] if m else None
        if level is None and getattr(org, "division_id", None):
            level = org.division.level
        aliases = tuple(a for a in (normalise(x) for x in (org.aliases or "").split(",")) if a)
        return cls(org.pk, org.name, org.short_name or "", aliases, org.kind, level)


@dataclass
class Match:
    name: str
    org: OrgRecord | None = None
    how: str = ""  # "name", "short_name", "alias", "rule"
    candidates: list[OrgRecord] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        return self.org is not None


class OrgIndex:
    """Organisations by name, short name, alias and normalised core name."""

    def __init__(self, records: Iterable[OrgRecord], fuzzy_exclude_kinds=("enterprise",)):
        self.records = {r.id: r for r in records}
        self.exact: dict[str, list[tuple[int, str]]] = {}
        self.cores: dict[str, set[int]] = {}
        for r in self.records.values():
            names = [("name", r.name), ("short_name", r.short_name)]
            names += [("alias", a) for a in r.aliases]
            for how, raw in names:
                key = normalise(raw)
                if not key:
                    continue
                self.exact.setdefault(key, []).append((r.id, how))
                if r.kind in fuzzy_exclude_kinds:
                    continue
                for _level, core in _level_variants(key):
                    self.cores.setdefault(canonical(core), set()).add(r.id)

    @classmethod
    def from_db(cls, queryset=None) -> OrgIndex:
        """Every active organisation (enterprises only by their exact names)."""
        from dixian.core.models import Organisation

        if queryset is None:
            queryset = Organisation.objects.filter(is_active=True)
        return cls(OrgRecord.of(o) for o in queryset.select_related("division"))

    def _compatible(self, ids: Iterable[int], level: str | None) -> list[OrgRecord]:
        found = [self.records[i] for i in ids]
        if level is None:
            return found
        return [r for r in found if r.level in (None, level)]

    def match(self, name: str) -> Match:
        key = normalise(name)
        variants = list(_level_variants(key))
        level = variants[0][0]
        if hits := self.exact.get(key):
            orgs = {i: how for i, how in hits}
            records = self._compatible(orgs, level) or [self.records[i] for i in orgs]
            if len(records) == 1:
                return Match(name, records[0], orgs[records[0].id])
            return Match(name, candidates=records)
        for variant_level, core in variants:
            ids = self.cores.get(canonical(core), ())
            records = self._compatible(ids, variant_level)
            if len(records) == 1:
                return Match(name, records[0], "rule")
            if len(records) > 1:
                return Match(name, candidates=sorted(records, key=lambda r: r.id))
        return Match(name)


def responsible_entries(notice: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(item number, entry) for every responsible entry of a parsed notice: items, their
    clauses, sub-items and their clauses."""
    for section in notice["sections"]:
        for item in section["items"]:
            lists = [item["responsible"]]
            lists += [c["responsible"] for c in item.get("clauses", [])]
            for sub in item["subitems"]:
                lists.append(sub["responsible"])
                lists += [c["responsible"] for c in sub.get("clauses", [])]
            for entries in lists:
                for entry in entries:
                    yield item["number"], entry


def annotate(notice: dict[str, Any], index: OrgIndex) -> dict[str, dict[str, Any]]:
    """Add ``org_id`` and ``org_name`` (or ``"unmatched": true``, with ``candidates`` when
    the name fits several) to each named entry of a parsed notice, in place. Classes of
    bodies (``"class": true``) are not single organisations and are left as they are.

    Returns the unmatched names: ``{name: {"items": [...], "candidates": [...]}}``.
    """
    cache: dict[str, Match] = {}
    unmatched: dict[str, dict[str, Any]] = {}
    for number, entry in responsible_entries(notice):
        if entry.get("class"):
            continue
        name = entry["name"]
        if name not in cache:
            cache[name] = index.match(name)
        m = cache[name]
        if m.matched:
            entry["org_id"], entry["org_name"] = m.org.id, m.org.name
            continue
        entry["unmatched"] = True
        if m.candidates:
            entry["candidates"] = [r.name for r in m.candidates]
        info = unmatched.setdefault(
            name, {"items": [], "candidates": [r.name for r in m.candidates]}
        )
        if number not in info["items"]:
            info["items"].append(number)
    return unmatched
