"""GB 18218-2018: every table row, the inclusive S ≥ 1 rule, grading boundaries, worked examples."""

from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dixian.standards import gb18218
from dixian.standards.errors import StandardsError
from dixian.standards.gb18218 import Substance

from .published import csv_rows

TABLE1 = csv_rows("gb18218_table1.csv")
TABLE2 = csv_rows("gb18218_table2_categories.csv")
TABLE4 = {
    row["symbol"]: Decimal(row["beta"]) for row in csv_rows("gb18218_table4_beta_categories.csv")
}
CAS_USE = Counter(cas for row in TABLE1 for cas in row["cas"].split(";") if cas)
ALIAS_USE = Counter(a for row in TABLE1 for a in row["alias_cn"].split(";") if a)


def assess(*substances, people=0, unit="storage", **kwargs):
    return gb18218.assess(list(substances), unit_type=unit, exposed_people=people, **kwargs)


def sub(q, **kwargs):
    return Substance(quantity_t=Decimal(str(q)), **kwargs)


def test_table1_has_85_rows_numbered_without_gaps():
    assert [row["seq"] for row in TABLE1] == [str(n) for n in range(1, 86)]
    assert len(gb18218.table1()) == 85


@pytest.mark.parametrize("row", TABLE1, ids=lambda r: r["seq"])
def test_every_table1_row_is_found_by_name_english_name_and_seq(row):
    expected = Decimal(row["critical_t"])
    for name in (row["name_cn"], row["name_en"]):
        entry = gb18218.find_in_table1(name=name)
        assert (entry.seq, entry.threshold_t) == (int(row["seq"]), expected)
    assert gb18218.find_in_table1(seq=row["seq"]).threshold_t == expected


@pytest.mark.parametrize("row", [r for r in TABLE1 if r["cas"]], ids=lambda r: r["seq"])
def test_every_table1_cas_finds_its_row_or_names_it_among_the_variants(row):
    for cas in row["cas"].split(";"):
        if CAS_USE[cas] == 1:
            assert gb18218.find_in_table1(cas=cas).threshold_t == Decimal(row["critical_t"])
        else:
            # 9004-70-0 (nitrocellulose ×6) and 6484-52-2 (ammonium nitrate ×2): the user
            # must choose the variant; the error lists this row, and seq settles it.
            with pytest.raises(StandardsError, match=f"#{row['seq']} ") as caught:
                gb18218.find_in_table1(cas=cas)
            assert len(caught.value.candidates) == CAS_USE[cas]
            chosen = gb18218.find_in_table1(cas=cas, seq=row["seq"])
            assert chosen.threshold_t == Decimal(row["critical_t"])


@pytest.mark.parametrize("row", [r for r in TABLE1 if r["alias_cn"]], ids=lambda r: r["seq"])
def test_every_alias_finds_its_row_or_names_it(row):
    for alias in row["alias_cn"].split(";"):
        if ALIAS_USE[alias] == 1:
            assert gb18218.find_in_table1(name=alias).seq == int(row["seq"])
        else:
            with pytest.raises(StandardsError, match=f"#{row['seq']} "):
                gb18218.find_in_table1(name=alias)


def test_rows_without_cas_are_the_three_the_standard_leaves_blank():
    assert [row["seq"] for row in TABLE1 if not row["cas"]] == ["13", "45", "74"]


def independent_cas_check(cas: str) -> bool:
    body, check = cas.replace("-", "")[:-1], cas[-1]
    return sum(int(d) * w for w, d in enumerate(reversed(body), start=1)) % 10 == int(check)


def test_all_table1_cas_numbers_have_valid_check_digits():
    assert all(independent_cas_check(cas) and gb18218.cas_is_valid(cas) for cas in CAS_USE)
    assert not gb18218.cas_is_valid("7664-41-8")
    with pytest.raises(StandardsError, match="not a valid CAS"):
        gb18218.find_in_table1(cas="7664-41-8")


