"""Double-prevention services: every state change of risk points, major hazard sources,
hidden hazards and public reports goes through here (audited, outbox for messages).

The hidden-hazard closed loop is one state machine (``TRANSITIONS``): pages and API both call
``transition(actor=…, hazard=…, action=…, **data)``. A transition the hazard's level or state
does not allow, or that the actor's role may not make, raises ``TransitionError`` with a
translated message (the page shows it; the API answers 409).

General hazard (一般隐患): found → assigned → rectifying (deadline) → rectified (after-photos)
→ verified (by someone other than the rectifier; a rejection returns it to rectifying) →
closed.

Major hazard (重大隐患, criteria ticked from the determination standards): found → reported
(双报告: the supervising department's inbox and the workforce notice) → listed (挂牌督办 by the
department, numbered notice) → rectifying (plan with all of 五落实) → completed (completion
report) → closed (销号) or returned to rectifying by the regulator.

Every deadline escalates when missed along ``PREVENTION_ESCALATION_LADDER`` (enterprise
principal → supervising department → township → 安委办 by default).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dixian.core import audit, clock
from dixian.core.choices import Action, Channel, OrgKind, PositionKind, Role
from dixian.core.models import Division, Industry, Jurisdiction, Organisation, User
from dixian.core.notify import enqueue
from dixian.standards import gb18218, risk
from dixian.standards.errors import StandardsError

from . import criteria, summary, uploads
from .models import (
    Filing,
    Hazard,
    HazardLevel,
    HazardPhoto,
    HazardSource,
    HazardState,
    HazardStep,
    Inventory,
    MajorHazardSource,
    PublicReport,
    PublicReportLog,
    PublicReportState,
    ReviewState,
    RiskCheck,
    RiskMethod,
    RiskPoint,
    SitePlan,
    SupervisionNotice,
    WorkforceNotice,
)

__all__ = [
    "TransitionError",
    "open_hazard_from_source",
    "report_hazard",
    "transition",
    "allowed_actions",
    "record_check",
    "grade_point",
    "mhs_recompute",
    "public_report_submit",
    "public_report_handle",
]

SOURCES = set(HazardSource.values)
REGULATOR_ROLES = {Role.INSPECTOR, Role.SAFETY_OFFICE, Role.ADMIN}
# Hours after the deadline at which each rung of the ladder is told.
DEFAULT_LADDER = (
    ("principal", 0),
    ("department", 24),
    ("township", 72),
    ("committee_office", 168),
)
REVIEW_DAYS = 10  # regulator's review of a completion report (Hubei practice, §5.4)


class TransitionError(ValidationError):
    """An illegal hazard transition (wrong state, level or role), with a translated message."""


def ladder() -> tuple[tuple[str, int], ...]:
    return tuple(getattr(settings, "PREVENTION_ESCALATION_LADDER", DEFAULT_LADDER))


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=_tz()).astimezone(dt.UTC)


def local_today() -> dt.date:
    return clock.now().astimezone(_tz()).date()


# --- who is who -------------------------------------------------------------------------------


def supervising_departments(*, industry_ids, division: Division | None):
    """Departments whose remit (industries × area) covers these industries at this place."""
    ids = set(industry_ids)
    # A remit over a parent industry (工贸) covers its subsectors; walk up from each industry.
    frontier = set(ids)
    while frontier:
        frontier = (
            set(
                Industry.objects.filter(pk__in=frontier, parent__isnull=False).values_list(
                    "parent_id", flat=True
                )
            )
            - ids
        )
        ids |= frontier
    found = []
    for j in (
        Jurisdiction.objects.filter(industries__in=ids, department__kind=OrgKind.DEPARTMENT)
        .select_related("department")
        .prefetch_related("areas")
        .distinct()
        .order_by("department__path", "pk")
    ):
        areas = list(j.areas.all())
        if areas and (division is None or not any(division.path.startswith(a.path) for a in areas)):
            continue
        if j.department not in found:
            found.append(j.department)
    return found


def supervising_department(enterprise: Organisation) -> Organisation | None:
    depts = supervising_departments(
        industry_ids=enterprise.industries.values_list("pk", flat=True),
        division=enterprise.division,
    )
    return depts[0] if depts else None


def township_government(division: Division | None) -> Organisation | None:
    if division is None:
        return None
    while division is not None and division.level not in ("township",):
        division = division.parent
    if division is None:
        return None
    return Organisation.objects.filter(
        kind=OrgKind.TOWNSHIP_GOVERNMENT, division=division, is_active=True
    ).first()


def _users(org_ids) -> list[User]:
    return list(User.objects.filter(org_id__in=list(org_ids), is_active=True))


def _enterprise_users(enterprise) -> list[User]:
    return list(
        User.objects.filter(
            org__path__startswith=enterprise.path,
            role=Role.ENTERPRISE_MANAGER,
            is_active=True,
        )
    )


def _principal_users(enterprise) -> list[User]:
    principals = User.objects.filter(
        person__positions__org=enterprise,
        person__positions__kind=PositionKind.PRINCIPAL,
        is_active=True,
    )
    return list(principals) or _enterprise_users(enterprise)


def _committee_office_users() -> list[User]:
    return list(
        User.objects.filter(
            Q(org__kind=OrgKind.COMMITTEE_OFFICE) | Q(role=Role.SAFETY_OFFICE), is_active=True
        ).distinct()
    )


def is_enterprise_side(user, hazard) -> bool:
    org = getattr(user, "org", None)
    return (
        user.role == Role.ENTERPRISE_MANAGER
        and org is not None
        and hazard.enterprise.path.startswith(org.path)
    )


def is_regulator(user, hazard) -> bool:
    if not (user.is_superuser or user.role in REGULATOR_ROLES):
        return False
    return Hazard.objects.restrict(user, Action.CHANGE).filter(pk=hazard.pk).exists()


# --- the state machine ------------------------------------------------------------------------

ENTERPRISE, REGULATOR, EITHER = "enterprise", "regulator", "either"

# action: (level, from states, to state, who, label)
TRANSITIONS = {
    "assign": (
        HazardLevel.GENERAL,
        [HazardState.FOUND],
        HazardState.ASSIGNED,
        EITHER,
        gettext_lazy("Assign for rectification"),
    ),
    "start": (
        HazardLevel.GENERAL,
        [HazardState.ASSIGNED],
        HazardState.RECTIFYING,
        ENTERPRISE,
        gettext_lazy("Start rectifying"),
    ),
    "rectify": (
        HazardLevel.GENERAL,
        [HazardState.RECTIFYING],
        HazardState.RECTIFIED,
        ENTERPRISE,
        gettext_lazy("Report rectified"),
    ),
    "verify": (
        HazardLevel.GENERAL,
        [HazardState.RECTIFIED],
        HazardState.VERIFIED,
        EITHER,
        gettext_lazy("Pass the verification"),
    ),
    "reject": (
        HazardLevel.GENERAL,
        [HazardState.RECTIFIED],
        HazardState.RECTIFYING,
        EITHER,
        gettext_lazy("Reject verification"),
    ),
    "close": (
        HazardLevel.GENERAL,
        [HazardState.VERIFIED],
        HazardState.CLOSED,
        EITHER,
        gettext_lazy("Close the hazard"),
    ),
    "report": (
        HazardLevel.MAJOR,
        [HazardState.FOUND],
        HazardState.REPORTED,
        ENTERPRISE,
        gettext_lazy("Double report"),
    ),
    "list": (
        HazardLevel.MAJOR,
        [HazardState.REPORTED],
        HazardState.LISTED,
        REGULATOR,
        gettext_lazy("List for supervision"),
    ),
    "plan": (
        HazardLevel.MAJOR,
        [HazardState.LISTED],
        HazardState.RECTIFYING,
        ENTERPRISE,
        gettext_lazy("Submit rectification plan"),
    ),
    "complete": (
        HazardLevel.MAJOR,
        [HazardState.RECTIFYING],
        HazardState.COMPLETED,
        ENTERPRISE,
        gettext_lazy("Report completion"),
    ),
    "approve": (
        HazardLevel.MAJOR,
        [HazardState.COMPLETED],
        HazardState.CLOSED,
        REGULATOR,
        gettext_lazy("Approve and close (销号)"),
    ),
    "return": (
        HazardLevel.MAJOR,
        [HazardState.COMPLETED],
        HazardState.RECTIFYING,
        REGULATOR,
        gettext_lazy("Return for further rectification"),
    ),
}

ACTION_LABELS = {name: spec[4] for name, spec in TRANSITIONS.items()}


def _who_may(user, hazard, who: str) -> bool:
    if who == ENTERPRISE:
        return is_enterprise_side(user, hazard)
    if who == REGULATOR:
        return is_regulator(user, hazard)
    return is_enterprise_side(user, hazard) or is_regulator(user, hazard)


def check_transition(user, hazard, action: str) -> None:
    """Raise ``TransitionError`` (translated) unless ``user`` may make ``action`` now."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise TransitionError(_("Unknown action “%(action)s”.") % {"action": action})
    level, sources, _target, who, label = spec
    if hazard.level != level:
        raise TransitionError(
            _("“%(action)s” applies only to a %(level)s.")
            % {"action": label, "level": HazardLevel(level).label}
        )
    if hazard.state not in sources:
        raise TransitionError(
            _("“%(action)s” is not possible while the hazard is “%(state)s”.")
            % {"action": label, "state": hazard.get_state_display()}
        )
    if not _who_may(user, hazard, who):
        if who == ENTERPRISE:
            msg = _("Only the enterprise's own safety staff may “%(action)s”.")
        elif who == REGULATOR:
            msg = _(
                "Only the supervising department or the safety committee office may “%(action)s”."
            )
        else:
            msg = _("Only the enterprise or its supervising department may “%(action)s”.")
        raise TransitionError(msg % {"action": label})
    if action in ("verify", "reject") and hazard.rectified_by_id == user.pk:
        raise TransitionError(
            _("The rectification must be verified by someone other than the rectifier.")
        )


