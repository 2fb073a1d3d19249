"""The 动态清零 board's summary of open hazards and the daily snapshots of its trend.

``HazardOpenCount`` holds one row per (enterprise, supervising department, level, local
deadline day) with the number of open hazards and the earliest discovery among them. The
hazard services call ``move(old_key, new_key, found_at)`` in the same transaction as every
create and transition, so the rows are always the count of the hazards; ``rebuild()``
recomputes them from the hazards (after bulk loads, or to repair), and ``mismatches()``
compares the two.

Time-dependent figures are worked out when read (``open_counts``): a row whose deadline day
is before today (local) is overdue, one after today is not, and the hazards due today are
counted from the hazard table against the current time (a partial index on open deadlines).

``HazardDailySnapshot`` rows are written once a day by a periodic task (``take_snapshot``),
for the end of the previous local day; the trend reads them for past weeks and the live
figures for the current one. A missing day is computed from the hazards when read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DateTimeField, F, Min, Q, Sum, Value
from django.db.models.functions import Least

from dixian.core import clock
from dixian.core.scoping import is_county_wide, visible_org_ids

from .models import (
    NO_DEADLINE,
    Hazard,
    HazardDailySnapshot,
    HazardLevel,
    HazardOpenCount,
    HazardScopeSnapshot,
)

# A hazard's place in the summary: (enterprise_id, department_key, level, due_day).
Key = tuple[int, int, str, dt.date]


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: dt.datetime | None) -> dt.date:
    if moment is None:
        return NO_DEADLINE
    return moment.astimezone(_tz()).date()


def day_start(day: dt.date) -> dt.datetime:
    """The UTC instant at which local ``day`` begins."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=_tz()).astimezone(dt.UTC)


def key_of(hazard: Hazard) -> Key | None:
    """The summary key of a hazard, None when it is closed."""
    if not hazard.is_open:
        return None
    return (
        hazard.enterprise_id,
        hazard.department_id or 0,
        hazard.level,
        local_day(hazard.due_at),
    )


def _filter(key: Key) -> dict:
    ent, dept, level, day = key
    return {"enterprise_id": ent, "department_key": dept, "level": level, "due_day": day}


def _hazards_of(key: Key):
    ent, dept, level, day = key
    qs = Hazard.objects.filter(is_open=True, enterprise_id=ent, level=level)
    qs = qs.filter(department_id=dept) if dept else qs.filter(department__isnull=True)
    if day == NO_DEADLINE:
        return qs.filter(due_at__isnull=True)
    return qs.filter(due_at__gte=day_start(day), due_at__lt=day_start(day + dt.timedelta(days=1)))


def _add(key: Key, found_at: dt.datetime) -> None:
    rows = HazardOpenCount.objects.filter(**_filter(key))
    changes = {
        "n": F("n") + 1,
        "oldest_found_at": Least(
            F("oldest_found_at"), Value(found_at, output_field=DateTimeField())
        ),
    }
    if rows.update(**changes):
        return
    try:
        with transaction.atomic():  # a savepoint: another writer may insert the same key
            HazardOpenCount.objects.create(**_filter(key), n=1, oldest_found_at=found_at)
    except IntegrityError:
        rows.update(**changes)


def _remove(key: Key, found_at: dt.datetime) -> None:
    rows = HazardOpenCount.objects.filter(**_filter(key))
    rows.update(n=F("n") - 1)  # locks the row until the transaction ends
    row = rows.first()
    if row is None:
        return
    if row.n <= 0:
        row.delete()
    elif found_at <= row.oldest_found_at:
        oldest = _hazards_of(key).aggregate(m=Min("found_at"))["m"]
        if oldest is not None:
            rows.update(oldest_found_at=oldest)


def move(old: Key | None, new: Key | None, found_at: dt.datetime) -> None:
    """Move one hazard from ``old`` to ``new`` in the summary (None: not counted). Call it
    inside the transaction that saved the hazard, after the save."""
    if old == new:
        return
    # Rows are touched in key order, so two transactions moving hazards between the same
    # two rows in opposite directions wait for each other instead of deadlocking.
    steps = [(k, kind) for k, kind in ((old, "remove"), (new, "add")) if k is not None]
    steps.sort(key=lambda s: (s[0][0], s[0][1], s[0][2], s[0][3]))
    for key, kind in steps:
        if kind == "add":
            _add(key, found_at)
        else:
            _remove(key, found_at)