@pytest.mark.parametrize(
    ("name", "seq"),
    [
        ("氯化氢（无水）", 11),  # full-width brackets as typed on a Chinese keyboard
        (" 液氯 ", 12),
        ("AMMONIA", 1),
        ("光气", 6),
        ("碳酰氯(光气)", 6),
        ("天然气", 49),
        ("甲烷", 49),
        ("丙烷", 52),
        ("煤气", 13),
        ("汽油", 66),  # the row's parenthetical lists included variants
        ("乙醇汽油", 66),
    ],
)
def test_names_are_matched_across_width_case_and_listed_extra_names(name, seq):
    assert gb18218.find_in_table1(name=name).seq == seq


def test_every_extra_name_points_at_a_row_whose_text_or_cas_supports_it():
    for row in csv_rows("gb18218_table1_extra_names.csv"):
        entry = gb18218.find_in_table1(name=row["name"])
        assert entry.seq == int(row["seq"])


def test_identifiers_that_disagree_are_an_error():
    with pytest.raises(StandardsError, match="different Table 1 rows"):
        gb18218.find_in_table1(name="氯", cas="7664-41-7")


def test_name_not_in_table1_is_a_label_when_cas_is_found():
    assert gb18218.find_in_table1(name="1号罐液氨", cas="7664-41-7").seq == 1


@pytest.mark.parametrize("row", TABLE2, ids=lambda r: r["symbol"])
def test_every_table2_category_has_its_threshold_and_table4_beta(row):
    found = gb18218.category(row["symbol"].lower())
    assert found.threshold_t == Decimal(row["critical_t"])
    assert found.beta == TABLE4[row["symbol"]]


def test_table4_covers_exactly_the_table2_symbols():
    assert set(TABLE4) == {row["symbol"] for row in TABLE2}


def test_unknown_category_is_an_error_naming_it():
    with pytest.raises(StandardsError, match="'W12'"):
        gb18218.category("W12")


@pytest.mark.parametrize(
    ("symbols", "lowest", "q"),
    [
        (["J3", "W2"], "W2", 10),
        (["W5.4", "J1"], "J1", 5),
        (["W9.2", "W10", "W1.1"], "W1.1", 1),
        (["J4", "W4"], "J4", 50),  # tie at 50 t: the larger β (2 against 1)
    ],
)
def test_several_categories_take_the_lowest_threshold(symbols, lowest, q):
    # §4.1.2 b: "若一种危险化学品具有多种危险性，应按其中最低的临界量确定".
    chosen = gb18218.lowest_threshold(symbols)
    assert (chosen.symbol, chosen.threshold_t) == (lowest, q)


def test_table3_beta_reaches_exactly_its_13_table1_rows_and_carbon_monoxide():
    # Table 3 names against Table 1 rows, by hand: 氯化氢 is row 11 "氯化氢(无水)", 氯 is
    # row 12, 碳酰氯 row 6, …; 一氧化碳 has no Table 1 row (its β applies by name).
    table3 = {
        row["name_cn"]: Decimal(row["beta"])
        for row in csv_rows("gb18218_table3_beta_toxic_gases.csv")
    }
    by_hand = {
        "氨": 1,
        "二氧化氮": 3,
        "二氧化硫": 4,
        "碳酰氯": 6,
        "环氧乙烷": 7,
        "磷化氢": 9,
        "硫化氢": 10,
        "氯化氢": 11,
        "氯": 12,
        "溴甲烷": 17,
        "氟化氢": 20,
        "氰化氢": 25,
        "异氰酸甲酯": 30,
    }
    assert set(by_hand) | {"一氧化碳"} == set(table3)
    found = {e.seq: gb18218.table3_beta(e) for e in gb18218.table1() if gb18218.table3_beta(e)}
    assert found == {seq: table3[name] for name, seq in by_hand.items()}
    assert gb18218.table3_beta(name="一氧化碳") == 2