def allowed_actions(user, hazard) -> list[str]:
    out = []
    for name in TRANSITIONS:
        try:
            check_transition(user, hazard, name)
        except TransitionError:
            continue
        out.append(name)
    return out


def _set_due(hazard: Hazard, due: dt.datetime | None) -> None:
    hazard.due_at = due
    hazard.escalation_level = 0
    hazard.next_escalation_at = due


def _step(hazard, action, before_state, actor, note="") -> None:
    HazardStep.objects.create(
        hazard=hazard,
        action=action,
        from_state=before_state,
        to_state=hazard.state,
        actor=actor if getattr(actor, "pk", None) else None,
        at=clock.now(),
        note=note or "",
    )


def _link(hazard) -> str:
    return f"/prevention/hazards/{hazard.pk}/"


def _save_photos(hazard, photos, stage) -> int:
    count = 0
    for upload in photos or ():
        data, kind = uploads.read_image(upload, field="photos")
        HazardPhoto.objects.create(
            hazard=hazard, stage=stage, image=data, content_type=kind, uploaded_at=clock.now()
        )
        count += 1
    return count


def _parse_date(value, field) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(_tz()).date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError({field: _("Enter a valid date.")}) from None


def _future_day(value, field) -> dt.date:
    day = _parse_date(value, field)
    if day < local_today():
        raise ValidationError({field: _("The deadline cannot be in the past.")})
    return day


