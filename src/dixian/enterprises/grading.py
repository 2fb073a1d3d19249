"""Classified and graded supervision (分类分级监管): a risk score from configurable rules,
mapped onto the configurable grade scale; the grade sets the routine inspection interval.

Hidden hazards, accidents and major hazard sources live in other apps. They feed the score
through optional *counters*, registered by those apps in their ``AppConfig.ready()``::

    from dixian.enterprises import grading
    grading.register_counter("open_hazards", lambda org_ids, since: {org_id: n, ...})

Counter names: ``open_hazards``, ``open_major_hazards``, ``accidents`` (``since`` is the
start of the look-back period), ``major_hazard_source`` (a count > 0 sets the flag on top of
the one recorded on the profile). Without a counter the factor counts zero, so grading works
before those apps exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from dixian.core import clock
from dixian.core.scoping import with_sub_industries

from .models import EnterpriseProfile, GradeLevel, GradeRule, RuleFactor, Scale

Counter = Callable[[list[int], dt.datetime | None], dict[int, int]]
_counters: dict[str, Counter] = {}

DEFAULT_LEVELS = [
    # code, name, min score, inspection interval (days), colour, description
    ("A", "A级（一般监管）", 0, 365, "#2fb344", "低风险：每年至少检查一次"),
    ("B", "B级（常规监管）", 20, 180, "#4299e1", "一般风险：每半年检查一次"),
    ("C", "C级（重点监管）", 40, 90, "#f76707", "较大风险：每季度检查一次"),
    ("D", "D级（严格监管）", 60, 30, "#d63939", "重大风险：每月检查一次"),
]
DEFAULT_RULES = [
    # factor, points, cap, threshold
    (RuleFactor.HIGH_RISK_INDUSTRY, 30, None, None),
    (RuleFactor.MAJOR_HAZARD_SOURCE, 25, None, None),
    (RuleFactor.OPEN_HAZARDS, 5, 20, None),
    (RuleFactor.OPEN_MAJOR_HAZARDS, 20, 40, None),
    (RuleFactor.ACCIDENTS, 30, 60, 365),
    (RuleFactor.ABOVE_SCALE, 10, None, None),
    (RuleFactor.STAFF_AT_LEAST, 10, None, 100),
    (RuleFactor.TAILINGS_POND, 10, None, None),
]


def register_counter(name: str, fn: Counter) -> None:
    """Let another app feed a grading factor (see the module docstring)."""
    _counters[name] = fn


def unregister_counter(name: str) -> None:
    _counters.pop(name, None)


def ensure_defaults() -> None:
    """Create the default A–D scale and rules if the tables are empty (idempotent)."""
    if not GradeLevel.objects.exists():
        GradeLevel.objects.bulk_create(
            GradeLevel(
                code=c,
                name=n,
                min_score=s,
                inspection_interval_days=d,
                colour=col,
                description=desc,
            )
            for c, n, s, d, col, desc in DEFAULT_LEVELS
        )
    if not GradeRule.objects.exists():
        GradeRule.objects.bulk_create(
            GradeRule(factor=f, points=p, max_points=cap, threshold=t)
            for f, p, cap, t in DEFAULT_RULES
        )


def _count(name: str, org_ids: list[int], since=None) -> dict[int, int]:
    fn = _counters.get(name)
    if fn is None or not org_ids:
        return {}
    return fn(org_ids, since) or {}


def _per_item(rule: GradeRule, n: int) -> int:
    points = rule.points * n
    return min(points, rule.max_points) if rule.max_points is not None else points


def score_profiles(profiles: Iterable[EnterpriseProfile]) -> None:
    """Set ``risk_score``, ``score_breakdown`` and ``computed_grade`` on each profile (not
    saved); ``grade`` becomes the override if there is one, else the computed grade."""
    profiles = list(profiles)
    if not profiles:
        return
    rules = {r.factor: r for r in GradeRule.objects.filter(active=True)}
    levels = list(GradeLevel.objects.order_by("min_score", "code"))
    from dixian.core.models import Industry

    high_risk = set(
        with_sub_industries(Industry.objects.filter(high_risk=True).values_list("pk", flat=True))
    )
    tailings = set(
        with_sub_industries(Industry.objects.filter(code="tailings").values_list("pk", flat=True))
    )
    org_ids = [p.org_id for p in profiles]
    industries: dict[int, set[int]] = {i: set() for i in org_ids}
    through = EnterpriseProfile._meta.get_field("org").related_model.industries.through
    for org_id, ind_id in through.objects.filter(organisation_id__in=org_ids).values_list(
        "organisation_id", "industry_id"
    ):
        industries[org_id].add(ind_id)
    now = clock.now()
    accident_rule = rules.get(RuleFactor.ACCIDENTS)
    since = now - dt.timedelta(days=(accident_rule.threshold or 365) if accident_rule else 365)
    hazards = _count("open_hazards", org_ids)
    major_hazards = _count("open_major_hazards", org_ids)
    accidents = _count("accidents", org_ids, since)
    sources = _count("major_hazard_source", org_ids)
    for p in profiles:
        parts = []

        def add(factor, points, note="", parts=parts):
            if points:
                parts.append({"factor": factor, "points": points, "note": note})

        inds = industries.get(p.org_id, set())
        if (r := rules.get(RuleFactor.HIGH_RISK_INDUSTRY)) and inds & high_risk:
            add(r.factor, r.points)
        if (r := rules.get(RuleFactor.MAJOR_HAZARD_SOURCE)) and (
            p.major_hazard_source or sources.get(p.org_id, 0) > 0
        ):
            add(r.factor, r.points)
        if (r := rules.get(RuleFactor.OPEN_HAZARDS)) and (n := hazards.get(p.org_id, 0)):
            add(r.factor, _per_item(r, n), str(n))
        if (r := rules.get(RuleFactor.OPEN_MAJOR_HAZARDS)) and (
            n := major_hazards.get(p.org_id, 0)
        ):
            add(r.factor, _per_item(r, n), str(n))
        if (r := rules.get(RuleFactor.ACCIDENTS)) and (n := accidents.get(p.org_id, 0)):
            add(r.factor, _per_item(r, n), str(n))
        if (r := rules.get(RuleFactor.ABOVE_SCALE)) and p.scale == Scale.ABOVE:
            add(r.factor, r.points)
        if (r := rules.get(RuleFactor.STAFF_AT_LEAST)) and p.staff_count >= (r.threshold or 0):
            add(r.factor, r.points, str(p.staff_count))
        if (r := rules.get(RuleFactor.TAILINGS_POND)) and inds & tailings:
            add(r.factor, r.points)
        p.risk_score = sum(part["points"] for part in parts)
        p.score_breakdown = parts
        p.computed_grade = grade_for_score(p.risk_score, levels)
        p.grade = p.override_grade or p.computed_grade
        p.graded_at = now


def grade_for_score(score: int, levels: list[GradeLevel]) -> GradeLevel | None:
    """The highest level whose minimum the score reaches (levels sorted by minimum)."""
    found = None
    for level in levels:
        if score >= level.min_score:
            found = level
    return found or (levels[0] if levels else None)


def inspection_interval_days(enterprise) -> int | None:
    """Routine inspection interval (days) set by the enterprise's supervision grade.

    ``enterprise`` is an Organisation, an EnterpriseProfile or an organisation id. None when
    the enterprise has no profile or no grade. Enforcement plans use this.
    """
    if isinstance(enterprise, EnterpriseProfile):
        profile = enterprise
    else:
        org_id = getattr(enterprise, "pk", enterprise)
        profile = EnterpriseProfile.objects.filter(org_id=org_id).select_related("grade").first()
    if profile is None or profile.grade is None:
        return None
    return profile.grade.inspection_interval_days


def factor_label(factor: str) -> str:
    try:
        return str(RuleFactor(factor).label)
    except ValueError:
        return factor
