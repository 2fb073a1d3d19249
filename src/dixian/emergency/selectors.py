"""Reads that need more than a filter: drill compliance, duty coverage, nearest resources."""

from __future__ import annotations

import datetime as dt
import math

from django.db.models import Max, Q

from dixian.core.choices import GOVERNMENT_KINDS, OrgKind
from dixian.core.models import Organisation

from .models import (
    Drill,
    DrillRule,
    DrillScope,
    DrillSubject,
    DutyShift,
    Expert,
    RescueTeam,
    RuleScope,
    Warehouse,
)
from .services import LOCAL, add_months, today

SOON_DAYS = 30
COUNTY_BODIES = {OrgKind.GOVERNMENT, OrgKind.COMMITTEE_OFFICE, OrgKind.DEPARTMENT}

SCOPES = {
    RuleScope.COMPREHENSIVE: [DrillScope.COMPREHENSIVE],
    RuleScope.COMPREHENSIVE_OR_SPECIAL: [DrillScope.COMPREHENSIVE, DrillScope.SPECIAL],
    RuleScope.ON_SITE: [DrillScope.ON_SITE],
    RuleScope.ANY: list(DrillScope.values),
}


def _subjects(rule: DrillRule, orgs):
    if rule.subject == DrillSubject.COUNTY:
        return orgs.filter(kind=OrgKind.GOVERNMENT, parent=None)
    if rule.subject == DrillSubject.GOVERNMENT:
        return orgs.filter(
            kind__in=[OrgKind.GOVERNMENT, OrgKind.DEPARTMENT, OrgKind.TOWNSHIP_GOVERNMENT]
        )
    if rule.subject == DrillSubject.HIGH_RISK:
        return orgs.filter(kind=OrgKind.ENTERPRISE, industries__high_risk=True).distinct()
    return orgs.filter(kind=OrgKind.ENTERPRISE)


def _status(due: dt.date | None, day: dt.date) -> str:
    if due is None or due < day:
        return "late" if due is not None else "due"
    return "due" if (due - day).days <= SOON_DAYS else "ok"


def compliance(user, rules=None, day: dt.date | None = None) -> list[dict]:
    """Per active rule and subject in the user's scope: last qualifying drill, next due date
    and status (ok / due / late). For the county rule, drills by the county government or a
    county body count; a calendar-year rule is due until a drill is held this year."""
    day = day or today()
    orgs = Organisation.objects.restrict(user).filter(is_active=True)
    rows = []
    for rule in rules if rules is not None else DrillRule.objects.filter(active=True):
        drills = Drill.objects.filter(scope__in=SCOPES[rule.scope], held_on__lte=day)
        subjects = list(_subjects(rule, orgs))
        if rule.subject == DrillSubject.COUNTY:
            bodies = Organisation.objects.filter(kind__in=COUNTY_BODIES)
            last_of = {
                s.pk: drills.filter(
                    Q(organiser=s) | Q(organiser__in=bodies.filter(path__startswith=s.path))
                ).aggregate(m=Max("held_on"))["m"]
                for s in subjects
            }
        else:
            last_of = dict(
                drills.filter(organiser__in=subjects)
                .values_list("organiser")
                .annotate(m=Max("held_on"))
                .order_by()
            )
        for org in subjects:
            last = last_of.get(org.pk)
            if rule.calendar_year:
                done = last is not None and last.year == day.year
                due = dt.date(day.year, 12, 31)
                status = "ok" if done else ("late" if day > due else "due")
                nxt = dt.date(day.year + 1, 12, 31) if done else due
            else:
                nxt = add_months(last, rule.period_months) if last else None
                status = _status(nxt, day)
            rows.append({"rule": rule, "org": org, "last": last, "due": nxt, "status": status})
    order = {"late": 0, "due": 1, "ok": 2}
    rows.sort(key=lambda r: (order[r["status"]], r["rule"].pk, r["org"].name))
    return rows


def coverage_gaps(shifts, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """Intervals in [start, end) that no shift covers (24-hour duty)."""
    gaps, cursor = [], start
    for s in sorted(shifts, key=lambda s: s.starts_at):
        if s.ends_at <= cursor:
            continue
        if s.starts_at > cursor:
            gaps.append((cursor, min(s.starts_at, end)))
        cursor = max(cursor, s.ends_at)
        if cursor >= end:
            break
    if cursor < end:
        gaps.append((cursor, end))
    return [(a, b) for a, b in gaps if a < b]


def duty_week(user, org, now: dt.datetime, days: int = 7):
    """The roster of the next ``days`` days (from today's 00:00 local) and its gaps."""
    start = dt.datetime.combine(now.astimezone(LOCAL).date(), dt.time(0), tzinfo=LOCAL)
    end = start + dt.timedelta(days=days)
    shifts = list(
        DutyShift.objects.restrict(user)
        .filter(org=org, ends_at__gt=start, starts_at__lt=end)
        .order_by("starts_at")
    )
    return shifts, coverage_gaps(shifts, start, end), start, end


EARTH_KM = 6371.0088


def haversine_km(lat1, lng1, lat2, lng2) -> float:
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def nearest(user, lat: float, lng: float, limit: int = 5) -> dict:
    """The nearest teams, warehouses and experts (with a position) to a point, in km."""
    out = {}
    for key, model in (("teams", RescueTeam), ("warehouses", Warehouse), ("experts", Expert)):
        rows = [
            (haversine_km(lat, lng, o.latitude, o.longitude), o)
            for o in model.objects.restrict(user).exclude(latitude=None).exclude(longitude=None)
        ]
        rows.sort(key=lambda r: r[0])
        out[key] = rows[:limit]
    return out


def government_kinds():
    return GOVERNMENT_KINDS