def _required(data, field, message):
    value = (data.get(field) or "").strip() if isinstance(data.get(field), str) else data.get(field)
    if not value:
        raise ValidationError({field: message})
    return value


def transition(*, actor, hazard: Hazard, action: str, **data) -> Hazard:
    """Make one transition of the closed loop (see the module docstring), audited.

    Data by action: assign (``due_date``, optional ``assignee``), rectify (``note``,
    ``photos``), reject / return (``note``), list (``deadline``, ``requirements``), plan (the
    五落实: ``responsibility``, ``measures``, ``funds``, ``deadline``, ``emergency``), complete
    (``report``), verify / approve / close (optional ``note``).
    """
    with transaction.atomic():
        hazard = (
            Hazard.objects.select_for_update(of=("self",))
            .filter(pk=hazard.pk)
            .select_related("enterprise", "enterprise__division")
            .first()
        )
        if hazard is None or not Hazard.objects.restrict(actor).filter(pk=hazard.pk).exists():
            raise Http404
        check_transition(actor, hazard, action)
        counted_as = summary.key_of(hazard)
        before = audit.snapshot(hazard)
        before_state = hazard.state
        target = TRANSITIONS[action][2]
        now = clock.now()
        note = (data.get("note") or "").strip()
        if action == "assign":
            day = _future_day(data.get("due_date"), "due_date")
            assignee = data.get("assignee")
            if assignee is not None and not (
                assignee.org_id and hazard.enterprise.path.startswith(assignee.org.path)
            ):
                raise ValidationError({"assignee": _("Choose a person of the enterprise.")})
            hazard.assignee = assignee or (actor if is_enterprise_side(actor, hazard) else None)
            _set_due(hazard, end_of_day(day))
        elif action == "rectify":
            if not note:
                raise ValidationError({"note": _("Describe what was done.")})
            added = _save_photos(hazard, data.get("photos"), HazardPhoto.Stage.AFTER)
            if not added and not hazard.photos.filter(stage=HazardPhoto.Stage.AFTER).exists():
                raise ValidationError({"photos": _("Add at least one photo after rectification.")})
            hazard.rectification_note = note
            hazard.rectified_by = actor
            hazard.rectified_at = now
        elif action in ("reject", "return"):
            if not note:
                raise ValidationError({"note": _("Say what is still wrong.")})
            if action == "return":
                _set_due(hazard, end_of_day(hazard.plan_deadline or local_today()))
        elif action == "verify":
            hazard.verified_by = actor
        elif action == "report":
            _double_report(hazard, actor)
        elif action == "list":
            day = _future_day(data.get("deadline"), "deadline")
            _issue_notice(hazard, actor, day, (data.get("requirements") or "").strip())
            _set_due(hazard, end_of_day(day))
        elif action == "plan":
            errors = {}
            fields = {
                "responsibility": _("Name who is responsible (责任落实)."),
                "measures": _("Describe the measures (措施落实)."),
                "emergency": _("Give the emergency plan (预案落实)."),
            }
            values = {}
            for name, message in fields.items():
                values[name] = (data.get(name) or "").strip()
                if not values[name]:
                    errors[name] = message
            try:
                funds = (
                    Decimal(str(data.get("funds"))) if data.get("funds") not in (None, "") else None
                )
            except InvalidOperation:
                funds = None
            if funds is None or funds <= 0:
                errors["funds"] = _("Give the funds set aside, in yuan (资金落实).")
            try:
                day = (
                    _future_day(data.get("deadline"), "deadline") if data.get("deadline") else None
                )
            except ValidationError as exc:
                errors["deadline"] = exc.message_dict["deadline"][0]
                day = None
            if day is None and "deadline" not in errors:
                errors["deadline"] = _("Give the deadline (时限落实).")
            if errors:
                raise ValidationError(errors)
            hazard.plan_responsibility = values["responsibility"][:200]
            hazard.plan_measures = values["measures"]
            hazard.plan_emergency = values["emergency"]
            hazard.plan_funds = funds
            hazard.plan_deadline = day
            _set_due(hazard, end_of_day(day))
        elif action == "complete":
            report = (data.get("report") or "").strip()
            if not report:
                raise ValidationError({"report": _("Write the completion report.")})
            _save_photos(hazard, data.get("photos"), HazardPhoto.Stage.AFTER)
            hazard.completion_report = report
            hazard.rectified_by = actor
            hazard.rectified_at = now
            _set_due(hazard, now + dt.timedelta(days=REVIEW_DAYS))
        elif action == "approve":
            hazard.verified_by = actor
        hazard.state = target
        if target == HazardState.CLOSED:
            hazard.is_open = False
            hazard.closed_at = now
            hazard.closed_on_time = hazard.escalation_level == 0
            hazard.next_escalation_at = None
        hazard.save()
        summary.move(counted_as, summary.key_of(hazard), hazard.found_at)
        _step(hazard, action, before_state, actor, note or data.get("report", "") or "")
        audit.record(
            action=f"hazard.{action}",
            obj=hazard,
            actor=actor,
            before=before,
            after=audit.snapshot(hazard),
        )
        _notify_transition(hazard, action, actor)
    return hazard


