"""Safety production fees (财资〔2022〕136号): every rate, every tier boundary, the errors."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dixian.standards import safety_fee
from dixian.standards.errors import StandardsError

from .published import csv_rows

FOUND = csv_rows("safety_fee_2022_rates_found.csv")
OURS = csv_rows("safety_fee_2022.csv")


def test_our_table_has_exactly_the_rates_found():
    assert [(r["sector"], r["category_cn"], Decimal(r["rate"])) for r in OURS] == [
        (r["sector"], r["category_cn"], Decimal(r["rate"])) for r in FOUND
    ]


def yuan(text: str) -> Decimal:
    number, unit = re.fullmatch(r"(\d+)(万|亿)元", text).groups()
    return Decimal(number) * (10_000 if unit == "万" else 100_000_000)


def tier_bounds_from_wording(text: str):
    if m := re.search(r"不超过(\d+[万亿]元)的部分", text):
        return Decimal(0), yuan(m[1])
    if m := re.search(r"超过(\d+[万亿]元)至(\d+[万亿]元)的部分", text):
        return yuan(m[1]), yuan(m[2])
    m = re.search(r"超过(\d+[万亿]元)的部分", text)
    return yuan(m[1]), None


@pytest.mark.parametrize("sector", ["hazardous_goods", "fireworks"])
def test_tier_bounds_match_the_wording_and_leave_no_gap(sector):
    rows = [r for r in OURS if r["sector"] == sector]
    previous_top = Decimal(0)
    for row in rows:
        low, high = tier_bounds_from_wording(row["category_cn"])
        assert Decimal(row["tier_from_yuan"]) == low == previous_top
        assert (Decimal(row["tier_to_yuan"]) if row["tier_to_yuan"] else None) == high
        previous_top = high
    assert previous_top is None  # the last tier is open-ended


PER_UNIT = [r for r in OURS if r["basis"] in {"output_t", "output_1000m3"}]


@pytest.mark.parametrize("row", PER_UNIT, ids=lambda r: r["code"])
def test_every_per_unit_rate_by_code_text_and_alias(row):
    amount = {row["basis"]: "1234.5"}
    expected = Decimal("1234.5") * Decimal(row["rate"])
    names = [
        row["code"],
        row["category_cn"],
        row["category_en"],
        *filter(None, row["aliases"].split(";")),
    ]
    for name in names:
        result = safety_fee.safety_fee(row["sector"], name, **amount)
        assert result.fee_yuan == expected, name
        assert result.lines[0]["code"] == row["code"]


@pytest.mark.parametrize(
    "row", [r for r in OURS if r["basis"] == "cost_percent"], ids=lambda r: r["code"]
)
def test_every_construction_rate_is_a_percentage_of_cost(row):
    result = safety_fee.safety_fee("construction", row["code"], cost_yuan="2000000")
    assert result.fee_yuan == Decimal(2_000_000) * Decimal(row["rate"]) / 100
    for alias in filter(None, row["aliases"].split(";")):
        assert (
            safety_fee.safety_fee("construction", alias, cost_yuan=1).lines[0]["code"]
            == row["code"]
        )


@pytest.mark.parametrize(
    ("revenue", "fee"),
    [
        ("0", "0"),
        ("1", "0.045"),
        ("10000000", "450000"),  # 1 000 万 × 4.5 %: wholly the first tier
        ("10000001", "450000.0225"),  # the one yuan above is charged at 2.25 %
        ("100000000", "2475000"),  # + 9 000 万 × 2.25 % = 2 025 000
        ("100000001", "2475000.0055"),
        ("1000000000", "7425000"),  # + 9 亿 × 0.55 % = 4 950 000
        ("1000000001", "7425000.002"),
        ("2000000000", "9425000"),  # + 10 亿 × 0.2 % = 2 000 000
    ],
)
def test_hazardous_goods_tiers_are_marginal(revenue, fee):
    assert safety_fee.safety_fee("hazardous_goods", revenue_yuan=revenue).fee_yuan == Decimal(fee)


@pytest.mark.parametrize(
    ("revenue", "fee"),
    [
        ("10000000", "400000"),  # 1 000 万 × 4 %
        ("10000001", "400000.03"),
        ("20000000", "700000"),  # + 1 000 万 × 3 %
        ("20000001", "700000.025"),
        ("30000000", "950000"),  # + 1 000 万 × 2.5 %
    ],
)
def test_fireworks_tiers_are_marginal(revenue, fee):
    assert safety_fee.safety_fee("fireworks", revenue_yuan=revenue).fee_yuan == Decimal(fee)


def test_tier_lines_show_each_portion():
    at_boundary = safety_fee.safety_fee("hazardous_goods", revenue_yuan=10_000_000)
    assert [(ln["code"], ln["base"]) for ln in at_boundary.lines] == [("tier_1", 10_000_000)]
    above = safety_fee.safety_fee("hazardous_goods", revenue_yuan=150_000_000).as_dict()
    assert [(ln["code"], ln["base"], ln["fee_yuan"]) for ln in above["lines"]] == [
        ("tier_1", 10_000_000, 450_000),
        ("tier_2", 90_000_000, 2_025_000),
        ("tier_3", 50_000_000, 275_000),
    ]
    assert above["fee_yuan"] == 2_750_000


def independent_marginal_fee(revenue: Decimal, tiers) -> Decimal:
    fee, low = Decimal(0), Decimal(0)
    for high, percent in tiers:
        top = revenue if high is None else min(revenue, high)
        if top > low:
            fee += (top - low) * percent / 100
        low = high if high is not None else low
    return fee


HAZARDOUS = [
    (Decimal(10**7), Decimal("4.5")),
    (Decimal(10**8), Decimal("2.25")),
    (Decimal(10**9), Decimal("0.55")),
    (None, Decimal("0.2")),
]


@given(
    st.decimals(min_value=0, max_value=5 * 10**9, places=2),
    st.decimals(min_value=0, max_value=10**8, places=2),
)
def test_tiered_fee_is_continuous_monotone_and_marginal(revenue, more):
    fee = safety_fee.safety_fee("hazardous_goods", revenue_yuan=revenue).fee_yuan
    assert fee == independent_marginal_fee(revenue, HAZARDOUS)
    higher = safety_fee.safety_fee("hazardous_goods", revenue_yuan=revenue + more).fee_yuan
    assert 0 <= higher - fee <= more * Decimal("0.045")


def test_coal_with_several_hazards_takes_the_highest_rate():
    for order in (["露天矿", "高瓦斯矿井"], ["高瓦斯矿井", "露天矿"]):
        result = safety_fee.safety_fee("coal", order, output_t=1000)
        assert result.fee_yuan == 30_000
        assert "从高提取" in result.note
    assert safety_fee.safety_fee("coal", ["冲击地压矿井", "高瓦斯矿井"], output_t=1).fee_yuan == 50


def test_natural_gas_is_charged_per_thousand_cubic_metres():
    assert safety_fee.safety_fee("oil_gas", "natural_gas", output_1000m3=200).fee_yuan == 1500
    with pytest.raises(StandardsError, match="output_1000m3"):
        safety_fee.safety_fee("oil_gas", "natural_gas", output_t=200)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("tailings", "x"), {"output_t": 1}, "unknown sector.*not found"),
        (("coal", "深井"), {"output_t": 1}, "unknown category '深井'.*open_pit"),
        (("coal",), {"output_t": 1}, "needs a category"),
        (("coal", "open_pit"), {}, "charged on output_t"),
        (("coal", "open_pit"), {"output_t": 1, "revenue_yuan": 5}, "revenue_yuan not used"),
        (("coal", "open_pit"), {"output_t": -1}, "output_t must not be negative"),
        (("coal", "open_pit"), {"output_t": "ten"}, "output_t: 'ten' is not a number"),
        (("non_coal_mine", ["nuclear", "small_quarry"]), {"output_t": 1}, "one category"),
        (("hazardous_goods", "metal_open_pit"), {"revenue_yuan": 1}, "unknown category"),
        (("hazardous_goods",), {"cost_yuan": 1}, "charged on revenue_yuan"),
        (("construction", "矿山工程"), {"output_t": 1}, "charged on cost_yuan"),
    ],
)
def test_bad_input_is_an_error_naming_it(args, kwargs, message):
    with pytest.raises(StandardsError, match=message):
        safety_fee.safety_fee(*args, **kwargs)


def test_amounts_are_exact_without_rounding():
    result = safety_fee.safety_fee("construction", "municipal_port_highway", cost_yuan="0.01")
    assert result.fee_yuan == Decimal("0.00015")
    huge = safety_fee.safety_fee(
        "construction", "mining_works", cost_yuan="123456789012345678901234567.89"
    )
    # 123 456 789 012 345 678 901 234 567.89 × 3.5 % has 30 significant digits, beyond the
    # default Decimal context (28): the kernel must not round it.
    assert str(huge.fee_yuan) == "4320987615432098761543209.87615"
