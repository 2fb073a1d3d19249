"""Enterprise safety production fees (企业安全生产费用), 财资〔2022〕136号.

The 2022 measures (财政部、应急管理部, effective 2022-12-13) set, per sector:

- **per unit of output** — coal and non-coal mines per tonne by mine type, crude oil per tonne,
  natural gas per 1000 m³. For coal, where several hazards co-exist the highest rate applies
  (从高提取), so several coal categories may be given; other sectors take one.
- **excess-regressive revenue tiers (超额累退)** on the previous year's revenue — hazardous
  goods production and storage (art. 21), fireworks (art. 33). Each tier's rate applies only
  to the **portion** of revenue inside that tier, like a marginal tax: tier bounds are
  (from, to], so revenue of exactly 10 000 000 yuan lies wholly in the first tier and one yuan
  more is charged at the second tier's rate. The result is the annual amount, accrued evenly
  by month.
- **a percentage of construction and installation cost** (art. 17).

Rates are ``data/safety_fee_2022.csv`` (the rates of ``safety_fee_2022_rates_found.csv`` with
machine-readable tier bounds, codes and aliases added); sector rules are
``data/safety_fee_2022_sectors.csv``. Only rates actually found in the sources are there: the
2022 rates for tailings ponds, transport, metallurgy, machinery and other sectors were not
found (risk-hazard.md §4), so those sectors are refused rather than guessed.

All arithmetic is exact ``Decimal`` (a rounding would raise); amounts are not rounded to fen.
"""

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, Inexact, localcontext
from functools import cache

from .errors import StandardsError
from .numbers import plain, to_non_negative
from .tables import read_csv, split_list

BASIS = {
    "output_t": ("output_t", "t", "yuan/t"),
    "output_1000m3": ("output_1000m3", "1000 m3", "yuan/1000 m3"),
    "revenue_percent": ("revenue_yuan", "yuan", "%"),
    "cost_percent": ("cost_yuan", "yuan", "%"),
}
AMOUNTS = ("output_t", "output_1000m3", "revenue_yuan", "cost_yuan")


@dataclass(frozen=True)
class FeeCategory:
    sector: str
    code: str
    category_cn: str
    category_en: str
    basis: str
    rate: Decimal
    tier_from: Decimal | None
    tier_to: Decimal | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Sector:
    code: str
    name_cn: str
    name_en: str
    several_categories: str
    clause: str
    period_cn: str
    period_en: str
    categories: tuple[FeeCategory, ...]

    @property
    def tiered(self) -> bool:
        return all(c.basis == "revenue_percent" for c in self.categories)


@cache
def sectors() -> dict[str, Sector]:
    """The sectors with 2022 rates, keyed by code (``coal``, ``non_coal_mine``, ``oil_gas``,
    ``hazardous_goods``, ``construction``, ``fireworks``)."""
    rows: dict[str, list[FeeCategory]] = {}
    for row in read_csv("safety_fee_2022.csv"):
        rows.setdefault(row["sector"], []).append(
            FeeCategory(
                sector=row["sector"],
                code=row["code"],
                category_cn=row["category_cn"],
                category_en=row["category_en"],
                basis=row["basis"],
                rate=Decimal(row["rate"]),
                tier_from=Decimal(row["tier_from_yuan"]) if row["tier_from_yuan"] else None,
                tier_to=Decimal(row["tier_to_yuan"]) if row["tier_to_yuan"] else None,
                aliases=split_list(row["aliases"]),
            )
        )
    return {
        row["sector"]: Sector(
            code=row["sector"],
            name_cn=row["name_cn"],
            name_en=row["name_en"],
            several_categories=row["several_categories"],
            clause=row["clause"],
            period_cn=row["period_cn"],
            period_en=row["period_en"],
            categories=tuple(rows[row["sector"]]),
        )
        for row in read_csv("safety_fee_2022_sectors.csv")
    }


def sector(code: str) -> Sector:
    found = sectors().get(str(code).strip().lower().replace("-", "_"))
    if found is None:
        known = ", ".join(sectors())
        raise StandardsError(
            f"unknown sector {code!r} (known: {known}); 2022 rates for tailings ponds, "
            "transport, metallurgy, machinery and other sectors were not found in the sources",
            f"未知行业 {code!r}（可选：{known}）；尾矿库、交通运输、冶金、机械制造等行业的 2022 年"
            "提取标准未能核实，暂不支持",
            candidates=tuple(sectors()),
        )
    return found


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold().replace("_", "-")


def find_category(sector_code: str, text: str) -> FeeCategory:
    """The category of a sector named by its code, its Chinese or English text, or an alias."""
    chosen = sector(sector_code)
    wanted = _key(str(text))
    found = [
        c
        for c in chosen.categories
        if wanted in {_key(n) for n in (c.code, c.category_cn, c.category_en, *c.aliases)}
    ]
    if len(found) != 1:
        listing = tuple(f"{c.code} ({c.category_cn})" for c in chosen.categories)
        raise StandardsError(
            f"unknown category {text!r} for sector {chosen.code} (known: {'; '.join(listing)})",
            f"行业 {chosen.code} 中没有类别 {text!r}（可选：{'；'.join(listing)}）",
            candidates=listing,
        )
    return found[0]