@pytest.mark.parametrize(
    ("people", "alpha"),
    [
        (0, "0.5"),
        (1, "1.0"),
        (29, "1.0"),
        (30, "1.2"),
        (49, "1.2"),
        (50, "1.5"),
        (99, "1.5"),
        (100, "2.0"),
        (1_000_000, "2.0"),
    ],
)
def test_alpha_bands_of_table5(people, alpha):
    assert gb18218.alpha_for(people) == Decimal(alpha)


@pytest.mark.parametrize("bad", [-1, "2.5", "many"])
def test_alpha_refuses_impossible_head_counts(bad):
    with pytest.raises(StandardsError, match="exposed_people"):
        gb18218.alpha_for(bad)


@pytest.mark.parametrize(
    ("r", "grade"),
    [
        ("1000", 1),
        ("100", 1),
        ("99.999999", 2),
        ("50", 2),
        ("49.999999", 3),
        ("10", 3),
        ("9.999999", 4),
        ("0", 4),
    ],
)
def test_grade_boundaries_of_table6(r, grade):
    assert gb18218.grade_for(Decimal(r)) == grade


def test_single_substance_at_exactly_its_threshold_is_major():
    # §4.2.1 a: q ≥ Q ("等于或超过"). Benzene Q = 50 t.
    at = assess(sub(50, name="苯", categories=("W5.3",)))
    below = assess(sub("49.999", name="苯", categories=("W5.3",)))
    assert (at.s, at.major) == (1, True)
    assert (below.s, below.major) == (Decimal("0.99998"), False)


def test_thirds_that_sum_to_exactly_one_are_major():
    # Phosgene Q = 0.3 t: three lines of 0.1 t are 1/3 + 1/3 + 1/3 = 1 exactly. Decimal division
    # would give 0.9999…; the exact sum makes the unit major, as §4.2.1 b requires.
    unit = assess(*[sub("0.1", name="光气")] * 3)
    assert unit.s_exact == 1
    assert unit.major is True
    assert unit.s == 1
    assert assess(sub("0.1", name="光气"), sub("0.1", name="光气")).s == Decimal("0.666666")


def test_hand_worked_storage_unit():
    # A storage unit, 120 people within 500 m → α = 2.0 (Table 5, "100人以上").
    #   液氯  3 t,   Q =  5 (#12), β = 4 (Table 3 氯):    q/Q = 0.6, βq/Q = 2.4
    #   氨    4 t,   Q = 10 (#1),  β = 2 (Table 3):       q/Q = 0.4, βq/Q = 0.8
    #   甲醇 100 t,  Q = 500 (#65), β = 1 (Table 4 W5.3): q/Q = 0.2, βq/Q = 0.2
    #   一氧化碳 2 t, not in Table 1; J3 (50 t) and W2 (10 t) → Q = 10; β = 2 (Table 3):
    #                                                     q/Q = 0.2, βq/Q = 0.4
    # S = 0.6 + 0.4 + 0.2 + 0.2 = 1.4 ≥ 1 → major; R = 2.0 × (2.4 + 0.8 + 0.2 + 0.4) = 7.6
    # → R < 10 → grade 4.
    unit = assess(
        sub(3, name="液氯"),
        sub(4, cas="7664-41-7"),
        sub(100, name="甲醇", categories=("W5.3",)),
        sub(2, name="一氧化碳", categories=("J3", "W2")),
        people=120,
    )
    assert (unit.s, unit.major, unit.alpha, unit.r, unit.grade) == (
        Decimal("1.4"),
        True,
        Decimal("2.0"),
        Decimal("7.6"),
        4,
    )
    assert [(ln.substance, ln.threshold_t, ln.beta) for ln in unit.lines] == [
        ("氯", 5, 4),
        ("氨", 10, 2),
        ("甲醇", 500, 1),
        ("一氧化碳", 10, 2),
    ]
    assert unit.lines[3].basis.startswith("GB 18218-2018 表2 W2")


