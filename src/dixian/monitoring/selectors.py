"""Reads of the monitoring pages: live values, sparklines, history series, the overview."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from dixian.core import clock
from dixian.core.choices import OrgKind
from dixian.core.models import Organisation

from .models import (
    LEVEL_CSS,
    Alarm,
    AlarmState,
    Gateway,
    LatestValue,
    Level,
    LinkState,
    Point,
    Reading,
    Rollup,
)

SPARK_W, SPARK_H = 120, 28


def sparkline(values: list[float]) -> str:
    """An SVG polyline ``points`` attribute for a small chart (no script, CSP-safe)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = SPARK_W / (len(values) - 1)
    return " ".join(
        f"{i * step:.1f},{SPARK_H - 2 - (v - lo) / span * (SPARK_H - 4):.1f}"
        for i, v in enumerate(values)
    )


def live(enterprise: Organisation, user) -> dict:
    """Per monitored object: its points with latest value, level, link and a sparkline."""
    now = clock.now()
    orgs = Organisation.objects.restrict(user).filter(path__startswith=enterprise.path)
    points = list(
        Point.objects.restrict(user)
        .filter(object__enterprise__in=orgs, enabled=True)
        .select_related("object", "gateway", "latest")
        .order_by("object__name", "code")
    )
    since = now - dt.timedelta(hours=1)
    spark = defaultdict(list)
    for pid, avg_total, n in (
        Rollup.objects.filter(point__in=points, period="m", bucket__gte=since)
        .order_by("bucket")
        .values_list("point_id", "total", "n")
    ):
        spark[pid].append(avg_total / n if n else 0)
    open_alarms = list(
        Alarm.objects.restrict(user)
        .filter(enterprise__in=orgs)
        .exclude(state=AlarmState.CLOSED)
        .select_related("point", "gateway")
        .order_by("-level", "-opened_at")
    )
    alarm_level = {}
    for a in open_alarms:
        if a.point_id:
            alarm_level[a.point_id] = max(alarm_level.get(a.point_id, 0), a.level)
    objects: dict = {}
    for p in points:
        latest = getattr(p, "latest", None)
        stale = (
            latest is None
            or (now - latest.ts).total_seconds() > p.interval_s * p.gateway.silence_factor
        )
        level = latest.level if latest else 0
        row = {
            "point": p,
            "latest": latest,
            "level": level,
            "css": LEVEL_CSS.get(level, "secondary"),
            "alarm_level": alarm_level.get(p.pk, 0),
            "offline": p.gateway.link_state == LinkState.OFFLINE or stale,
            "spark": sparkline(spark.get(p.pk, [])),
        }
        objects.setdefault(p.object, []).append(row)
    gateways = Gateway.objects.restrict(user).filter(enterprise__in=orgs)
    return {
        "objects": [{"object": o, "rows": rows} for o, rows in objects.items()],
        "alarms": open_alarms,
        "gateways": gateways,
        "now": now,
        "red": sum(1 for a in open_alarms if a.level >= Level.RED),
    }


def series(point: Point, start: dt.datetime, end: dt.datetime) -> dict:
    """History of a point from the rollups: minutes up to two days, hours beyond; raw
    readings for windows under two hours."""
    span = end - start
    if span <= dt.timedelta(hours=2):
        rows = (
            Reading.objects.filter(point=point, ts__gte=start, ts__lte=end)
            .order_by("ts")
            .values_list("ts", "value")
        )
        data = [[_ms(ts), v, v, v] for ts, v in rows]
        period = "raw"
    else:
        period = "m" if span <= dt.timedelta(days=2) else "h"
        rows = (
            Rollup.objects.filter(point=point, period=period, bucket__gte=start, bucket__lte=end)
            .order_by("bucket")
            .values_list("bucket", "total", "n", "vmin", "vmax")
        )
        data = [[_ms(b), round(t / n, 4) if n else None, lo, hi] for b, t, n, lo, hi in rows]
    rule = point.rules.filter(kind="threshold", enabled=True).first()
    limits = {}
    if rule:
        for name in ("blue", "yellow", "orange", "red"):
            if getattr(rule, name) is not None:
                limits[name] = getattr(rule, name)
    return {"period": period, "unit": point.unit, "data": data, "limits": limits}


def _ms(ts: dt.datetime) -> int:
    return int(ts.timestamp() * 1000)


def overview(user) -> dict:
    now = clock.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    points = Point.objects.restrict(user).filter(enabled=True)
    gateways = Gateway.objects.restrict(user)
    total = points.count()
    offline_points = points.filter(gateway__link_state=LinkState.OFFLINE).count()
    alarms = Alarm.objects.restrict(user)
    today_by_level = dict(
        alarms.filter(opened_at__gte=today).values_list("level").annotate(n=Count("pk"))
    )
    open_by_level = dict(
        alarms.exclude(state=AlarmState.CLOSED).values_list("level").annotate(n=Count("pk"))
    )
    offline_gateways = gateways.filter(link_state=LinkState.OFFLINE).select_related("enterprise")
    enterprises = (
        Organisation.objects.restrict(user)
        .filter(kind=OrgKind.ENTERPRISE, monitored_objects__isnull=False)
        .distinct()
        .annotate(
            open_alarms=Count(
                "monitoring_alarms",
                filter=~Q(monitoring_alarms__state=AlarmState.CLOSED),
                distinct=True,
            ),
            offline=Count(
                "gateways", filter=Q(gateways__link_state=LinkState.OFFLINE), distinct=True
            ),
            worst_level=Max(
                "monitoring_alarms__level",
                filter=~Q(monitoring_alarms__state=AlarmState.CLOSED),
            ),
        )
        .order_by("-open_alarms", "name")
    )
    latest_levels = dict(
        LatestValue.objects.filter(point__in=points).values_list("level").annotate(n=Count("pk"))
    )
    levels = [Level.BLUE, Level.YELLOW, Level.ORANGE, Level.RED]
    return {
        "points_total": total,
        "points_online": total - offline_points,
        "gateways_offline": list(offline_gateways),
        "today": {int(lv): today_by_level.get(lv, 0) for lv in levels},
        "open": {int(lv): open_by_level.get(lv, 0) for lv in levels},
        "open_total": sum(open_by_level.values()),
        "today_total": sum(today_by_level.values()),
        "enterprises": list(enterprises),
        "latest_levels": latest_levels,
        "today_rows": [
            {
                "label": Level(lv).label,
                "css": LEVEL_CSS[lv],
                "n": today_by_level.get(lv, 0),
                "open": open_by_level.get(lv, 0),
            }
            for lv in levels
        ],
        "chart": {
            "labels": [str(Level(lv).label) for lv in levels],
            "values": [today_by_level.get(lv, 0) for lv in levels],
        },
        "recent": list(alarms.select_related("enterprise", "point").order_by("-opened_at")[:10]),
        "map_points": map_points(enterprises),
    }


def map_points(enterprises) -> list[dict]:
    """Enterprises with a location, coloured on the map by their worst open alarm level."""
    from django.utils.translation import gettext as _

    out = []
    for e in enterprises:
        if e.latitude is None or e.longitude is None:
            continue
        level = int(e.worst_level or 0)
        out.append(
            {
                "name": e.short_name or e.name,
                "lat": float(e.latitude),
                "lng": float(e.longitude),
                "url": reverse("monitoring:live", args=[e.pk]),
                "level": level,
                "label": str(Level(level).label) if level else _("No open alarm"),
                "open": e.open_alarms,
            }
        )
    return out
