"""The one ingest path: HTTP and MQTT payloads are validated, stored and evaluated here.

A payload is ``{"gateway": code, "token"?: str, "readings": [{"point", "ts", "value",
"quality"?}]}``. ``ingest_many`` takes several payloads and handles them in ONE transaction:
valid readings are stored (a reading seen twice is stored once), the latest values and
rollups updated, the rules evaluated on the new readings and alarms raised — all committed
together, so a consumer may acknowledge its messages as soon as this returns. Invalid
payloads, and invalid readings inside valid ones, are written to the dead-letter table with
the reason and the raw bytes; they never raise.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import orjson
from django.db import transaction
from django.utils.dateparse import parse_datetime

from dixian.core import clock

from . import rules as R
from . import services, storage
from .models import (
    AlarmKind,
    DeadLetter,
    Direction,
    Gateway,
    Level,
    ObjectKind,
    Point,
    Rule,
    RuleKind,
)

MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
MAX_READINGS = 10_000
FUTURE_SLACK = dt.timedelta(minutes=5)
AGGREGATED_KINDS = {ObjectKind.TAILINGS}


_loads = orjson.loads


class PayloadError(ValueError):
    """The payload as a whole cannot be ingested (the reason goes to the dead letter)."""


@dataclass
class PointInfo:
    id: int
    code: str
    gateway_id: int
    enterprise_id: int
    object_id: int
    object_kind: str
    kind: str
    item: str
    name: str
    unit: str
    range_min: float | None
    range_max: float | None
    rules: R.PointRules
    silence_s: int = 0  # no newer reading within this many seconds: the point is silent


@dataclass
class GatewayInfo:
    id: int
    code: str
    enterprise_id: int
    token_hash: str
    interval_s: int
    silence_factor: int
    points: dict[str, PointInfo] = field(default_factory=dict)


class Registry:
    """Gateways and their points with rules, cached per process (reloaded every ``ttl`` s
    and whenever a service changes them in this process)."""

    def __init__(self, ttl: float = 30.0):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._gateways: dict[str, GatewayInfo] | None = None
        self._loaded = 0.0

    def invalidate(self) -> None:
        with self._lock:
            self._gateways = None

    def gateways(self) -> dict[str, GatewayInfo]:
        with self._lock:
            if self._gateways is None or time.monotonic() - self._loaded > self.ttl:
                self._gateways = self._load()
                self._loaded = time.monotonic()
            return self._gateways

    def _load(self) -> dict[str, GatewayInfo]:
        gws = {
            g.code: GatewayInfo(
                g.pk, g.code, g.enterprise_id, g.token_hash, g.interval_s, g.silence_factor
            )
            for g in Gateway.objects.all()
        }
        by_id = {g.id: g for g in gws.values()}
        rules: dict[int, R.PointRules] = defaultdict(R.PointRules)
        for rule in Rule.objects.filter(enabled=True):
            pr = rules[rule.point_id]
            if rule.kind == RuleKind.THRESHOLD:
                pr.threshold = R.Threshold(
                    rule.direction, rule.blue, rule.yellow, rule.orange, rule.red
                )
            elif rule.kind == RuleKind.RATE:
                pr.rate_per_min, pr.rate_level = rule.rate_per_min, rule.level
            elif rule.kind == RuleKind.STUCK:
                pr.stuck_minutes, pr.stuck_level = rule.stuck_minutes, rule.level
            elif rule.kind == RuleKind.RANGE:
                pr.range_level = rule.level
        for p in Point.objects.filter(enabled=True).select_related("object"):
            gw = by_id.get(p.gateway_id)
            if gw is None:
                continue
            gw.points[p.code] = PointInfo(
                p.pk,
                p.code,
                p.gateway_id,
                p.object.enterprise_id,
                p.object_id,
                p.object.kind,
                p.kind,
                p.item,
                p.name,
                p.unit,
                p.range_min,
                p.range_max,
                rules[p.pk],
                max(p.interval_s, 1) * max(gw.silence_factor, 1),
            )
        return gws


registry = Registry()


@dataclass
class Outcome:
    gateway: str = ""
    accepted: int = 0
    duplicates: int = 0
    rejected: list = field(default_factory=list)
    error: str = ""
    alarms_opened: int = 0

    def as_dict(self) -> dict:
        return {
            "gateway": self.gateway,
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "alarms_opened": self.alarms_opened,
            **({"error": self.error} if self.error else {}),
        }


@dataclass
class Envelope:
    raw: bytes
    source: str = "http"
    topic: str = ""
    token: str | None = None  # HTTP: from the header; MQTT: from the payload
    topic_gateway: str | None = None
    topic_enterprise: str | None = None


def _parse_ts(value, now) -> dt.datetime:
    if isinstance(value, bool):
        raise ValueError("ts is not a time")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("ts is not finite")
        try:
            ts = dt.datetime.fromtimestamp(value / 1000 if value > 1e11 else value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("ts is out of range") from None
    elif isinstance(value, str):
        try:
            ts = dt.datetime.fromisoformat(value)  # C-fast; ISO 8601 with "Z" too
        except ValueError:
            ts = parse_datetime(value)
        if ts is None:
            raise ValueError("ts is not ISO 8601")
        if ts.tzinfo is None:
            raise ValueError("ts has no time zone")
    else:
        raise ValueError("ts missing")
    if ts > now + FUTURE_SLACK:
        raise ValueError("ts is in the future")
    return ts.astimezone(dt.UTC)


def _parse_value(value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("value is not a number")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("value is not finite")
    return value


def _parse_quality(quality) -> int:
    if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality < 256:
        raise ValueError("quality must be 0–255")
    return quality


def _check_reading(r, points, ts_cache, now):
    """(point, ts, value, quality) of one reading, or ValueError with the reason."""
    if not isinstance(r, dict):
        raise ValueError("reading is not an object")
    code = r.get("point")
    point = points.get(code) if isinstance(code, str) else None
    if point is None:
        raise ValueError(f"unknown point {str(code)[:60]!r} for this gateway")
    raw_ts = r.get("ts")
    ts = ts_cache.get(raw_ts) if type(raw_ts) is str else None
    if ts is None:
        ts = _parse_ts(raw_ts, now)
        if type(raw_ts) is str:
            ts_cache[raw_ts] = ts
    return point, ts, _parse_value(r.get("value")), _parse_quality(r.get("quality", 0))


def _validate(env: Envelope, gateways, now, ts_cache=None):
    """(gateway info, rows, rejected) or PayloadError."""
    if len(env.raw) > MAX_PAYLOAD_BYTES:
        raise PayloadError("payload too large")
    try:
        data = _loads(env.raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("payload is not an object")
    code = data.get("gateway")
    if not isinstance(code, str) or not code:
        raise PayloadError("gateway missing")
    gw = gateways.get(code)
    if gw is None:
        raise PayloadError(f"unknown gateway {code[:60]!r}")
    if env.topic_gateway is not None and env.topic_gateway != code:
        raise PayloadError("gateway does not match the topic")
    if env.topic_enterprise is not None and env.topic_enterprise != str(gw.enterprise_id):
        raise PayloadError("enterprise does not match the topic", gw)
    token = env.token if env.token is not None else data.get("token")
    if not isinstance(token, str) or not gw.token_hash or _token_hash(token) != gw.token_hash:
        raise PayloadError("bad gateway token", gw)
    readings = data.get("readings")
    if not isinstance(readings, list):
        raise PayloadError("readings missing", gw)
    if len(readings) > MAX_READINGS:
        raise PayloadError(f"more than {MAX_READINGS} readings", gw)
    if ts_cache is None:
        ts_cache = {}
    points = gw.points
    rows, rejected = [], []
    append = rows.append
    for i, r in enumerate(readings):
        # Fast path for the usual reading (known point, cached ISO time, float value);
        # anything else goes through the full checks, which give the reason.
        if type(r) is dict and type(r.get("point")) is str and type(r.get("ts")) is str:
            point = points.get(r["point"])
            ts = ts_cache.get(r["ts"])
            value = r.get("value")
            q = r.get("quality", 0)
            if (
                point is not None
                and ts is not None
                and type(value) is float
                and value - value == 0.0  # finite
                and type(q) is int
                and 0 <= q < 256
            ):
                append((point, ts, value, q))
                continue
        try:
            append(_check_reading(r, points, ts_cache, now))
        except ValueError as exc:
            rejected.append({"index": i, "reason": str(exc)})
    return gw, rows, rejected, readings


def _token_hash(token: str) -> str:
    from .models import hash_token

    return hash_token(token)


def ingest_many(envelopes: list[Envelope]) -> list[Outcome]:
    """Validate, store and evaluate several payloads in one transaction."""
    now = clock.now()
    gateways = registry.gateways()
    outcomes: list[Outcome] = []
    per_payload = []
    dead = []
    unique: dict = {}
    ts_cache: dict = {}
    for env in envelopes:
        outcome = Outcome()
        outcomes.append(outcome)
        try:
            gw, rows, rejected, readings = _validate(env, gateways, now, ts_cache)
        except PayloadError as exc:
            gw = exc.args[1] if len(exc.args) > 1 else None
            outcome.error = exc.args[0]
            unauthenticated = outcome.error.startswith(("unknown gateway", "bad gateway token"))
            if not (env.source == "http" and unauthenticated):
                # HTTP callers without a valid token get 401 and leave no trace to fill up.
                dead.append((env, gw, outcome.error, env.raw))
            per_payload.append(None)
            continue
        outcome.gateway = gw.code
        outcome.rejected = rejected
        if rejected:
            bad = [readings[r["index"]] for r in rejected]
            reason = "; ".join(f"#{r['index']}: {r['reason']}" for r in rejected[:10])
            raw = json.dumps({"gateway": gw.code, "readings": bad}, default=str).encode()
            dead.append((env, gw, f"{len(rejected)} invalid readings: {reason}", raw))
        per_payload.append((gw, rows))
        for row in rows:
            unique[(row[0].id, row[1])] = row  # a reading twice in the batch: the last wins
    pg = storage.is_postgres()
    with transaction.atomic():
        if dead:
            DeadLetter.objects.bulk_create(
                [
                    DeadLetter(
                        received_at=now,
                        source=env.source,
                        topic=env.topic[:200],
                        gateway_id=gw.id if gw else None,
                        enterprise_id=gw.enterprise_id if gw else None,
                        reason=reason[:500],
                        raw=raw,
                    )
                    for env, gw, reason, raw in dead
                ]
            )
        id_rows = [(p.id, ts, v, q) for p, ts, v, q in unique.values()]
        if pg:
            # COPY + one statement list: readings, rollups, what was there, previous latest.
            seen, previous = storage.ingest_pg(id_rows)
            if seen:
                new_keys = set(unique) - seen
                new = [unique[k] for k in unique if k in new_keys]
            else:
                new_keys = set(unique)
                new = list(unique.values())
        else:
            stored = storage.write_readings(id_rows)
            new_keys = {(r[0], r[1]) for r in stored}
            new = [unique[k] for k in new_keys]
            previous = None
        opened = _evaluate(new, now, previous)
        seen_gw = {}
        for item in per_payload:
            if item is not None:
                seen_gw[item[0].id] = item[0]
        if seen_gw:
            services.gateways_seen(sorted(seen_gw.values(), key=lambda g: g.id), now)
    for outcome, item in zip(outcomes, per_payload, strict=True):
        if item is None:
            continue
        gw, rows = item
        accepted = 0
        for point, ts, _v, _q in rows:
            key = (point.id, ts)
            if key in new_keys:
                accepted += 1
                new_keys.discard(key)
        outcome.accepted = accepted
        outcome.duplicates = len(rows) - accepted
    if outcomes:
        outcomes[0].alarms_opened = opened
    return outcomes


def _evaluate(new_rows, now, previous=None) -> int:
    """Rules on the new readings; latest values, rollups and alarms. Returns alarms opened.

    ``new_rows``: (PointInfo, ts, value, quality). ``previous``: the stored latest values
    when the caller already read them (PostgreSQL, where the rollups are written too).
    """
    if not new_rows:
        return 0
    by_point: dict[int, list] = {}
    info: dict[int, PointInfo] = {}
    for p, ts, value, q in new_rows:
        lst = by_point.get(p.id)
        if lst is None:
            lst = by_point[p.id] = []
            info[p.id] = p
        lst.append((ts, value, q))
    pg = previous is not None
    if previous is None:
        previous = storage.read_latest(by_point.keys())
    latest_rows = []
    opened = 0
    recovered = []
    silence = {s: dt.timedelta(seconds=s) for s in {p.silence_s for p in info.values()}}
    changed_objects = set()
    for pid, readings in by_point.items():
        p = info[pid]
        prev = previous.get(pid)
        state = R.PointState(*(prev if prev else (None, None, 0, None)))
        result = R.evaluate(p.rules, p.range_min, p.range_max, state, readings)
        if result.ts != state.ts:
            q = next((r[2] for r in readings if r[0] == result.ts), 0)
            latest_rows.append(
                (
                    pid,
                    result.ts,
                    result.value,
                    q,
                    result.level,
                    result.changed_at or result.ts,
                    now + silence[p.silence_s],
                )
            )
            if state.level and not result.level:
                recovered.append(f"p{pid}:threshold")
            if result.level != state.level and p.object_kind in AGGREGATED_KINDS:
                changed_objects.add(p.object_id)
        for trig in result.triggers:
            opened += _raise(p, trig)
    if pg:
        back = storage.write_latest_pg(latest_rows)
    else:
        back = storage.write_latest(latest_rows)
        storage.write_rollups([(p.id, ts, v, q) for p, ts, v, q in new_rows])
    if back:
        services.points_back(back, now)
    if recovered:
        services.mark_recovered(recovered, now)
    for object_id in changed_objects:
        opened += _aggregate_object(object_id, info, now)
    return opened


def _raise(p: PointInfo, trig: R.Trigger) -> int:
    from django.utils.translation import gettext as _

    templates = {
        "threshold": _("%(name)s at %(value)s %(unit)s"),
        "rate": _("%(name)s changes fast: %(value)s %(unit)s (%(detail)s)"),
        "stuck": _("%(name)s stuck at %(value)s %(unit)s (%(detail)s)"),
        "range": _("%(name)s out of range: %(value)s %(unit)s (%(detail)s)"),
    }
    message = templates[trig.kind] % {
        "name": p.name,
        "value": f"{trig.value:g}",
        "unit": p.unit,
        "detail": trig.detail,
    }
    higher = not (p.rules.threshold and p.rules.threshold.direction == Direction.BELOW)
    _alarm, new = services.raise_alarm(
        enterprise_id=p.enterprise_id,
        kind=trig.kind,
        level=trig.level,
        message=message,
        dedupe_key=f"p{p.id}:{trig.kind}",
        at=trig.ts,
        value=trig.value,
        point_id=p.id,
        object_id=p.object_id,
        higher_is_worse=higher,
        count=trig.n,
    )
    return int(new)


def _aggregate_object(object_id: int, info, now) -> int:
    """Tailings four-colour aggregation over the facility's current point levels."""
    from django.utils.translation import gettext as _

    from .models import LatestValue, MonitoredObject

    levels: dict[str, list[int]] = defaultdict(list)
    for item, kind, level in LatestValue.objects.filter(
        point__object_id=object_id, point__enabled=True
    ).values_list("point__item", "point__kind", "level"):
        levels[item or kind].append(level)
    facility, items = R.facility_level(levels)
    worst_point = max((x for v in levels.values() for x in v), default=0)
    if facility <= worst_point or facility < Level.YELLOW:
        return 0
    obj = MonitoredObject.objects.get(pk=object_id)
    raised = ", ".join(
        f"{k} {Level(v).label}" for k, v in sorted(items.items()) if v > max(levels[k])
    )
    _alarm, new = services.raise_alarm(
        enterprise_id=obj.enterprise_id,
        kind=AlarmKind.AGGREGATE,
        level=facility,
        message=_("%(name)s: aggregated %(level)s warning (%(items)s)")
        % {"name": obj.name, "level": Level(facility).label, "items": raised or "—"},
        dedupe_key=f"o{object_id}:aggregate",
        at=now,
        object_id=object_id,
    )
    return int(new)