def _notify_transition(hazard, action, actor) -> None:
    label = ACTION_LABELS[action]
    recipients = _enterprise_users(hazard.enterprise)
    if hazard.assignee_id:
        recipients.append(hazard.assignee)
    if action in ("complete", "report") and hazard.department_id:
        recipients += _users([hazard.department_id])
    recipients = [u for u in recipients if u.pk != getattr(actor, "pk", None)]
    if recipients:
        enqueue(
            subject=(f"{label}：{hazard.title}")[:200],
            body=_("%(enterprise)s · %(state)s")
            % {"enterprise": hazard.enterprise, "state": hazard.get_state_display()},
            link=_link(hazard),
            recipients=recipients,
            channels=(Channel.INAPP,),
            org=hazard.enterprise,
        )


def _double_report(hazard, actor) -> None:
    """双报告: the supervising department's inbox and the enterprise's workforce notice."""
    dept = hazard.department or supervising_department(hazard.enterprise)
    hazard.department = dept
    lines = "；".join(criteria.describe(c) for c in hazard.criteria)
    body = _(
        "Major hazard: %(title)s. Place: %(location)s. Criteria: %(criteria)s. %(description)s"
    ) % {
        "title": hazard.title,
        "location": hazard.location or "-",
        "criteria": lines or "-",
        "description": hazard.description,
    }
    recipients = _users([dept.pk]) if dept else _committee_office_users()
    enqueue(
        subject=(_("Major hazard reported: %(title)s") % {"title": hazard.title})[:200],
        body=f"{hazard.enterprise} · {body}",
        link=_link(hazard),
        recipients=recipients,
        channels=(Channel.INAPP, Channel.SMS),
        org=hazard.enterprise,
        dedupe_key=f"prevention-double-report:{hazard.pk}",
    )
    WorkforceNotice.objects.create(
        enterprise=hazard.enterprise,
        hazard=hazard,
        title=(_("Notice of a major hazard: %(title)s") % {"title": hazard.title})[:200],
        body=body,
        published_at=clock.now(),
    )


def notice_number(dept: Organisation, year: int, serial: int) -> str:
    short = (dept.short_name or dept.name).replace("县", "", 1).removesuffix("局")[:4]
    return f"平{short}隐督〔{year}〕{serial}号"


def _issue_notice(hazard, actor, deadline: dt.date, requirements: str) -> SupervisionNotice:
    dept = hazard.department or supervising_department(hazard.enterprise)
    if actor.org_id and actor.org.kind in (OrgKind.DEPARTMENT, OrgKind.COMMITTEE_OFFICE):
        dept = actor.org
    if dept is None:
        raise TransitionError(_("No supervising department covers this enterprise."))
    hazard.department = dept
    year = local_today().year
    last = SupervisionNotice.objects.filter(department=dept, year=year).aggregate(m=Max("serial"))
    serial = (last["m"] or 0) + 1
    notice = SupervisionNotice.objects.create(
        hazard=hazard,
        department=dept,
        year=year,
        serial=serial,
        number=notice_number(dept, year, serial),
        issued_at=clock.now(),
        issued_by=actor,
        deadline=deadline,
        requirements=requirements
        or _(
            "Draw up a rectification plan with responsibility, measures, funds, deadline and "
            "emergency plan in place; stop work where safety cannot be ensured."
        ),
    )
    audit.record(
        action="supervisionnotice.issue", obj=notice, actor=actor, after=audit.snapshot(notice)
    )
    enqueue(
        subject=(_("Listed for supervision: %(number)s") % {"number": notice.number})[:200],
        body=hazard.title,
        link=_link(hazard),
        recipients=_principal_users(hazard.enterprise) + _enterprise_users(hazard.enterprise),
        channels=(Channel.INAPP, Channel.SMS),
        org=hazard.enterprise,
    )
    return notice


# --- opening hazards --------------------------------------------------------------------------