def _direct_rows(enterprise_ids=None) -> dict[Key, tuple[int, dt.datetime]]:
    """The summary as it should be, counted from the hazards."""
    qs = Hazard.objects.filter(is_open=True)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    out: dict[Key, list] = {}
    for ent, dept, level, due_at, found_at in qs.values_list(
        "enterprise_id", "department_id", "level", "due_at", "found_at"
    ).iterator(chunk_size=5000):
        key = (ent, dept or 0, level, local_day(due_at))
        row = out.get(key)
        if row is None:
            out[key] = [1, found_at]
        else:
            row[0] += 1
            if found_at < row[1]:
                row[1] = found_at
    return {k: (v[0], v[1]) for k, v in out.items()}


def rebuild(enterprise_ids=None) -> int:
    """Recompute the summary from the hazards (all, or those of some enterprises); returns
    the number of rows written. On PostgreSQL the grouping runs in the database."""
    from django.db import connection

    with transaction.atomic():
        old = HazardOpenCount.objects.all()
        if enterprise_ids is not None:
            enterprise_ids = list(enterprise_ids)
            old = old.filter(enterprise_id__in=enterprise_ids)
        old.delete()
        if connection.vendor == "postgresql" and enterprise_ids is None:
            with connection.cursor() as cur:
                cur.execute(
                    f"""
                    INSERT INTO {HazardOpenCount._meta.db_table}
                        (enterprise_id, department_key, level, due_day, n, oldest_found_at)
                    SELECT enterprise_id, coalesce(department_id, 0), level,
                           coalesce((due_at AT TIME ZONE %s)::date, %s::date),
                           count(*), min(found_at)
                    FROM {Hazard._meta.db_table}
                    WHERE is_open
                    GROUP BY 1, 2, 3, 4
                    """,
                    [settings.TIME_ZONE, NO_DEADLINE],
                )
                return cur.rowcount
        rows = [
            HazardOpenCount(**_filter(k), n=n, oldest_found_at=oldest)
            for k, (n, oldest) in _direct_rows(enterprise_ids).items()
        ]
        HazardOpenCount.objects.bulk_create(rows, batch_size=2000)
        return len(rows)


def mismatches(enterprise_ids=None) -> list[dict]:
    """Differences between the summary and a direct count of the hazards (empty: in step)."""
    want = _direct_rows(enterprise_ids)
    qs = HazardOpenCount.objects.all()
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=list(enterprise_ids))
    have = {
        (r.enterprise_id, r.department_key, r.level, r.due_day): (r.n, r.oldest_found_at)
        for r in qs
    }
    out = []
    for key in sorted(set(want) | set(have), key=str):
        if want.get(key) != have.get(key):
            out.append({"key": key, "hazards": want.get(key), "summary": have.get(key)})
    return out


# --- reading --------------------------------------------------------------------------------


def due_today_overdue(now: dt.datetime) -> dict[tuple[int, int, str], int]:
    """Open hazards due today (local) whose deadline has passed by ``now``, by (enterprise,
    department, level), county-wide: an index-only range scan of the open deadlines. The
    caller keeps the enterprises of its scope (those of its summary rows)."""
    today = local_day(now)
    qs = Hazard.objects.filter(is_open=True, due_at__gte=day_start(today), due_at__lt=now)
    return {
        (r["enterprise_id"], r["department_id"] or 0, r["level"]): r["n"]
        for r in qs.values("enterprise_id", "department_id", "level")
        .annotate(n=Count("*"))
        .order_by()
    }


def open_counts(user, now: dt.datetime | None = None):
    """Per enterprise and per department: open, major, overdue (and the oldest discovery per
    enterprise), from the summary restricted to the user's scope."""
    now = now or clock.now()
    today = local_day(now)
    qs = HazardOpenCount.objects.restrict(user).filter(n__gt=0)
    per_ent: dict[int, dict] = {}
    per_dept: dict[int, dict] = defaultdict(lambda: {"open": 0, "overdue": 0})
    rows = (
        qs.values("enterprise_id", "department_key")
        .annotate(
            open=Sum("n"),
            major=Sum("n", filter=Q(level=HazardLevel.MAJOR)),
            overdue=Sum("n", filter=Q(due_day__lt=today)),
            oldest=Min("oldest_found_at"),
        )
        .order_by()
    )
    for r in rows:
        e = per_ent.get(r["enterprise_id"])
        if e is None:
            e = per_ent[r["enterprise_id"]] = {
                "enterprise_id": r["enterprise_id"],
                "open": 0,
                "major": 0,
                "overdue": 0,
                "oldest": r["oldest"],
            }
        e["open"] += r["open"] or 0
        e["major"] += r["major"] or 0
        e["overdue"] += r["overdue"] or 0
        if r["oldest"] < e["oldest"]:
            e["oldest"] = r["oldest"]
        d = per_dept[r["department_key"]]
        d["open"] += r["open"] or 0
        d["overdue"] += r["overdue"] or 0
    for (ent, dept, _level), n in due_today_overdue(now).items():
        if ent in per_ent:  # in scope: a hazard due today is in one of the scope's rows
            per_ent[ent]["overdue"] += n
            per_dept[dept]["overdue"] += n
    return per_ent, dict(per_dept)