def test_hand_worked_production_unit_reaching_grade_1():
    # Production unit, 60 people → α = 1.5.
    #   氰化氢 2 t, Q = 1 (#25), β = 10 (Table 3): q/Q = 2, βq/Q = 20
    #   汽油 400 t, Q = 200 (#66), β = 1.5 (W5.1 category 1, Table 4): q/Q = 2, βq/Q = 3
    #   an unlisted J1 gas 10 t: Q = 5, β = 4: q/Q = 2, βq/Q = 8
    # S = 6 → major; R = 1.5 × (20 + 3 + 8) = 46.5 → grade 3.
    unit = assess(
        sub(2, name="氰化氢"),
        sub(400, name="汽油", categories=("W5.1",)),
        sub(10, categories=("J1",)),
        people=60,
        unit="production",
    )
    assert (unit.s, unit.r, unit.grade) == (6, Decimal("46.5"), 3)
    # Double everything: R = 93 → grade 2; once more: R = 186 → grade 1.
    doubled = assess(
        sub(4, name="氰化氢"),
        sub(800, name="汽油", categories=("W5.1",)),
        sub(20, categories=("J1",)),
        people=60,
    )
    assert (doubled.r, doubled.grade) == (93, 2)


@pytest.mark.parametrize(
    ("q", "people", "r", "grade"),
    [
        # Chlorine: Q = 5 t, β = 4, so R = α × 4 × q / 5.
        ("12.5", 1, 10, 3),  # α 1.0: 1.0 × 4 × 2.5 = 10 → grade 3 (10 is inclusive)
        ("12.499", 1, Decimal("9.9992"), 4),
        ("31.25", 100, 50, 2),  # α 2.0: 2 × 4 × 6.25 = 50 → grade 2
        ("31.24", 100, Decimal("49.984"), 3),
        ("62.5", 100, 100, 1),  # 2 × 4 × 12.5 = 100 → grade 1
        ("62.49", 100, Decimal("99.984"), 2),
    ],
)
def test_grade_boundaries_through_the_whole_calculation(q, people, r, grade):
    unit = assess(sub(q, name="氯"), people=people)
    assert (unit.r, unit.grade) == (r, grade)


def test_beta_rule_for_several_categories():
    # J3 (Q 50, β 2) and W2 (Q 10, β 1.5): Q = 10 either way; β is 2 by "max", 1.5 by
    # "lowest_q" (the β of the category that set Q).
    line = gb18218.resolve(sub(1, name="某可燃有毒气体", categories=("J3", "W2")))
    assert (line.threshold_t, line.beta) == (10, 2)
    line = gb18218.resolve(
        sub(1, name="某可燃有毒气体", categories=("J3", "W2")), beta_rule="lowest_q"
    )
    assert line.beta == Decimal("1.5")


def test_table3_beta_wins_over_categories():
    assert gb18218.resolve(sub(1, name="氨", categories=("W2",))).beta == 2


def test_not_major_without_beta_reports_no_r_and_no_grade():
    unit = assess(sub(10, name="苯"))
    assert (unit.major, unit.r, unit.grade) == (False, None, None)
    assert unit.lines[0].beta is None


def test_major_without_beta_is_an_error_naming_the_substance():
    with pytest.raises(StandardsError, match="β is unknown for 苯"):
        assess(sub(60, name="苯"))


def test_not_major_unit_has_r_but_no_grade():
    unit = assess(sub(1, name="氯"), people=10)
    assert (unit.major, unit.r, unit.grade) == (False, Decimal("0.8"), None)


@pytest.mark.parametrize(
    ("substance", "message"),
    [
        (sub(1, name="不存在的物质"), "unknown substance"),
        (sub(1, cas="50-00-0", name="甲醛溶液"), None),  # found by CAS: not an error
        (sub(1, cas="7732-18-5"), "unknown substance.*7732-18-5"),
        (sub(1), "needs a name"),
    ],
)
def test_unresolvable_substances(substance, message):
    if message is None:
        assert gb18218.resolve(substance).threshold_t == 5
    else:
        with pytest.raises(StandardsError, match=message):
            gb18218.resolve(substance)


