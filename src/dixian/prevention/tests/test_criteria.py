"""The major-hazard determination catalogues against the research notes (risk-hazard.md §3):
every item the notes give is in the versioned data, and a catalogue the notes give only in
part is marked partial and shown so to users."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from dixian.core.models import Organisation
from dixian.prevention import criteria, services
from dixian.prevention.forms import HazardReportForm

# A copy of the team's research notes (shared/domain/risk-hazard.md), kept with the tests so
# a clean checkout checks the catalogues against them.
NOTES = Path(__file__).resolve().parent / "data" / "risk-hazard.md"


def _codes(prefix, names):
    return {f"{prefix}-{n}" for n in names}


EXPECTED = {
    # (code, version): (complete, item codes the notes give)
    ("coal", "2026"): (True, _codes("coal", [f"{i:02d}" for i in range(1, 18)])),
    ("coal", "2020"): (True, _codes("coal2020", [f"{i:02d}" for i in range(1, 16)])),
    ("chemical", "2017"): (True, _codes("chemical", [f"{i:02d}" for i in range(1, 21)])),
    ("noncoal", "2022"): (
        False,
        _codes(
            "noncoal",
            ["U01", "U02", "U03", "U04", "U05", "U07", "U13", "U20", "U21", "U27", "UX1", "UX2"]
            + [f"P{i:02d}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 10)]
            + ["T01", "T02"],
        ),
    ),
    ("noncoal", "2017"): (False, _codes("noncoal2017", [f"T{i:02d}" for i in range(1, 13)])),
    ("industry_trade", "2023"): (
        False,
        _codes(
            "industry_trade",
            ["M1", "M2", "M3", "Y1", "Y2", "Y3", "Y4"]
            + [f"D{i}" for i in range(1, 9)]
            + ["A1", "A2", "S1", "S2"],
        ),
    ),
    ("construction", "2022"): (
        False,
        _codes(
            "construction",
            ["4-1", "4-2", "4-3", "4-4", "5-1", "5-2", "5-3", "5-4"]
            + [f"8-{i}" for i in range(1, 8)]
            + ["9-1", "9-2", "9-3", "10-1", "11-1", "11-2", "12-1"],
        ),
    ),
    ("fire", "2025"): (False, {"fire-5", "fire-6"}),
}


def test_every_item_of_the_notes_is_in_the_data_with_source_and_edition():
    cats = {(c.code, c.version): c for c in criteria.catalogues()}
    assert set(EXPECTED) <= set(cats)
    for key, (complete, codes) in EXPECTED.items():
        cat = cats[key]
        assert codes <= {code for code, _text in cat.items}, key
        assert cat.complete is complete, key
        assert cat.document and cat.edition and cat.in_force and cat.source, key
        if not complete:
            assert cat.missing, key  # says what is missing
    # Each standard the notes cover has a current catalogue to tick.
    assert {c.code for c in criteria.current()} >= {
        "coal",
        "noncoal",
        "chemical",
        "industry_trade",
        "construction",
        "fire",
    }
    assert {c.document for c in criteria.current() if c.code == "coal"} == {"应急管理部令第21号"}
    codes = [code for c in criteria.catalogues() for code, _t in c.items]
    assert len(codes) == len(set(codes))  # a code names one item


def _norm(text: str) -> str:
    return text.replace(",", "，").replace(";", "；").replace(" ", "").strip()


def test_coal_and_chemical_items_match_the_notes_word_for_word():
    notes = NOTES.read_text(encoding="utf-8")
    section = notes[notes.index("### 3.1") : notes.index("### 3.2")]
    revision = section[section.index("**2026 revision") :]
    listed = re.findall(r"^\d+\. (.+)$", revision, flags=re.M)
    assert len(listed) == 17
    coal = next(c for c in criteria.catalogues() if (c.code, c.version) == ("coal", "2026"))
    assert [_norm(t) for _c, t in coal.items] == [_norm(t) for t in listed]
    table = re.findall(r"^\| (\d+) \| ([^|]+) \|", section[: section.index("**2026")], re.M)
    assert len(table) == 15
    coal2020 = next(c for c in criteria.catalogues() if (c.code, c.version) == ("coal", "2020"))
    assert [_norm(t) for _c, t in coal2020.items] == [_norm(t) for _n, t in table]
    chem = notes[notes.index("### 3.3") : notes.index("### 3.4")]
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \|", chem, re.M)
    assert [int(n) for n, _t in rows] == list(range(1, 21))
    chemical = dict(next(c for c in criteria.catalogues() if c.code == "chemical").items)
    assert _norm(chemical["chemical-19"]) == _norm(rows[18][1])


def test_partial_catalogues_are_marked_for_users(users, client_for):
    form = HazardReportForm(user=users["enterprise"])
    labels = [label for label, _items in form.fields["criteria"].choices]
    partial = [c for c in criteria.current() if not c.complete]
    assert partial
    for cat in criteria.current():
        label = next(lb for lb in labels if cat.document in lb)
        assert ("部分条目" in label) is (not cat.complete)
    # Superseded editions are not offered.
    assert not any("应急管理部令第4号" in lb for lb in labels)
    page = client_for("enterprise").get("/prevention/criteria/").content.decode()
    assert page.count('data-testid="partial"') == sum(
        1 for c in criteria.catalogues() if not c.complete
    )
    assert "矿安〔2024〕41号" in page and "建质规〔2024〕5号" in page
    add = client_for("enterprise").get("/prevention/hazards/add/").content.decode()
    assert "部分条目" in add and "/prevention/criteria/" in add


def test_superseded_codes_are_described_but_not_accepted(users):
    alumina = Organisation.objects.get(name="山西河源氧化铝有限公司")
    with pytest.raises(ValidationError) as err:
        services.report_hazard(
            actor=users["enterprise"],
            enterprise=alumina,
            title="测试：旧版条目",
            level="major",
            criteria_codes=["coal2020-02"],
        )
    assert "coal2020-02" in str(err.value)
    assert "应急管理部令第4号" in criteria.describe("coal2020-02")