def _open(
    *,
    enterprise,
    title,
    description="",
    location="",
    source,
    source_ref="",
    reported_by=None,
    level=HazardLevel.GENERAL,
    criteria_codes=(),
    risk_point=None,
    photos=(),
) -> Hazard:
    if source not in SOURCES:
        raise ValidationError({"source": _("Unknown source “%(source)s”.") % {"source": source}})
    if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE:
        raise ValidationError({"enterprise": _("Choose an enterprise.")})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the hazard a title.")})
    codes = list(dict.fromkeys(criteria_codes or ()))
    if level == HazardLevel.MAJOR:
        unknown = [c for c in codes if c not in criteria.selectable()]
        if unknown:
            raise ValidationError(
                {
                    "criteria": _("Unknown or superseded criteria: %(codes)s")
                    % {"codes": ", ".join(unknown)}
                }
            )
        if not codes:
            raise ValidationError(
                {"criteria": _("Tick at least one criterion of the determination standards.")}
            )
    elif level != HazardLevel.GENERAL:
        raise ValidationError({"level": _("Choose general or major.")})
    else:
        codes = []
    hazard = Hazard.objects.create(
        enterprise=enterprise,
        title=title[:200],
        description=description or "",
        location=(location or "")[:200],
        source=source,
        source_ref=(source_ref or "")[:100],
        level=level,
        criteria=codes,
        reported_by=reported_by if getattr(reported_by, "pk", None) else None,
        found_at=clock.now(),
        department=supervising_department(enterprise),
        risk_point=risk_point,
    )
    summary.move(None, summary.key_of(hazard), hazard.found_at)
    _save_photos(hazard, photos, HazardPhoto.Stage.BEFORE)
    HazardStep.objects.create(
        hazard=hazard,
        action="open",
        to_state=hazard.state,
        actor=hazard.reported_by,
        at=hazard.found_at,
        note=hazard.get_source_display(),
    )
    audit.record(action="hazard.open", obj=hazard, actor=reported_by, after=audit.snapshot(hazard))
    recipients = [
        u for u in _enterprise_users(enterprise) if u.pk != getattr(reported_by, "pk", None)
    ]
    if recipients:
        enqueue(
            subject=(_("Hidden hazard found: %(title)s") % {"title": hazard.title})[:200],
            body=f"{hazard.get_level_display()} · {hazard.get_source_display()}",
            link=_link(hazard),
            recipients=recipients,
            channels=(Channel.INAPP,),
            org=enterprise,
        )
    return hazard


def open_hazard_from_source(
    *,
    enterprise,
    title,
    description="",
    source: str,
    source_ref: str = "",
    reported_by=None,
) -> Hazard:
    """Open a general hidden hazard for ``enterprise`` from another part of the platform
    (monitoring alarms, inspections, patrols, public reports).

    ``source`` is one of "self_check", "patrol", "inspection", "sensor_alarm", "public",
    "other". With a ``source_ref``, an open hazard with the same source and reference is
    returned instead of opening a second one (an alarm that repeats is one hazard).
    """
    with transaction.atomic():
        if source_ref:
            existing = (
                Hazard.objects.filter(
                    enterprise=enterprise, source=source, source_ref=source_ref, is_open=True
                )
                .order_by("pk")
                .first()
            )
            if existing is not None:
                return existing
        return _open(
            enterprise=enterprise,
            title=title,
            description=description,
            source=source,
            source_ref=source_ref,
            reported_by=reported_by,
        )


def report_hazard(
    *,
    actor,
    enterprise,
    title,
    description="",
    location="",
    level=HazardLevel.GENERAL,
    criteria_codes=(),
    photos=(),
    source=None,
    risk_point=None,
) -> Hazard:
    """A user records a hazard found at an enterprise in their scope: enterprise staff as a
    self-check (自查), government staff as an inspection (检查)."""
    if not Organisation.objects.restrict(actor, Action.CHANGE).filter(pk=enterprise.pk).exists():
        raise Http404
    if source is None:
        source = (
            HazardSource.SELF_CHECK
            if actor.role == Role.ENTERPRISE_MANAGER
            else HazardSource.INSPECTION
        )
    with transaction.atomic():
        return _open(
            enterprise=enterprise,
            title=title,
            description=description,
            location=location,
            source=source,
            reported_by=actor,
            level=level,
            criteria_codes=criteria_codes,
            photos=photos,
            risk_point=risk_point,
        )


# --- escalation -------------------------------------------------------------------------------


def escalation_recipients(hazard, rung: str) -> list[User]:
    if rung == "principal":
        return _principal_users(hazard.enterprise)
    if rung == "department":
        dept = hazard.department or supervising_department(hazard.enterprise)
        return _users([dept.pk]) if dept else []
    if rung == "township":
        gov = township_government(hazard.enterprise.division)
        return _users([gov.pk]) if gov else []
    if rung == "committee_office":
        return _committee_office_users()
    return []


def escalate(hazard: Hazard, now: dt.datetime) -> bool:
    """Move a hazard whose next escalation is due one rung up the ladder (conditional update:
    one worker wins); tell that rung. Returns whether this call moved it."""
    rungs = ladder()
    with transaction.atomic():
        current = hazard.escalation_level
        if current >= len(rungs) or hazard.due_at is None:
            return False
        following = (
            hazard.due_at + dt.timedelta(hours=rungs[current + 1][1])
            if current + 1 < len(rungs)
            else None
        )
        moved = Hazard.objects.filter(
            pk=hazard.pk,
            is_open=True,
            escalation_level=current,
            next_escalation_at__lte=now,
        ).update(escalation_level=current + 1, next_escalation_at=following)
        if not moved:
            return False
        hazard = Hazard.objects.select_related("enterprise", "enterprise__division").get(
            pk=hazard.pk
        )
        rung = rungs[current][0]
        audit.record(
            action="hazard.escalate",
            obj=hazard,
            before={"escalation_level": current},
            after={"escalation_level": current + 1, "rung": rung, "state": hazard.state},
        )
        recipients = escalation_recipients(hazard, rung)
        if recipients:
            enqueue(
                subject=(_("Overdue hidden hazard: %(title)s") % {"title": hazard.title})[:200],
                body=_("%(enterprise)s · %(state)s · deadline %(due)s")
                % {
                    "enterprise": hazard.enterprise,
                    "state": hazard.get_state_display(),
                    "due": hazard.due_at.astimezone(_tz()).strftime("%Y-%m-%d %H:%M"),
                },
                link=_link(hazard),
                recipients=recipients,
                channels=(Channel.INAPP, Channel.SMS),
                org=hazard.enterprise,
                dedupe_key=f"prevention-escalate:{hazard.pk}:{hazard.due_at.isoformat()}:{current}",
            )
    return True