# --- daily snapshots --------------------------------------------------------------------------


def _day_figures(day: dt.date, enterprise_ids=None) -> dict[int, dict]:
    """Per enterprise, the figures of the end of local ``day``, from the hazards."""
    end = day_start(day + dt.timedelta(days=1))
    week = end - dt.timedelta(days=7)
    qs = Hazard.objects.all()
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    out: dict[int, dict] = defaultdict(
        lambda: {"open": 0, "major": 0, "overdue": 0, "found_7d": 0, "closed_7d": 0}
    )
    open_then = qs.filter(found_at__lt=end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    )
    for r in (
        open_then.values("enterprise_id")
        .annotate(
            open=Count("pk"),
            major=Count("pk", filter=Q(level=HazardLevel.MAJOR)),
            overdue=Count("pk", filter=Q(due_at__lt=end)),
        )
        .order_by()
    ):
        out[r["enterprise_id"]].update(open=r["open"], major=r["major"], overdue=r["overdue"])
    for field, name in (("found_at", "found_7d"), ("closed_at", "closed_7d")):
        for r in (
            qs.filter(**{f"{field}__gte": week, f"{field}__lt": end})
            .values("enterprise_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            out[r["enterprise_id"]][name] = r["n"]
    return dict(out)


HAZARD_FIGURES = ("open", "major", "overdue", "found_7d", "closed_7d")
# Government roles whose scope is a part of the county: their scopes get summed rows.
SCOPED_ROLES = ("inspector", "township_officer", "village_grid")


def scope_digest(enterprise_ids) -> str:
    """The key of a scope: a digest of its sorted enterprise ids."""
    text = ",".join(str(i) for i in sorted(set(enterprise_ids)))
    return hashlib.sha256(text.encode()).hexdigest()


def government_scopes() -> dict[str, list[int]]:
    """The distinct scopes of active government users whose view is part of the county:
    digest → enterprise ids (each worked out through ``restrict``)."""
    from dixian.core.choices import Action, OrgKind
    from dixian.core.models import Organisation, User
    from dixian.core.scoping import is_county_wide

    out: dict[str, list[int]] = {}
    seen = set()
    for user in User.objects.filter(is_active=True, role__in=SCOPED_ROLES).select_related(
        "org", "org__division"
    ):
        if (user.role, user.org_id) in seen or is_county_wide(user):
            continue
        seen.add((user.role, user.org_id))
        ids = list(
            Organisation.objects.restrict(user, Action.VIEW)
            .filter(kind=OrgKind.ENTERPRISE)
            .values_list("pk", flat=True)
        )
        out[scope_digest(ids)] = ids
    return out


def _scope_rows(day, figures: dict[int, dict], scopes, now) -> list[HazardScopeSnapshot]:
    rows = []
    for digest, ids in scopes.items():
        total = dict.fromkeys(HAZARD_FIGURES, 0)
        for ent in ids:
            f = figures.get(ent)
            if f:
                for k in HAZARD_FIGURES:
                    total[k] += f[k]
        rows.append(
            HazardScopeSnapshot(
                day=day, scope=digest, enterprises=len(set(ids)), taken_at=now, **total
            )
        )
    return rows


def take_snapshot(day: dt.date, now: dt.datetime | None = None, scopes=None) -> int:
    """Write (or rewrite) the snapshot of local ``day``: one row per enterprise with anything
    to show, the county row, and one row per government scope. The deadline a hazard had at
    the end of the day is its deadline now (a deadline moved later is not remembered), so
    take each day soon after it ends: the daily task does. Returns the number of enterprise
    rows."""
    now = now or clock.now()
    figures = _day_figures(day)
    if scopes is None:
        scopes = government_scopes()
    with transaction.atomic():
        HazardDailySnapshot.objects.filter(day=day).delete()
        HazardScopeSnapshot.objects.filter(day=day).delete()
        rows = [
            HazardDailySnapshot(day=day, enterprise_id=ent, taken_at=now, **f)
            for ent, f in figures.items()
            if any(f.values())
        ]
        county = {k: sum(f[k] for f in figures.values()) for k in HAZARD_FIGURES}
        rows.append(HazardDailySnapshot(day=day, enterprise=None, taken_at=now, **county))
        HazardDailySnapshot.objects.bulk_create(rows, batch_size=2000)
        HazardScopeSnapshot.objects.bulk_create(_scope_rows(day, figures, scopes, now))
    return len(rows) - 1


def _refresh_scopes(days, scopes, now) -> None:
    """Sum the enterprise rows of days already taken for scopes that have no row there (a
    department's remit or the enterprises of an area changed)."""
    for day in days:
        have = set(HazardScopeSnapshot.objects.filter(day=day).values_list("scope", flat=True))
        todo = {k: v for k, v in scopes.items() if k not in have}
        if not todo:
            continue
        figures = {
            r["enterprise_id"]: r
            for r in HazardDailySnapshot.objects.filter(
                day=day, enterprise_id__isnull=False
            ).values("enterprise_id", *HAZARD_FIGURES)
        }
        HazardScopeSnapshot.objects.bulk_create(
            _scope_rows(day, figures, todo, now), ignore_conflicts=True
        )


def take_due_snapshots(now: dt.datetime | None = None, days: int = 7 * 13) -> list[dt.date]:
    """The daily task: snapshot yesterday and any day of the trend's window that is missing
    (a worker that was down catches up); the window's Sundays get rows for scopes that
    changed. Returns the days written."""
    now = now or clock.now()
    yesterday = local_day(now) - dt.timedelta(days=1)
    have = set(
        HazardDailySnapshot.objects.filter(
            enterprise_id__isnull=True, day__gte=yesterday - dt.timedelta(days=days - 1)
        ).values_list("day", flat=True)
    )
    scopes = government_scopes()
    written = []
    for i in range(days):
        day = yesterday - dt.timedelta(days=i)
        if day not in have or day == yesterday:
            take_snapshot(day, now, scopes)
            written.append(day)
    sundays = [d for d in have if d.weekday() == 6 and d not in written]
    _refresh_scopes(sorted(sundays), scopes, now)
    return written


def snapshot_figures(user, days: list[dt.date], scope_ids=None) -> dict[dt.date, dict]:
    """Totals of the user's scope at the end of each of ``days``: the county rows for a
    county-wide user; the scope's own rows when ``scope_ids`` (the enterprises the user sees,
    from ``restrict``) match a scope taken that day; else the sum of the enterprise rows in
    scope; a day without a snapshot is computed from the hazards."""
    county_wide = is_county_wide(user)
    taken = set(
        HazardDailySnapshot.objects.filter(enterprise_id__isnull=True, day__in=days).values_list(
            "day", flat=True
        )
    )
    out = {d: dict.fromkeys(HAZARD_FIGURES, 0) for d in days}
    todo = sorted(taken)
    if county_wide:
        qs = HazardDailySnapshot.objects.filter(day__in=todo, enterprise_id__isnull=True)
    else:
        if scope_ids is not None:
            for r in HazardScopeSnapshot.objects.filter(
                scope=scope_digest(scope_ids), day__in=todo
            ).values("day", *HAZARD_FIGURES):
                out[r["day"]] = {k: r[k] for k in HAZARD_FIGURES}
                todo.remove(r["day"])
        qs = HazardDailySnapshot.objects.restrict(user).filter(
            day__in=todo, enterprise_id__isnull=False
        )
    if todo:
        for r in qs.values("day").annotate(**{k: Sum(k) for k in HAZARD_FIGURES}).order_by():
            out[r["day"]] = {k: r[k] or 0 for k in HAZARD_FIGURES}
    missing = [d for d in days if d not in taken]
    if missing:
        scope = None if county_wide else visible_org_ids(user)
        ids = None if scope is None else list(scope.values_list("pk", flat=True))
        for d in missing:
            for f in _day_figures(d, ids).values():
                for k in HAZARD_FIGURES:
                    out[d][k] += f[k]
    return out


def department_deleted(sender, instance, **kwargs) -> None:
    """A deleted organisation leaves its hazards without a supervising department (SET_NULL):
    recount the enterprises whose rows named it."""
    ents = set(
        HazardOpenCount.objects.filter(department_key=instance.pk).values_list(
            "enterprise_id", flat=True
        )
    )
    if ents:
        rebuild(ents)
