"""LEC (D = L × E × C) and the LS risk matrix against the tables and the documented defaults."""

import itertools
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dixian.standards import risk
from dixian.standards.errors import StandardsError

from .published import DATA, csv_rows

SCALES = {
    factor: [row["score"] for row in csv_rows("lec_scales.csv") if row["factor"] == factor]
    for factor in "LEC"
}


def expected_lec_colour(d: Fraction) -> str:
    # risk-hazard.md §2.2 default: D ≥ 320 red, 160 ≤ D < 320 orange, 70 ≤ D < 160 yellow.
    if d >= 320:
        return "red"
    if d >= 160:
        return "orange"
    if d >= 70:
        return "yellow"
    return "blue"


def test_scales_are_the_published_scores():
    assert SCALES == {
        "L": ["10", "6", "3", "1", "0.5", "0.2", "0.1"],
        "E": ["10", "6", "3", "2", "1", "0.5"],
        "C": ["100", "40", "15", "7", "3", "1"],
    }
    assert {k: [str(v) for v in vs] for k, vs in risk.lec_scales().items()} == SCALES


@pytest.mark.parametrize(
    ("l", "e", "c"), list(itertools.product(SCALES["L"], SCALES["E"], SCALES["C"]))
)
def test_every_lec_combination(l, e, c):  # noqa: E741
    result = risk.lec(l, e, c)
    d = Fraction(l) * Fraction(e) * Fraction(c)
    assert Fraction(result.value) == d
    assert result.colour == expected_lec_colour(d)
    assert result.as_dict("d") == {
        "d": result.value,
        "level": result.level.code,
        "colour": result.colour,
    }


@pytest.mark.parametrize(
    ("d", "level", "colour"),
    [
        ("1000", "major", "red"),
        ("320", "major", "red"),  # on the cut-off: the higher band
        ("319.999", "considerable", "orange"),
        ("160", "considerable", "orange"),
        ("159.999", "general", "yellow"),
        ("70", "general", "yellow"),
        ("69.999", "low", "blue"),
        ("20", "low", "blue"),
        ("0", "low", "blue"),
    ],
)
def test_lec_band_boundaries_default_on_cutoff_goes_up(d, level, colour):
    found = risk.classify_lec(d)
    assert (found.code, found.colour) == (level, colour)


@pytest.mark.parametrize(
    ("d", "colour"),
    [
        ("320", "orange"),
        ("320.001", "red"),
        ("160", "yellow"),
        ("70", "blue"),
        ("70.001", "yellow"),
    ],
)
def test_lec_band_boundaries_classic_scheme_on_cutoff_goes_down(d, colour):
    assert risk.classify_lec(d, scheme="classic_exclusive").colour == colour


def test_reachable_cutoff_d_70_is_yellow():
    # 70 is the only default cut-off a product of scale values reaches: 10 × 1 × 7.
    assert risk.lec(10, 1, 7).value == 70
    assert risk.lec(10, 1, 7).colour == "yellow"
    assert risk.lec(10, 1, 7, scheme="classic_exclusive").colour == "blue"


def test_published_punch_press_example():
    # risk-hazard.md §2.2: L = 6, E = 6, C = 3 or 7 → D = 108 or 252.
    assert (risk.lec(6, 6, 3).value, risk.lec(6, 6, 3).colour) == (108, "yellow")
    assert (risk.lec(6, 6, 7).value, risk.lec(6, 6, 7).colour) == (252, "orange")


def test_default_lec_cutoffs_are_the_classic_band_edges():
    edges = {Decimal(row["d_min"]) for row in csv_rows("lec_d_bands.csv") if row["d_min"]}
    cuts = [b.min for b in risk.load_risk_config().lec["common_practice"].bands if b.min]
    assert cuts == [320, 160, 70]
    assert set(cuts) <= edges


def test_four_colour_mapping_defaults():
    levels = risk.load_risk_config().levels
    assert {code: (lv.colour, lv.name_cn) for code, lv in levels.items()} == {
        "major": ("red", "重大风险"),
        "considerable": ("orange", "较大风险"),
        "general": ("yellow", "一般风险"),
        "low": ("blue", "低风险"),
    }


def test_equal_decimal_spellings_are_allowed():
    assert risk.lec("0.50", "0.5", "1").value == Decimal("0.25")