# --- risk points ------------------------------------------------------------------------------


def grade_point(point: RiskPoint) -> RiskPoint:
    """Score and grade a risk point with the standards kernel (LEC or LS); a
    ``ValidationError`` names the factor the kernel refused."""
    try:
        if point.method == RiskMethod.LEC:
            if point.factor_e is None or point.factor_c is None:
                raise ValidationError({"factor_e": _("LEC needs L, E and C.")})
            result = risk.lec(point.factor_l, point.factor_e, point.factor_c)
        elif point.method == RiskMethod.LS:
            if point.factor_s is None:
                raise ValidationError({"factor_s": _("The risk matrix needs L and S.")})
            result = risk.ls(point.factor_l, point.factor_s)
        else:
            raise ValidationError({"method": _("Choose LEC or the risk matrix.")})
    except StandardsError as exc:
        from django.utils.translation import get_language

        text = exc.zh if (exc.zh and (get_language() or "").startswith("zh")) else exc.en
        field = {"L": "factor_l", "E": "factor_e", "C": "factor_c", "S": "factor_s"}.get(
            exc.en[:1], "factor_l"
        )
        raise ValidationError({field: _("Not accepted: %(reason)s") % {"reason": text}}) from None
    point.score = result.value
    point.level = result.level.code
    return point


def save_point(*, actor, point: RiskPoint, form=None) -> RiskPoint:
    """Create or change a risk point (graded by the kernel; audited via core.object_save)."""
    from dixian.core.services import object_save

    grade_point(point)
    if point.review_due is None:
        point.review_due = clock.now() + dt.timedelta(days=365)
    if point.review_due > clock.now():
        point.review_state = ReviewState.CURRENT
    return object_save(actor=actor, instance=point, form=form)


def record_check(*, actor, point: RiskPoint, results: dict, note: str = "") -> RiskCheck:
    """A patrol check (巡检) of a point: ``results`` maps each check item to (ok, note). Each
    failed item opens a hidden hazard (source: patrol)."""
    with transaction.atomic():
        if not RiskPoint.objects.restrict(actor, Action.CHANGE).filter(pk=point.pk).exists():
            raise Http404
        items = point.items
        if not items:
            raise ValidationError(_("This risk point has no check items."))
        missing = [i for i in items if i not in results]
        if missing:
            raise ValidationError(
                _("Answer every check item: %(items)s") % {"items": "、".join(missing)}
            )
        rows = [
            {"item": i, "ok": bool(results[i][0]), "note": (results[i][1] or "").strip()}
            for i in items
        ]
        check = RiskCheck.objects.create(
            point=point,
            enterprise=point.enterprise,
            checked_by=actor,
            checked_at=clock.now(),
            results=rows,
            failed=sum(1 for r in rows if not r["ok"]),
            note=note or "",
        )
        audit.record(action="riskcheck.record", obj=check, actor=actor, after=audit.snapshot(check))
        for n, row in enumerate(rows):
            if not row["ok"]:
                hazard = _open(
                    enterprise=point.enterprise,
                    title=f"{point.name}：{row['item']}"[:200],
                    description=row["note"],
                    location=point.location,
                    source=HazardSource.PATROL,
                    source_ref=f"check:{check.pk}:{n}",
                    reported_by=actor,
                    risk_point=point,
                )
                row["hazard"] = hazard.pk
        check.results = rows
        check.save(update_fields=["results"])
    return check


def site_plan_upload(*, actor, enterprise, title: str, upload) -> SitePlan:
    if not Organisation.objects.restrict(actor, Action.CHANGE).filter(pk=enterprise.pk).exists():
        raise Http404
    data, kind = uploads.read_image(upload, field="image")
    width, height = uploads.image_size(data)
    with transaction.atomic():
        plan = SitePlan.objects.create(
            enterprise=enterprise,
            title=(title or "").strip()[:100] or _("Site plan"),
            image=data,
            content_type=kind,
            width=width,
            height=height,
            uploaded_at=clock.now(),
        )
        audit.record(
            action="siteplan.upload",
            obj=plan,
            actor=actor,
            after=audit.snapshot(plan, ["enterprise", "title", "width", "height"]),
        )
    return plan


def place_point(*, actor, point: RiskPoint, plan: SitePlan, x: float, y: float) -> RiskPoint:
    """Put a risk point on a site plan at (x, y) in image pixels."""
    with transaction.atomic():
        if not RiskPoint.objects.restrict(actor, Action.CHANGE).filter(pk=point.pk).exists():
            raise Http404
        if plan.enterprise_id != point.enterprise_id:
            raise ValidationError(_("The plan belongs to another enterprise."))
        if not (0 <= x <= plan.width and 0 <= y <= plan.height):
            raise ValidationError(_("The position is outside the plan."))
        before = audit.snapshot(point, ["site_plan", "plan_x", "plan_y"])
        point.site_plan, point.plan_x, point.plan_y = plan, float(x), float(y)
        point.save(update_fields=["site_plan", "plan_x", "plan_y"])
        audit.record(
            action="riskpoint.place",
            obj=point,
            actor=actor,
            before=before,
            after=audit.snapshot(point, ["site_plan", "plan_x", "plan_y"]),
        )
    return point