def test_table2_fallback_for_a_near_miss_name_carries_a_note():
    line = gb18218.resolve(sub(1, name="氯化氢", categories=("J3",)))
    assert (line.threshold_t, line.entry) == (50, None)
    assert "#11 氯化氢(无水)" in line.as_dict()["note"]
    assert "note" not in gb18218.resolve(sub(1, name="氯")).as_dict()


def test_unknown_substance_suggests_close_table1_names():
    with pytest.raises(StandardsError) as caught:
        gb18218.resolve(sub(1, name="氯化氢"))
    assert caught.value.candidates == ("#11 氯化氢(无水) (Q = 20 t)",)


def request(**overrides):
    data = {
        "unit_type": "storage",
        "exposed_people": Decimal(0),
        "substances": [{"name": "氯", "quantity_t": Decimal(5)}],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (request(unit_type="warehouse"), "unit_type"),
        (request(substances=[]), "non-empty"),
        (
            request(substances=[{"name": "氯", "quantity_t": Decimal(-1)}]),
            "quantity_t.*氯.*negative",
        ),
        (
            request(substances=[{"name": "氯", "quantity_t": "lots"}]),
            "quantity_t.*'lots' is not a number",
        ),
        (request(substances=[{"name": "氯", "quantity_t": True}]), "not a number"),
        (request(substances=[{"name": "氯"}]), "quantity_t' is missing"),
        (request(substances=[{"name": "氯", "qty": 1, "quantity_t": 1}]), "unknown key.*qty"),
        (request(substances=[{"category": "X9", "quantity_t": 1}]), "'X9'"),
        (request(colour="red"), "unknown key.*colour"),
        (request(exposed_people=Decimal(-3)), "exposed_people"),
        (request(beta_rule="min"), "beta_rule"),
        ([], "JSON object"),
    ],
)
def test_bad_requests_are_errors_naming_the_problem(data, message):
    with pytest.raises(StandardsError, match=message):
        gb18218.assess_request(data)


def test_request_accepts_category_lists_and_strings_and_seq():
    unit = gb18218.assess_request(
        request(
            substances=[
                {"seq": Decimal(43), "cas": "6484-52-2", "quantity_t": Decimal(1)},
                {"name": "某液体", "category": "W5.3, J2", "quantity_t": Decimal(10)},
                {"name": "某气体", "category": ["w2"], "quantity_t": Decimal(1)},
            ]
        )
    )
    assert [line.threshold_t for line in unit.lines] == [5, 50, 10]
    # 1/5 + 10/50 + 1/10 = 0.5
    assert unit.s == Decimal("0.5")


quantities = st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False)
named = st.sampled_from(
    [
        ("氯", ()),
        ("氨", ()),
        ("光气", ()),
        ("苯", ("W5.3",)),
        ("甲醇", ("W5.3",)),
        ("氢", ("W2",)),
        ("液化石油气", ("W2",)),
        ("硝酸钾", ("W9.2",)),
        ("某有毒气体", ("J1",)),
    ]
)
substances = st.lists(
    st.builds(lambda q, n: sub(q, name=n[0], categories=n[1]), quantities, named),
    min_size=1,
    max_size=6,
)


@given(substances, substances)
def test_s_is_additive_over_the_substances_of_a_unit(first, second):
    whole = assess(*first, *second)
    assert whole.s_exact == assess(*first).s_exact + assess(*second).s_exact
    assert whole.major == (whole.s_exact >= 1)
    assert Fraction(whole.s) <= whole.s_exact < Fraction(whole.s) + Fraction(1, 10**6)
    r_parts = assess(*first).r_exact + assess(*second).r_exact
    assert whole.r_exact == r_parts  # α = 0.5 for 0 people: R is additive too
