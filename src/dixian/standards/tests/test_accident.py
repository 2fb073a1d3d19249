"""493号令 Art. 3 grading at every boundary of every criterion; reporting chain and deadlines."""

import datetime as dt
from decimal import Decimal

import pytest

from dixian.standards import accident
from dixian.standards.errors import StandardsError


def code(deaths=0, injuries=0, loss=0):
    return accident.grade(deaths, injuries, loss).code


@pytest.mark.parametrize(
    ("deaths", "expected"),
    [
        (0, "ordinary"),
        (2, "ordinary"),
        (3, "relatively_serious"),  # 3人以上 includes 3
        (9, "relatively_serious"),
        (10, "serious"),
        (29, "serious"),
        (30, "especially_serious"),
        (31, "especially_serious"),
    ],
)
def test_deaths_boundaries(deaths, expected):
    assert code(deaths=deaths) == expected


@pytest.mark.parametrize(
    ("injuries", "expected"),
    [
        (9, "ordinary"),
        (10, "relatively_serious"),
        (49, "relatively_serious"),
        (50, "serious"),
        (99, "serious"),
        (100, "especially_serious"),
    ],
)
def test_serious_injury_boundaries(injuries, expected):
    assert code(injuries=injuries) == expected


@pytest.mark.parametrize(
    ("loss", "expected"),
    [
        ("9999999.99", "ordinary"),
        (10_000_000, "relatively_serious"),  # exactly 1000万元 is 较大
        ("49999999.99", "relatively_serious"),
        (50_000_000, "serious"),
        ("99999999.99", "serious"),
        (100_000_000, "especially_serious"),
    ],
)
def test_direct_loss_boundaries(loss, expected):
    assert code(loss=loss) == expected


def test_highest_band_of_any_criterion_wins():
    assert code(deaths=1, injuries=55, loss=0) == "serious"
    assert code(deaths=3, injuries=0, loss=60_000_000) == "serious"
    assert code(deaths=30, injuries=0, loss=0) == "especially_serious"
    assert code(deaths=2, injuries=9, loss="9999999") == "ordinary"


def test_report_level_and_investigator_follow_the_grade():
    assert accident.grade_dict(accident.grade(0, 0, 0)) == {
        "grade": "ordinary",
        "grade_cn": "一般事故",
        "report_up_to": "city",
        "investigated_by": "county",
    }
    rel = accident.grade(3, 0, 0)
    assert (rel.report_up_to, rel.investigated_by) == ("province", "city")
    ser = accident.grade(10, 0, 0)
    assert (ser.report_up_to, ser.investigated_by) == ("state_council", "province")
    esp = accident.grade(30, 0, 0)
    assert (esp.report_up_to, esp.investigated_by, esp.reply_days) == (
        "state_council",
        "state_council",
        30,
    )
    assert [accident.forwards_needed(g) for g in accident.GRADES] == [3, 3, 2, 1]


@pytest.mark.parametrize("bad", [-1, "2.5", "x", None])
def test_bad_input_is_refused(bad):
    with pytest.raises(StandardsError):
        accident.grade(bad, 0, 0)
    with pytest.raises(StandardsError):
        accident.grade(0, bad, 0)


def test_negative_loss_refused():
    with pytest.raises(StandardsError):
        accident.grade(0, 0, Decimal("-0.01"))


def test_clocks():
    t = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    assert accident.unit_report_due(t) == t + dt.timedelta(hours=1)
    assert accident.forward_due(t) == t + dt.timedelta(hours=2)
    assert accident.supplement_window_end(t, road_or_fire=False) == t + dt.timedelta(days=30)
    assert accident.supplement_window_end(t, road_or_fire=True) == t + dt.timedelta(days=7)


def test_investigation_deadlines():
    day = dt.date(2024, 1, 1)
    assert accident.investigation_due(day) == dt.date(2024, 3, 1)  # 60 days (leap year)
    assert accident.investigation_due(
        day, extension_days=60, appraisal_days=5
    ) == day + dt.timedelta(days=125)
    with pytest.raises(StandardsError):
        accident.investigation_due(day, extension_days=61)
    g = accident.grade(0, 0, 0)
    assert accident.reply_due(day, g) == dt.date(2024, 1, 16)
    assert accident.reply_due(day, accident.grade(30, 0, 0)) == dt.date(2024, 1, 31)
    assert accident.follow_up_due(day) == dt.date(2024, 12, 31)


def test_major_near_miss():
    assert not accident.is_major_near_miss(endangered=9, trapped_or_missing=2, evacuated=499)
    assert accident.is_major_near_miss(endangered=10)
    assert accident.is_major_near_miss(trapped_or_missing=3)
    assert accident.is_major_near_miss(evacuated=500)
    assert accident.is_major_near_miss(hospitalised=10)