# --- major hazard sources ---------------------------------------------------------------------


def mhs_recompute(source: MajorHazardSource) -> MajorHazardSource:
    """Identify and grade the unit with GB 18218-2018 (§4.2.1 S, §4.3 R and Table 6 grade)
    from its inventory; a problem the kernel names is kept on the row."""
    lines = []
    for inv in source.inventory.all():
        cats = gb18218.parse_categories(inv.categories) if inv.categories else ()
        lines.append(
            gb18218.Substance(
                quantity_t=Decimal(inv.quantity_t),
                name=inv.substance or None,
                cas=inv.cas or None,
                categories=cats,
            )
        )
    source.s_value = source.r_value = source.alpha = source.grade = None
    source.is_major = False
    source.assessment_error = ""
    if lines:
        try:
            result = gb18218.assess(
                lines, unit_type=source.unit_type, exposed_people=source.exposed_people
            )
        except StandardsError as exc:
            source.assessment_error = str(exc)[:500]
        else:
            source.s_value = result.s
            source.r_value = result.r
            source.alpha = result.alpha
            source.is_major = result.major
            source.grade = result.grade
    source.save(
        update_fields=["s_value", "r_value", "alpha", "is_major", "grade", "assessment_error"]
    )
    return source


def mhs_save(*, actor, source: MajorHazardSource, form=None) -> MajorHazardSource:
    from dixian.core.services import object_save

    with transaction.atomic():
        source = object_save(actor=actor, instance=source, form=form)
        return mhs_recompute(source)


def inventory_save(*, actor, line: Inventory, form=None) -> Inventory:
    """Add or change an inventory line; the unit's S, R and grade are recomputed."""
    from dixian.core.services import object_save

    with transaction.atomic():
        line = object_save(actor=actor, instance=line, form=form)
        source = mhs_recompute(MajorHazardSource.objects.get(pk=line.source_id))
        audit.record(
            action="majorhazardsource.recompute",
            obj=source,
            actor=actor,
            after=audit.snapshot(source, ["s_value", "r_value", "grade", "is_major"]),
        )
    return line


def inventory_delete(*, actor, line: Inventory) -> None:
    from dixian.core.services import object_delete

    with transaction.atomic():
        source_id = line.source_id
        object_delete(actor=actor, instance=line)
        mhs_recompute(MajorHazardSource.objects.get(pk=source_id))


def filing_save(*, actor, filing: Filing, form=None) -> Filing:
    from dixian.core.services import object_save

    return object_save(actor=actor, instance=filing, form=form)


# --- public reports ---------------------------------------------------------------------------


def public_rate() -> tuple[int, int]:
    """(reports, seconds) allowed per address."""
    return tuple(getattr(settings, "PREVENTION_PUBLIC_RATE", (5, 3600)))


def route_public_report(*, township, industry=None, enterprise=None) -> Organisation:
    """The department whose remit covers the place (the enterprise's industries, else the
    industry named) in the township; else the township government; else 安委办."""
    depts = []
    if enterprise is not None:
        depts = supervising_departments(
            industry_ids=enterprise.industries.values_list("pk", flat=True),
            division=enterprise.division or township,
        )
    if not depts and industry is not None:
        depts = supervising_departments(
            industry_ids=[industry.pk],
            division=township,
        )
    if depts:
        return depts[0]
    gov = township_government(township)
    if gov is not None:
        return gov
    office = Organisation.objects.filter(kind=OrgKind.COMMITTEE_OFFICE).first()
    if office is None:
        raise ValidationError(_("No organisation can receive this report."))
    return office


def public_report_submit(
    *,
    township,
    place: str,
    description: str,
    industry=None,
    enterprise=None,
    contact: str = "",
    photo=None,
    ip: str | None = None,
) -> PublicReport:
    """An anonymous report (举报): rate-limited per address, photo checked by content and
    size, routed, and the receiving organisation told."""
    now = clock.now()
    limit, seconds = public_rate()
    ip_hash = hashlib.sha256(f"{settings.SECRET_KEY}:{ip or '-'}".encode()).hexdigest()
    recent = PublicReportLog.objects.filter(
        ip_hash=ip_hash, at__gte=now - dt.timedelta(seconds=seconds)
    ).count()
    if recent >= limit:
        raise ValidationError(_("Too many reports from this address; please try again later."))
    errors = {}
    if not (place or "").strip():
        errors["place"] = _("Say where it is.")
    if not (description or "").strip():
        errors["description"] = _("Describe what you saw.")
    if errors:
        raise ValidationError(errors)
    data = kind = None
    if photo:
        data, kind = uploads.read_image(photo, field="photo")
    if enterprise is not None and (
        enterprise.kind != OrgKind.ENTERPRISE
        or (enterprise.division_id and not enterprise.division.path.startswith(township.path))
    ):
        enterprise = None
    with transaction.atomic():
        routed = route_public_report(township=township, industry=industry, enterprise=enterprise)
        report = PublicReport.objects.create(
            township=township,
            industry=industry,
            enterprise=enterprise,
            place=place.strip()[:200],
            description=description.strip(),
            contact=(contact or "").strip()[:60],
            photo=data,
            photo_type=kind or "",
            routed_to=routed,
            received_at=now,
        )
        PublicReportLog.objects.create(ip_hash=ip_hash, at=now)
        audit.record(
            action="publicreport.receive",
            obj=report,
            after={"routed_to": routed.pk, "township": township.pk, "place": report.place},
        )
        enqueue(
            subject=(_("Public report: %(place)s") % {"place": report.place})[:200],
            body=report.description[:500],
            link=f"/prevention/public-reports/{report.pk}/",
            recipients=_users([routed.pk]),
            channels=(Channel.INAPP,),
            org=routed,
        )
    return report


