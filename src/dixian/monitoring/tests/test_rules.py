"""Pure rule evaluation and the four-colour aggregation."""

import datetime as dt

from dixian.monitoring import rules as R
from dixian.monitoring.models import Direction, Level
from dixian.monitoring.thresholds import methane, threshold_defaults

T0 = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def at(minutes):
    return T0 + dt.timedelta(minutes=minutes)


def test_methane_defaults_follow_the_sensor_location():
    t1 = methane("T1")
    assert (t1["orange"], t1["red"]) == (1.0, 1.5)  # alarm 1.0 %, power cut 1.5 %
    t3 = methane("T3")
    assert (t3["orange"], t3["red"]) == (0.5, 0.5)
    assert methane("T7")["red"] == 2.5
    assert threshold_defaults("o2")["direction"] == Direction.BELOW


def test_threshold_levels_both_directions():
    up = R.Threshold(Direction.ABOVE, None, 0.8, 1.0, 1.5)
    assert [up.level(v) for v in (0.3, 0.8, 1.2, 1.5, 9)] == [0, 2, 3, 4, 4]
    down = R.Threshold(Direction.BELOW, 8, 7, 6.6, 6)
    assert [down.level(v) for v in (9, 8, 6.8, 6.5, 5)] == [0, 1, 2, 3, 4]


def test_evaluate_threshold_rate_stuck_range():
    rules = R.PointRules(
        threshold=R.Threshold(Direction.ABOVE, None, 0.8, 1.0, 1.5),
        rate_per_min=0.5,
        stuck_minutes=30,
        range_level=Level.YELLOW,
    )
    state = R.PointState(at(0), 0.3, 0, at(0))
    new = R.evaluate(rules, 0, 4, state, [(at(1), 1.6)])
    kinds = {t.kind: t.level for t in new.triggers}
    assert kinds == {"threshold": Level.RED, "rate": Level.YELLOW}
    assert new.level == Level.RED and new.ts == at(1)
    # stuck: the same value for 30 minutes
    new = R.evaluate(rules, 0, 4, R.PointState(at(0), 0.3, 0, at(0)), [(at(31), 0.3)])
    assert [t.kind for t in new.triggers] == ["stuck"]
    # out of range is a sensor fault, not a threshold exceedance
    new = R.evaluate(rules, 0, 4, R.PointState(), [(at(0), 7.0)])
    assert [t.kind for t in new.triggers] == ["range"]


def test_late_reading_checks_thresholds_but_keeps_latest():
    rules = R.PointRules(threshold=R.Threshold(Direction.ABOVE, None, None, 1.0, 1.5))
    state = R.PointState(at(10), 0.2, 0, at(10))
    new = R.evaluate(rules, None, None, state, [(at(5), 1.2)])
    assert [t.kind for t in new.triggers] == ["threshold"]
    assert new.ts == at(10) and new.value == 0.2


def test_four_colour_aggregation():
    B, Y, Or, Rd = Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED
    assert R.aggregate([B, B, B]) == B
    assert R.aggregate([B, B, B, B]) == Y
    assert R.aggregate([Y, Y, Y]) == Or
    assert R.aggregate([Or, Or]) == Rd
    assert R.aggregate([]) == 0
    level, items = R.facility_level({"dam": [B, B, B, B], "phreatic": [Y, Y, Y], "beach": [Or]})
    assert items == {"dam": Y, "phreatic": Or, "beach": Or}
    assert level == Rd  # two items orange ⇒ the facility red
