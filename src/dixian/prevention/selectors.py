"""Reads of double prevention that need more than a filter: the 动态清零 board, statistics,
the hazard list's keyset pages and the county map of enterprises by their highest colour.

The board reads only open hazards (a partial index on ``is_open``), grouped once by
enterprise and then folded into townships, departments and industries in Python, so its cost
follows the number of open hazards and of enterprises, not of every hazard ever recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dixian.core import clock
from dixian.core.choices import Action, OrgKind
from dixian.core.models import Division, Industry, Organisation

from . import summary
from .models import (
    LEVEL_RANK,
    Hazard,
    HazardLevel,
    HazardState,
    RiskLevel,
    RiskPoint,
)

SUPERVISED_STATES = [HazardState.LISTED, HazardState.RECTIFYING, HazardState.COMPLETED]


def enterprises_in_scope(user):
    return Organisation.objects.restrict(user, Action.VIEW).filter(kind=OrgKind.ENTERPRISE)


def board(user) -> dict:
    now = clock.now()
    # Open, major and overdue per enterprise and department from the summary table (kept by
    # the services), restricted to the scope; overdue is worked out against ``now``.
    by_ent, per_dept = summary.open_counts(user, now)
    ent_qs = enterprises_in_scope(user)
    ents = {e["pk"]: e for e in ent_qs.values("pk", "name", "division_id")}
    division_names = dict(
        Division.objects.filter(pk__in={e["division_id"] for e in ents.values()}).values_list(
            "pk", "name"
        )
    )
    industry_of = defaultdict(list)
    # Every enterprise's industries (a small table), kept for those in scope: cheaper than
    # a second pass of the scope's subquery.
    for ent_id, ind_id in Organisation.industries.through.objects.values_list(
        "organisation_id", "industry_id"
    ):
        if ent_id in ents:
            industry_of[ent_id].append(ind_id)
    totals = {"open": 0, "major": 0, "overdue": 0}
    townships = defaultdict(
        lambda: {"open": 0, "overdue": 0, "major": 0, "enterprises": 0, "zeroed": 0}
    )
    industries = defaultdict(
        lambda: {"open": 0, "overdue": 0, "major": 0, "enterprises": 0, "zeroed": 0}
    )
    rows = []
    oldest = None
    for ent_id, ent in ents.items():
        r = by_ent.get(ent_id)
        town = division_names.get(ent["division_id"]) or "—"
        buckets = [townships[(ent["division_id"], town)]]
        buckets += [industries[i] for i in industry_of.get(ent_id, [])]
        for b in buckets:
            b["enterprises"] += 1
            if r is None:
                b["zeroed"] += 1
            else:
                b["open"] += r["open"]
                b["overdue"] += r["overdue"]
                b["major"] += r["major"]
        if r is not None:
            for k in totals:
                totals[k] += r[k]
            if oldest is None or r["oldest"] < oldest:
                oldest = r["oldest"]
            rows.append(
                {
                    "id": ent_id,
                    "name": ent["name"],
                    "township": town,
                    "open": r["open"],
                    "major": r["major"],
                    "overdue": r["overdue"],
                    "age_days": (now - r["oldest"]).days,
                }
            )
    rows.sort(key=lambda r: (-r["overdue"], -r["major"], -r["open"], r["name"]))
    industry_names = dict(Industry.objects.values_list("pk", "name"))
    dept_names = dict(
        Organisation.objects.filter(pk__in=[k for k in per_dept if k]).values_list(
            "pk", "short_name"
        )
    )
    zeroed = len(ents) - len(rows)
    township_rows = sorted(
        ({"name": k[1], "division": k[0], **v} for k, v in townships.items()),
        key=lambda r: (-r["open"], r["name"]),
    )
    industry_rows = sorted(
        ({"name": industry_names.get(k, "—"), "industry": k, **v} for k, v in industries.items()),
        key=lambda r: (-r["open"], r["name"]),
    )
    dept_rows = sorted(
        (
            {
                "name": dept_names.get(k) or "—",
                "department": k or None,
                "open": v["open"],
                "overdue": v["overdue"],
            }
            for k, v in per_dept.items()
        ),
        key=lambda r: (-r["open"], r["name"]),
    )
    return {
        "totals": {
            **totals,
            "general": totals["open"] - totals["major"],
            "enterprises": len(ents),
            "zeroed": zeroed,
            "oldest_days": (now - oldest).days if oldest else 0,
        },
        "townships": township_rows,
        "industries": industry_rows,
        "departments": dept_rows,
        "enterprises": rows[:50],
        "enterprise_count": len(rows),
        "trend": trend(user, weeks=12, open_now=totals, scope_ids=ents.keys()),
        "chart_townships": {
            "labels": [r["name"] for r in township_rows],
            "values": [r["open"] for r in township_rows],
        },
        "chart_levels": [
            {"name": str(HazardLevel.GENERAL.label), "value": totals["open"] - totals["major"]},
            {"name": str(HazardLevel.MAJOR.label), "value": totals["major"]},
        ],
    }


def trend(user, *, weeks: int = 12, open_now: dict | None = None, scope_ids=None) -> dict:
    """Weekly found and closed counts and the open total at the end of each week: past
    weeks from the daily snapshots of their Sundays (``summary.take_snapshot``), the
    current week live (found and closed since Monday, open now)."""
    now = clock.now()
    today = summary.local_day(now)
    this_monday = today - dt.timedelta(days=today.weekday())
    week_starts = [this_monday - dt.timedelta(weeks=i) for i in range(weeks, -1, -1)]
    past_sundays = [w + dt.timedelta(days=6) for w in week_starts[:-1]]
    snaps = summary.snapshot_figures(user, past_sundays, scope_ids=scope_ids)
    found, closed, open_end = [], [], []
    for sunday in past_sundays:
        f = snaps[sunday]
        found.append(f["found_7d"])
        closed.append(f["closed_7d"])
        open_end.append(f["open"])
    qs = Hazard.objects.restrict(user)
    since = summary.day_start(this_monday)
    week = qs.filter(Q(found_at__gte=since) | Q(closed_at__gte=since)).aggregate(
        found=Count("pk", filter=Q(found_at__gte=since)),
        closed=Count("pk", filter=Q(closed_at__gte=since)),
    )
    found.append(week["found"])
    closed.append(week["closed"])
    if open_now is None:
        open_now = {"open": qs.filter(is_open=True).count()}
    open_end.append(open_now["open"])
    return {
        "labels": [w.strftime("%m-%d") for w in week_starts],
        "series": [
            {"name": _("Found"), "values": found},
            {"name": pgettext("hazard state", "Closed"), "values": closed},
            {"name": _("Open at week end"), "values": open_end},
        ],
    }


def stats(user, year: int) -> dict:
    tz_start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    tz_end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    qs = Hazard.objects.restrict(user)
    found = qs.filter(found_at__gte=tz_start, found_at__lt=tz_end)
    closed = qs.filter(closed_at__gte=tz_start, closed_at__lt=tz_end)
    closed_counts = closed.aggregate(
        n=Count("pk"), on_time=Count("pk", filter=Q(closed_on_time=True))
    )
    found_counts = found.aggregate(
        n=Count("pk"), major=Count("pk", filter=Q(level=HazardLevel.MAJOR))
    )
    months_found = {
        r["m"].month: r["n"]
        for r in found.annotate(m=TruncMonth("found_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    }
    months_closed = {
        r["m"].month: r["n"]
        for r in closed.annotate(m=TruncMonth("closed_at"))
        .values("m")
        .annotate(n=Count("pk"))
        .order_by()
    }
    by_source = list(found.values("source").annotate(n=Count("pk")).order_by("-n"))
    supervised = qs.filter(is_open=True, level=HazardLevel.MAJOR, state__in=SUPERVISED_STATES)
    rate = (
        round(100 * closed_counts["on_time"] / closed_counts["n"], 1)
        if closed_counts["n"]
        else None
    )
    return {
        "year": year,
        "found": found_counts["n"],
        "found_major": found_counts["major"],
        "closed": closed_counts["n"],
        "on_time": closed_counts["on_time"],
        "on_time_rate": rate,
        "supervised": supervised.count(),
        "supervised_list": list(
            supervised.select_related("enterprise", "supervision").order_by("due_at")[:50]
        ),
        "months": [
            {"month": m, "found": months_found.get(m, 0), "closed": months_closed.get(m, 0)}
            for m in range(1, 13)
        ],
        "by_source": by_source,
        "open": qs.filter(is_open=True).count(),
    }


def month_report(user, year: int, month: int) -> dict:
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
    now = clock.now()
    qs = Hazard.objects.restrict(user)
    found = qs.filter(found_at__gte=start, found_at__lt=end)
    closed = qs.filter(closed_at__gte=start, closed_at__lt=end)
    c = closed.aggregate(n=Count("pk"), on_time=Count("pk", filter=Q(closed_on_time=True)))
    by_township = list(
        found.values("enterprise__division__name")
        .annotate(n=Count("pk"), major=Count("pk", filter=Q(level=HazardLevel.MAJOR)))
        .order_by("-n")
    )
    return {
        "year": year,
        "month": month,
        "found": found.count(),
        "found_major": found.filter(level=HazardLevel.MAJOR).count(),
        "closed": c["n"],
        "on_time_rate": round(100 * c["on_time"] / c["n"], 1) if c["n"] else None,
        "open": qs.filter(is_open=True).count(),
        "overdue": qs.filter(is_open=True, due_at__lt=now).count(),
        "by_township": by_township,
        "majors": list(
            qs.filter(level=HazardLevel.MAJOR, is_open=True)
            .select_related("enterprise", "supervision")
            .order_by("due_at")[:100]
        ),
        "overdue_list": list(
            qs.filter(is_open=True, due_at__lt=now)
            .select_related("enterprise")
            .order_by("due_at")[:100]
        ),
        "generated": now,
    }


def county_map_points(user) -> list[dict]:
    """Enterprises with coordinates and the highest colour of their risk points."""
    best = {}
    for ent_id, level in RiskPoint.objects.restrict(user).values_list("enterprise_id", "level"):
        if ent_id not in best or LEVEL_RANK[level] < LEVEL_RANK[best[ent_id]]:
            best[ent_id] = level
    colours = {
        "major": "#d63939",
        "considerable": "#f76707",
        "general": "#f59f00",
        "low": "#206bc4",
    }
    out = []
    for e in enterprises_in_scope(user).filter(pk__in=list(best), latitude__isnull=False):
        level = best[e.pk]
        out.append(
            {
                "name": e.name,
                "lat": float(e.latitude),
                "lng": float(e.longitude),
                "url": f"/prevention/points/?enterprise={e.pk}",
                "colour": colours[level],
                "level": str(RiskLevel(level).label),
            }
        )
    return out


def township_choices():
    return Division.objects.filter(level="township").order_by("code")


def time_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)