FORWARD_KINDS = (OrgKind.DEPARTMENT, OrgKind.TOWNSHIP_GOVERNMENT, OrgKind.COMMITTEE_OFFICE)
PUBLIC_DECISIONS = ("accept", "dismiss", "forward")


def forward_targets():
    """Organisations a public report can be forwarded to."""
    return Organisation.objects.filter(kind__in=FORWARD_KINDS, is_active=True)


def public_report_check(actor, report: PublicReport) -> None:
    """Raise ``PermissionDenied`` or ``TransitionError`` when ``actor`` may not handle the
    report now (the API's "may I?" answer; ``public_report_handle`` applies the same rules)."""
    if not PublicReport.objects.restrict(actor, Action.CHANGE).filter(pk=report.pk).exists():
        raise PermissionDenied
    if report.state != PublicReportState.RECEIVED:
        raise TransitionError(_("This report has already been handled."))


def public_report_handle(
    *, actor, report: PublicReport, decision: str, note: str = "", enterprise=None, to=None
) -> PublicReport:
    """The receiving organisation accepts a report as a hazard of an enterprise, dismisses
    it with a reason, or forwards it (with a reason) to the department or government whose
    remit it is; the report stays unhandled there. Pages and API both call this."""
    with transaction.atomic():
        report = PublicReport.objects.select_for_update().get(pk=report.pk)
        if not PublicReport.objects.restrict(actor).filter(pk=report.pk).exists():
            raise Http404
        public_report_check(actor, report)
        before = audit.snapshot(report, ["state", "hazard", "handling_note", "routed_to"])
        note = (note or "").strip()
        if decision == "forward":
            if to is None or not forward_targets().filter(pk=to.pk).exists():
                raise ValidationError(
                    {"to": _("Choose a department or government to forward the report to.")}
                )
            if to.pk == report.routed_to_id:
                raise ValidationError({"to": _("The report is already with this organisation.")})
            if not note:
                raise ValidationError({"note": _("Say why the report is forwarded.")})
            report.routed_to = to
            report.handling_note = note
            report.save(update_fields=["routed_to", "handling_note"])
            audit.record(
                action="publicreport.forward",
                obj=report,
                actor=actor,
                before=before,
                after=audit.snapshot(report, ["state", "hazard", "handling_note", "routed_to"]),
            )
            enqueue(
                subject=(_("Public report: %(place)s") % {"place": report.place})[:200],
                body=(_("Forwarded by %(org)s: %(note)s") % {"org": actor.org, "note": note})[:500],
                link=f"/prevention/public-reports/{report.pk}/",
                recipients=_users([to.pk]),
                channels=(Channel.INAPP,),
                org=to,
            )
            return report
        if decision == "accept":
            enterprise = enterprise or report.enterprise
            if enterprise is None:
                raise ValidationError({"enterprise": _("Choose the enterprise concerned.")})
            if not enterprise_choices_for(actor).filter(pk=enterprise.pk).exists():
                raise ValidationError(
                    {"enterprise": _("Choose an enterprise within your remit, or forward it.")}
                )
            report.hazard = open_hazard_from_source(
                enterprise=enterprise,
                title=f"{_('Public report')}：{report.place}"[:200],
                description=report.description,
                source=HazardSource.PUBLIC,
                source_ref=f"public:{report.pk}",
                reported_by=actor,
            )
            if report.photo:
                HazardPhoto.objects.create(
                    hazard=report.hazard,
                    stage=HazardPhoto.Stage.BEFORE,
                    image=bytes(report.photo),
                    content_type=report.photo_type,
                    uploaded_at=clock.now(),
                )
            report.state = PublicReportState.ACCEPTED
        elif decision == "dismiss":
            if not note:
                raise ValidationError({"note": _("Say why the report is dismissed.")})
            report.state = PublicReportState.DISMISSED
        else:
            raise ValidationError({"decision": _("Choose accept, dismiss or forward.")})
        report.handling_note = note
        report.save(update_fields=["state", "hazard", "handling_note", "enterprise"])
        audit.record(
            action=f"publicreport.{decision}",
            obj=report,
            actor=actor,
            before=before,
            after=audit.snapshot(report, ["state", "hazard", "handling_note", "routed_to"]),
        )
    return report


def enterprise_choices_for(user):
    return Organisation.objects.restrict(user, Action.CHANGE).filter(
        kind=OrgKind.ENTERPRISE, is_active=True
    )
