"""Rule evaluation: pure functions over values (no database), used by the ingest path."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .models import Direction, Level


@dataclass(frozen=True)
class Threshold:
    direction: str
    blue: float | None
    yellow: float | None
    orange: float | None
    red: float | None

    def __post_init__(self):
        # Precomputed once per rule (the registry keeps rules for 30 s): worst level first.
        steps = tuple(
            (float(limit), int(level))
            for level, limit in (
                (Level.RED, self.red),
                (Level.ORANGE, self.orange),
                (Level.YELLOW, self.yellow),
                (Level.BLUE, self.blue),
            )
            if limit is not None
        )
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_above", self.direction == Direction.ABOVE)

    def level(self, value: float) -> int:
        if self._above:
            for limit, level in self._steps:
                if value >= limit:
                    return level
        else:
            for limit, level in self._steps:
                if value <= limit:
                    return level
        return 0

    def worse(self, a: float | None, b: float) -> float:
        """The peak of two values in this rule's direction."""
        if a is None:
            return b
        return max(a, b) if self.direction == Direction.ABOVE else min(a, b)


@dataclass
class PointRules:
    threshold: Threshold | None = None
    rate_per_min: float | None = None
    rate_level: int = Level.YELLOW
    stuck_minutes: int | None = None
    stuck_level: int = Level.BLUE
    range_level: int | None = None  # None: the range rule is off


@dataclass
class Trigger:
    """A rule fired on a reading: the ingest path turns it into (or onto) an alarm."""

    kind: str
    level: int
    value: float
    ts: dt.datetime
    detail: str = ""
    n: int = 1  # readings of the batch that fired this rule


@dataclass
class PointState:
    """What the evaluator needs from the point's previous latest value."""

    ts: dt.datetime | None = None
    value: float | None = None
    level: int = 0
    changed_at: dt.datetime | None = None
    triggers: list[Trigger] = field(default_factory=list)


def evaluate(
    rules: PointRules,
    range_min: float | None,
    range_max: float | None,
    state: PointState,
    readings: list[tuple],
) -> PointState:
    """Evaluate a point's new readings (any order) against its rules.

    ``readings`` are tuples starting (ts, value, …). Thresholds and the range are checked on every new reading, late ones included; the
    rate of change and the stuck value only on readings newer than the latest one. Returns
    the new latest state with the triggers found (at most one per rule kind: the worst).
    """
    worst: dict[str, Trigger] = {}
    fired: dict[str, int] = {}

    def fire(kind, level, value, ts, detail=""):
        fired[kind] = fired.get(kind, 0) + 1
        old = worst.get(kind)
        if old is None or level > old.level or (level == old.level and abs(value) > abs(old.value)):
            worst[kind] = Trigger(kind, level, value, ts, detail)

    new = PointState(state.ts, state.value, state.level, state.changed_at)
    ordered = readings if len(readings) == 1 else sorted(readings, key=_by_ts)
    for r in ordered:
        ts, value = r[0], r[1]
        in_range = True
        if rules.range_level is not None and (
            (range_min is not None and value < range_min)
            or (range_max is not None and value > range_max)
        ):
            in_range = False
            fire("range", rules.range_level, value, ts, f"{range_min}–{range_max}")
        level = rules.threshold.level(value) if (rules.threshold and in_range) else 0
        if level:
            fire("threshold", level, value, ts)
        if new.ts is not None and ts <= new.ts:
            continue  # late reading: not the latest, no rate or stuck evaluation
        if new.ts is not None and new.value is not None and rules.rate_per_min:
            minutes = max((ts - new.ts).total_seconds() / 60.0, 1 / 60.0)
            rate = abs(value - new.value) / minutes
            if rate > rules.rate_per_min and in_range:
                fire("rate", rules.rate_level, value, ts, f"{rate:.3g}/min")
        if new.value is None or abs(value - new.value) > 1e-12:
            new.changed_at = ts
        elif (
            rules.stuck_minutes
            and new.changed_at is not None
            and ts - new.changed_at >= dt.timedelta(minutes=rules.stuck_minutes)
        ):
            fire("stuck", rules.stuck_level, value, ts, f"≥{rules.stuck_minutes} min")
        new.ts, new.value, new.level = ts, value, level
    for kind, trig in worst.items():
        trig.n = fired[kind]
    new.triggers = list(worst.values())
    return new


def _by_ts(r):
    return r[0]


def aggregate(levels) -> int:
    """Four-colour aggregation (tailings, emergency-warnings.md §5.4).

    Members (points of an item, or items of a facility) raise the whole: four at blue or
    worse ⇒ yellow; three at yellow or worse ⇒ orange; two at orange or worse ⇒ red. The
    whole is never below its worst member.
    """
    levels = [int(x) for x in levels]
    result = max(levels, default=0)

    def at_least(level):
        return sum(1 for x in levels if x >= level)

    if at_least(Level.BLUE) >= 4:
        result = max(result, Level.YELLOW)
    if at_least(Level.YELLOW) >= 3:
        result = max(result, Level.ORANGE)
    if at_least(Level.ORANGE) >= 2:
        result = max(result, Level.RED)
    return int(result)


def facility_level(point_levels: dict[str, list[int]]) -> tuple[int, dict[str, int]]:
    """Aggregate points by item, then items into the facility. Returns (level, per item)."""
    items = {item: aggregate(levels) for item, levels in point_levels.items()}
    return aggregate(items.values()), items
