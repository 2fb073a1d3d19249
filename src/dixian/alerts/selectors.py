"""Reads of the alerts: the live board of a warning and the 叫应 statistics."""

from __future__ import annotations

import datetime as dt
import statistics as st

from django.db.models import Count

from dixian.core import clock
from dixian.core.models import Division

from .models import (
    EnterpriseResponse,
    EventKind,
    Feedback,
    TargetState,
    Warning,
    WarningEvent,
    WarningTarget,
)

ANSWERED = (TargetState.ACKNOWLEDGED, TargetState.COVERED)


def _fmt_seconds(value: float | None) -> str:
    if value is None:
        return "—"
    minutes, seconds = divmod(int(round(value)), 60)
    return f"{minutes}′{seconds:02d}″"


def board(warning: Warning, user) -> dict:
    """Share acknowledged, median time to acknowledge, the silent (with phones), escalations,
    响应 by enterprise, reported measures and the latest 叫应 records.

    Counts are of *targets* (the people the warning called directly, each once) unless they
    say *calls*: ``total`` = ``answered`` + ``silent_count`` (targets whose call was
    withdrawn unanswered, e.g. on cancellation, are ``withdrawn`` and not in ``total``);
    ``escalation_count`` counts the calls the ladder made to deputies and superiors, of
    which ``escalations_open`` still wait for an answer.
    """
    targets = list(
        WarningTarget.objects.filter(warning=warning)
        .select_related("org", "division", "escalated_from")
        .order_by("pk")
    )
    originals = [t for t in targets if t.escalated_from_id is None]
    counted = [t for t in originals if t.state != TargetState.CANCELLED or t.acknowledged_at]
    answered = [t for t in counted if t.state in ANSWERED]
    times = [t.seconds_to_answer for t in answered if t.seconds_to_answer is not None]
    silent = [t for t in counted if t.state in (TargetState.CALLING, TargetState.UNANSWERED)]
    escalations = [t for t in targets if t.escalated_from_id is not None]
    by_state = {s.value: 0 for s in TargetState}
    for t in originals:
        by_state[t.state] += 1
    responses = list(
        EnterpriseResponse.objects.filter(warning=warning)
        .select_related("enterprise")
        .order_by("enterprise__name", "pk")
    )
    enterprises: dict[int, dict] = {}
    for r in responses:
        e = enterprises.setdefault(
            r.enterprise_id, {"enterprise": r.enterprise, "actions": [], "withdrawn": 0}
        )
        e["actions"].append(r)
        e["withdrawn"] += r.people_withdrawn or 0
    now = clock.now()
    return {
        "total": len(counted),
        "answered": len(answered),
        "share": round(100 * len(answered) / len(counted)) if counted else 0,
        "median": _fmt_seconds(st.median(times) if times else None),
        "median_seconds": st.median(times) if times else None,
        "silent": silent[:300],
        "silent_count": len(silent),
        "withdrawn": len(originals) - len(counted),
        "escalations": escalations[:300],
        "escalation_count": len(escalations),
        "escalations_open": sum(1 for t in escalations if t.state == TargetState.CALLING),
        "by_state": by_state,
        "chart": [
            {"name": str(TargetState(k).label), "value": v} for k, v in by_state.items() if v
        ],
        "enterprises": list(enterprises.values()),
        "responses_pending": sum(1 for r in responses if r.state == "pending"),
        "feedback": list(Feedback.objects.filter(warning=warning).select_related("target")[:50]),
        "events": list(
            WarningEvent.objects.filter(warning=warning)
            .select_related("target")
            .order_by("-at", "-pk")[:40]
        ),
        "now": now,
    }


def own_target(warning: Warning, user) -> WarningTarget | None:
    """The user's own call for this warning (through their person), latest first."""
    if not getattr(user, "person_id", None):
        return None
    return (
        WarningTarget.objects.filter(warning=warning, person_id=user.person_id)
        .order_by("-pk")
        .first()
    )


def area_geo(warning: Warning) -> dict:
    """Points of the area for the map: divisions with a position, and the polygon."""
    points = [
        {"name": d.name, "lat": float(d.latitude), "lng": float(d.longitude), "url": ""}
        for d in warning.divisions.all()
        if d.latitude is not None and d.longitude is not None
    ]
    return {"points": points, "polygon": warning.polygon or []}


def _township(division: Division | None, cache: dict) -> Division | None:
    if division is None:
        return None
    if division.level == "township":
        return division
    if division.parent_id:
        if division.parent_id not in cache:
            cache[division.parent_id] = Division.objects.filter(pk=division.parent_id).first()
        parent = cache[division.parent_id]
        return parent if parent and parent.level == "township" else None
    return None


def statistics(user, days: str = "30") -> dict:
    """叫应率 (answered share) and mean time to answer by township over a period."""
    try:
        n_days = max(1, min(int(days), 3660))
    except (TypeError, ValueError):
        n_days = 30
    since = clock.now() - dt.timedelta(days=n_days)
    warnings = Warning.objects.restrict(user).filter(released_at__gte=since)
    targets = (
        WarningTarget.objects.restrict(user)
        .filter(warning__in=warnings, escalated_from__isnull=True)
        .exclude(state=TargetState.CANCELLED, acknowledged_at__isnull=True)
        .select_related("division")
    )
    cache: dict = {}
    rows: dict[str, dict] = {}
    for t in targets:
        town = _township(t.division, cache)
        key = town.name if town else "—"
        row = rows.setdefault(key, {"name": key, "total": 0, "answered": 0, "times": []})
        row["total"] += 1
        if t.state in ANSWERED:
            row["answered"] += 1
            if t.seconds_to_answer is not None:
                row["times"].append(t.seconds_to_answer)
    table = []
    for row in sorted(rows.values(), key=lambda r: (-r["total"], r["name"])):
        mean = sum(row["times"]) / len(row["times"]) if row["times"] else None
        table.append(
            {
                "name": row["name"],
                "total": row["total"],
                "answered": row["answered"],
                "rate": round(100 * row["answered"] / row["total"]) if row["total"] else 0,
                "mean": _fmt_seconds(mean),
            }
        )
    levels = dict(warnings.values_list("level").annotate(n=Count("pk")).values_list("level", "n"))
    return {
        "days": n_days,
        "table": table,
        "warnings": warnings.count(),
        "chart": {"labels": [r["name"] for r in table], "values": [r["rate"] for r in table]},
        "levels": levels,
        "escalated": WarningEvent.objects.filter(
            warning__in=warnings, kind=EventKind.ESCALATED
        ).count(),
    }