@dataclass(frozen=True)
class FeeResult:
    sector: str
    fee_yuan: Decimal
    lines: tuple[dict, ...]
    clause: str
    period: str
    note: str | None = None

    def as_dict(self) -> dict:
        result = {
            "sector": self.sector,
            "fee_yuan": self.fee_yuan,
            "lines": list(self.lines),
            "clause": self.clause,
            "period": self.period,
        }
        if self.note:
            result["note"] = self.note
        return result


def safety_fee(
    sector_code: str,
    categories=(),
    *,
    output_t=None,
    output_1000m3=None,
    revenue_yuan=None,
    cost_yuan=None,
) -> FeeResult:
    """The safety production fee under 财资〔2022〕136号 for one sector.

    ``categories``: one category (code or text) or a list; required except for the
    revenue-tier sectors (hazardous goods, fireworks), where the whole schedule applies and a
    category, if given, must merely belong to the sector. Give exactly the amount the category
    is charged on — ``output_t`` (tonnes), ``output_1000m3`` (natural gas), ``revenue_yuan``
    (previous-year revenue, tiered sectors) or ``cost_yuan`` (construction) — others are
    refused rather than ignored. Returns the fee and one line per rate applied.
    """
    chosen = sector(sector_code)
    if isinstance(categories, str):
        categories = [categories]
    picked = [find_category(chosen.code, c) for c in categories]
    amounts = {
        "output_t": output_t,
        "output_1000m3": output_1000m3,
        "revenue_yuan": revenue_yuan,
        "cost_yuan": cost_yuan,
    }
    given = {name: to_non_negative(v, name) for name, v in amounts.items() if v is not None}

    with localcontext() as ctx:
        ctx.prec = 200
        ctx.traps[Inexact] = True
        if chosen.tiered:
            needed = "revenue_yuan"
            _check_amounts(chosen, given, needed)
            lines = _tiers(chosen, given[needed])
            note = None
        else:
            if not picked:
                listing = "; ".join(f"{c.code} ({c.category_cn})" for c in chosen.categories)
                raise StandardsError(
                    f"sector {chosen.code} needs a category (one of: {listing})",
                    f"行业 {chosen.code} 须给出类别（可选：{listing}）",
                )
            if len(picked) > 1 and chosen.several_categories != "highest":
                raise StandardsError(
                    f"sector {chosen.code} takes one category per calculation",
                    f"行业 {chosen.code} 每次只能计算一个类别",
                )
            best = max(picked, key=lambda c: c.rate)
            note = None
            if len(picked) > 1:
                others = ", ".join(c.code for c in picked)
                note = f"从高提取 (several hazards: {others}): the highest rate, {best.code}"
            needed = BASIS[best.basis][0]
            if any(c.basis != best.basis for c in picked):
                raise StandardsError("the categories are charged on different bases")
            _check_amounts(chosen, given, needed)
            lines = [_line(best, given[needed])]
        fee = sum((line["fee_yuan"] for line in lines), Decimal(0))
    return FeeResult(
        chosen.code,
        Decimal(plain(fee)),
        tuple(lines),
        chosen.clause,
        f"{chosen.period_cn} / {chosen.period_en}",
        note,
    )


def _check_amounts(chosen: Sector, given: dict, needed: str) -> None:
    if needed not in given:
        raise StandardsError(
            f"sector {chosen.code} is charged on {needed}; give it",
            f"行业 {chosen.code} 按 {needed} 计提，请给出该数值",
        )
    extra = sorted(set(given) - {needed})
    if extra:
        raise StandardsError(
            f"{', '.join(extra)} not used for sector {chosen.code} (charged on {needed})",
            f"行业 {chosen.code} 按 {needed} 计提，不使用 {', '.join(extra)}",
        )


def _line(category: FeeCategory, base: Decimal) -> dict:
    _, base_unit, rate_unit = BASIS[category.basis]
    fee = base * category.rate / 100 if rate_unit == "%" else base * category.rate
    return {
        "category": category.category_cn,
        "code": category.code,
        "base": Decimal(plain(base)),
        "base_unit": base_unit,
        "rate": category.rate,
        "rate_unit": rate_unit,
        "fee_yuan": Decimal(plain(fee)),
    }


def _tiers(chosen: Sector, revenue: Decimal) -> list[dict]:
    """Excess-regressive: each tier's rate on the portion of revenue within (from, to]."""
    lines = []
    for tier in chosen.categories:
        low = tier.tier_from or Decimal(0)
        high = revenue if tier.tier_to is None else min(revenue, tier.tier_to)
        if high > low:
            lines.append(_line(tier, high - low))
    return lines