@pytest.mark.parametrize(
    ("l", "e", "c", "named"),
    [
        ("5", "6", "3", "L = 5"),
        ("6", "4", "3", "E = 4"),
        ("6", "6", "50", "C = 50"),
        ("0", "6", "3", "L = 0"),
    ],
)
def test_lec_refuses_values_off_the_scale_naming_them(l, e, c, named):  # noqa: E741
    with pytest.raises(StandardsError, match=named):
        risk.lec(l, e, c)


def test_lec_refuses_non_numbers():
    with pytest.raises(StandardsError, match="'six' is not a number"):
        risk.lec("six", 6, 3)


# The 5×5 matrix under the default (zgmkw) bands: R ≥ 20 red, ≥ 9 orange, ≥ 4 yellow, else blue.
# Rows L = 1…5, columns S = 1…5.
DEFAULT_MATRIX = """
B B B Y Y
B Y Y Y O
B Y O O O
Y Y O O R
Y O O R R
"""
LETTER = {"R": "red", "O": "orange", "Y": "yellow", "B": "blue"}


def test_the_whole_default_matrix():
    grid = [line.split() for line in DEFAULT_MATRIX.strip().splitlines()]
    matrix = risk.ls_matrix()
    assert len(matrix) == 25
    for (likelihood, severity), result in matrix.items():
        assert result.value == likelihood * severity
        assert result.colour == LETTER[grid[likelihood - 1][severity - 1]], (likelihood, severity)


@pytest.mark.parametrize(
    ("scheme", "r", "colour"),
    [
        ("zgmkw", 20, "red"),
        ("zgmkw", 16, "orange"),
        ("zgmkw", 9, "orange"),
        ("zgmkw", 8, "yellow"),
        ("zgmkw", 4, "yellow"),
        ("zgmkw", 3, "blue"),
        ("coal_mine_paper", 9, "yellow"),
        ("coal_mine_paper", 10, "orange"),
        ("public_code", 12, "yellow"),
        ("public_code", 15, "orange"),
        ("public_code", 8, "blue"),
        ("public_code", 20, "red"),
    ],
)
def test_ls_boundaries_per_published_scheme(scheme, r, colour):
    assert risk.classify_ls(r, scheme=scheme).colour == colour


@pytest.mark.parametrize(("l", "s"), [(0, 3), (6, 1), ("2.5", 2), (3, "x")])
def test_ls_refuses_values_off_the_1_to_5_scale(l, s):  # noqa: E741
    with pytest.raises(StandardsError, match="not"):
        risk.ls(l, s)


def test_unknown_scheme_is_an_error_listing_the_known_ones():
    with pytest.raises(StandardsError, match="zgmkw"):
        risk.ls(2, 2, scheme="shandong")


def test_a_province_can_load_its_own_bands_and_colours(tmp_path):
    data = json.loads((DATA / "risk_bands.json").read_text(encoding="utf-8"))
    data["levels"]["low"]["colour"] = "green"
    data["ls"]["schemes"]["zgmkw"]["bands"][1]["min"] = "12"
    path = tmp_path / "bands.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    config = risk.load_risk_config(path)
    assert risk.ls(1, 1, config=config).colour == "green"
    assert risk.ls(3, 3, config=config).colour == "yellow"
    assert risk.ls(3, 4, config=config).colour == "orange"


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (
            [
                {"level": "major", "min": "5"},
                {"level": "low", "min": "9"},
                {"level": "general", "min": None},
            ],
            "fall",
        ),
        ([{"level": "major", "min": "5"}, {"level": "low", "min": "3"}], "last"),
        ([{"level": "purple", "min": "5"}, {"level": "low", "min": None}], "unknown level"),
    ],
)
def test_malformed_band_configuration_is_refused(bands, message):
    data = json.loads((DATA / "risk_bands.json").read_text(encoding="utf-8"))
    data["ls"]["schemes"]["zgmkw"]["bands"] = bands
    with pytest.raises(StandardsError, match=message):
        risk.RiskConfig.from_dict(data)


decimals = st.decimals(min_value=0, max_value=10_000, places=3, allow_nan=False)


@given(decimals, decimals, st.sampled_from(["common_practice", "classic_exclusive"]))
def test_lec_level_is_monotone_in_d(a, b, scheme):
    low, high = sorted((a, b))
    # Rank 1 is the highest level: a larger D never gets a lower level.
    assert risk.classify_lec(high, scheme=scheme).rank <= risk.classify_lec(low, scheme=scheme).rank


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_ls_level_is_monotone_in_r(l1, s1, l2, s2):
    first, second = risk.ls(l1, s1), risk.ls(l2, s2)
    if first.value <= second.value:
        assert second.level.rank <= first.level.rank
