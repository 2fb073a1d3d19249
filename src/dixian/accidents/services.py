"""Every state change of an accident goes through here (audited, in one transaction).

The rules are ``dixian.standards.accident`` (国务院令第493号); the clocks are
``AccidentClock`` rows advanced by the deadline sweeper (sweeps.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dixian.core import audit, clock, deadlines
from dixian.core.choices import Action, OrgKind, Role
from dixian.core.models import Organisation, User
from dixian.core.notify import enqueue
from dixian.core.scoping import with_sub_industries
from dixian.standards import accident as rules

from .models import (
    FORWARD_KIND_OF_LEVEL,
    Accident,
    AccidentClock,
    AccidentKind,
    Bulletin,
    BulletinReceipt,
    ClockKind,
    ClockState,
    ClosureEvidence,
    DishonestyListing,
    FourNoItem,
    Investigation,
    InvestigationState,
)

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
FIGURES = ("deaths", "missing", "serious_injuries", "direct_loss_yuan")
GOVERNMENT_ROLES = {Role.SAFETY_OFFICE, Role.INSPECTOR, Role.TOWNSHIP_OFFICER, Role.DUTY_OFFICER}


def _check(actor, model, obj, action=Action.CHANGE):
    if not model._default_manager.restrict(actor, action).filter(pk=obj.pk).exists():
        raise Http404


def _government_side(actor) -> None:
    if not (actor.is_superuser or actor.role in GOVERNMENT_ROLES or actor.role == Role.ADMIN):
        raise PermissionDenied(_("Only the government side may do this."))


def end_of_day(day: dt.date) -> dt.datetime:
    """A date deadline runs to the end of that day in China (Asia/Shanghai)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)


def grade_of(accident: Accident) -> rules.Grade:
    return rules.grade(accident.deaths, accident.serious_injuries, accident.direct_loss_yuan)


def chain_of(accident: Accident) -> tuple[str, ...]:
    """Levels the report passes. A 较大涉险事故 goes up as far as an ordinary accident at least."""
    return rules.chain(rules.grade_by_code(accident.grade))


def _apply_grade(accident: Accident) -> None:
    g = grade_of(accident)
    accident.grade = g.code
    accident.report_up_to = g.report_up_to
    accident.investigated_by = g.investigated_by


def _county_users():
    return User.objects.filter(
        is_active=True, role__in=[Role.SAFETY_OFFICE, Role.DUTY_OFFICER, Role.COUNTY_LEADER]
    )


def _start_clock(accident, kind, started_at, due_at, note=""):
    c = AccidentClock.objects.create(
        accident=accident, kind=kind, started_at=started_at, due_at=due_at, note=note
    )
    deadlines.schedule_at(due_at)
    return c


def _meet(c: AccidentClock, at: dt.datetime) -> None:
    before = {"state": c.state}
    c.state = ClockState.MET
    c.met_at = at
    c.save(update_fields=["state", "met_at"])
    audit.record(
        action="accidentclock.met",
        obj=c,
        before=before,
        after={"state": c.state, "met_at": at, "late": c.late},
        org_id=c.accident.unit_id,
    )


def validate_times(*, occurred_at, learned_at, received_at, now) -> None:
    errors = {}
    if learned_at < occurred_at:
        errors["learned_at"] = _("The unit cannot learn of it before it happened.")
    if received_at < learned_at:
        errors["received_at"] = _("The county cannot receive the report before the unit knew.")
    if received_at > now + dt.timedelta(minutes=5):
        errors["received_at"] = _("This time is in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_accident(*, actor, accident: Accident) -> Accident:
    """Record the first report (首报) received by the county.

    The unit's 1-hour clock (Art. 9) is met at ``received_at`` (late → 迟报, recorded); the
    county's 2-hour forwarding clock (Art. 11) starts at ``received_at``.
    """
    now = clock.now()
    if accident.pk is not None:
        raise ValueError("already reported")
    if not Organisation.objects.restrict(actor, Action.CHANGE).filter(pk=accident.unit_id).exists():
        if actor.role != Role.DUTY_OFFICER:
            raise Http404
    accident.received_at = accident.received_at or now
    validate_times(
        occurred_at=accident.occurred_at,
        learned_at=accident.learned_at,
        received_at=accident.received_at,
        now=now,
    )
    _apply_grade(accident)
    accident.number = f"tmp-{uuid.uuid4().hex[:20]}"
    accident.recorded_by = actor
    accident.late_reported = accident.received_at > rules.unit_report_due(accident.learned_at)
    accident.save()
    local_year = accident.occurred_at.astimezone(LOCAL).year
    accident.number = f"SG{local_year}-{accident.pk:05d}"
    Accident.objects.filter(pk=accident.pk).update(number=accident.number)
    audit.record(
        action="accident.report", obj=accident, after=audit.snapshot(accident), actor=actor
    )
    unit_clock = AccidentClock.objects.create(
        accident=accident,
        kind=ClockKind.REPORT_COUNTY,
        started_at=accident.learned_at,
        due_at=rules.unit_report_due(accident.learned_at),
    )
    _meet(unit_clock, accident.received_at)
    if accident.late_reported:
        audit.record(
            action="accident.late_report",
            obj=accident,
            after={"due_at": unit_clock.due_at, "received_at": accident.received_at},
            actor=actor,
        )
    _start_clock(
        accident,
        ClockKind.FORWARD_CITY,
        accident.received_at,
        rules.forward_due(accident.received_at),
    )
    link = reverse("accidents:accident_detail", args=[accident.pk])
    enqueue(
        subject=_("Accident reported: %(title)s (%(grade)s)")
        % {"title": accident.title, "grade": accident.get_grade_display()},
        body=_("Forward it to the city within 2 hours."),
        link=link,
        recipients=list(_county_users()),
        dedupe_key=f"accident:{accident.pk}:report",
    )
    return accident


def pending_forward(accident: Accident) -> AccidentClock | None:
    return (
        accident.clocks.filter(
            kind__in=FORWARD_KIND_OF_LEVEL.values(),
            state__in=[ClockState.RUNNING, ClockState.OVERDUE],
        )
        .order_by("started_at", "pk")
        .first()
    )


def _next_level_after(accident: Accident, kind: str) -> str | None:
    chain = chain_of(accident)
    level = next(lv for lv, k in FORWARD_KIND_OF_LEVEL.items() if k == kind)
    i = chain.index(level) if level in chain else len(chain)
    return chain[i + 1] if i + 1 < len(chain) else None


@transaction.atomic
def forward(*, actor, accident: Accident, at: dt.datetime | None = None) -> AccidentClock:
    """Record that the report went up one level (逐级上报, Art. 11) at ``at`` (default now).

    Meets the running forwarding clock (late if after its due time); if the grade requires a
    higher level still, that level's 2-hour clock starts at ``at``.
    """
    _check(actor, Accident, accident)
    _government_side(actor)
    now = clock.now()
    at = at or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("This time is in the future.")})
    c = pending_forward(accident)
    if c is None:
        raise ValidationError(
            _("The report has already reached the level this grade requires (%(level)s).")
            % {"level": accident.get_report_up_to_display()}
        )
    if at < c.started_at:
        raise ValidationError({"at": _("The report cannot go up before it was received.")})
    _meet(c, at)
    audit.record(
        action="accident.forward",
        obj=accident,
        after={"clock": c.kind, "at": at, "late": c.late},
        actor=actor,
    )
    nxt = _next_level_after(accident, c.kind)
    if nxt:
        _start_clock(accident, FORWARD_KIND_OF_LEVEL[nxt], at, rules.forward_due(at))
    return c


@transaction.atomic
def supplement(*, actor, accident: Accident, report) -> Accident:
    """A supplementary report (续报, Art. 13). Within 30 days of the accident (7 for road traffic
    and fire) the new casualty figures re-grade it, which may lengthen the reporting chain (a
    new 2-hour clock from now) and move the investigating level (Art. 20)."""
    _check(actor, Accident, accident)
    now = clock.now()
    report.accident = accident
    report.reported_at = report.reported_at or now
    report.author = actor
    window_end = rules.supplement_window_end(accident.occurred_at, accident.road_or_fire)
    report.within_window = report.reported_at <= window_end
    report.grade_before = accident.grade
    before = {f: audit._jsonable(getattr(accident, f)) for f in (*FIGURES, "grade")}
    old_investigator = accident.investigated_by
    if report.within_window:
        for f in FIGURES:
            setattr(accident, f, getattr(report, f))
        _apply_grade(accident)
        accident.save()
    report.grade_after = accident.grade
    report.save()
    audit.record(
        action="accident.supplement",
        obj=accident,
        before=before,
        after={
            **{f: audit._jsonable(getattr(accident, f)) for f in (*FIGURES, "grade")},
            "within_window": report.within_window,
        },
        actor=actor,
    )
    if report.grade_after != report.grade_before:
        _rechain(accident, at=report.reported_at)
        enqueue(
            subject=_("Accident re-graded: %(title)s is now %(grade)s")
            % {"title": accident.title, "grade": accident.get_grade_display()},
            body=_("Investigated by: %(level)s.")
            % {"level": accident.get_investigated_by_display()}
            if old_investigator == accident.investigated_by
            else _("The investigation moves to: %(level)s.")
            % {"level": accident.get_investigated_by_display()},
            link=reverse("accidents:accident_detail", args=[accident.pk]),
            recipients=list(_county_users()),
        )
    return accident


def _rechain(accident: Accident, *, at: dt.datetime) -> None:
    """After a re-grade: a longer chain gets the next forwarding clock; a shorter one cancels
    clocks above its top."""
    chain = chain_of(accident)
    clocks = {c.kind: c for c in accident.clocks.filter(kind__in=FORWARD_KIND_OF_LEVEL.values())}
    for level, kind in FORWARD_KIND_OF_LEVEL.items():
        c = clocks.get(kind)
        if level not in chain and c and c.state in (ClockState.RUNNING, ClockState.OVERDUE):
            c.state = ClockState.CANCELLED
            c.save(update_fields=["state"])
            audit.record(action="accidentclock.cancel", obj=c, org_id=accident.unit_id)
    if pending_forward(accident) is not None:
        return
    for level in chain[1:]:
        kind = FORWARD_KIND_OF_LEVEL[level]
        if kind not in clocks:
            _start_clock(accident, kind, at, rules.forward_due(at), note=_("after re-grading"))
            return


# Investigation (Arts. 19–33) ---------------------------------------------------------------


def _investigation_due(inv: Investigation) -> dt.date:
    return rules.investigation_due(
        inv.accident.occurred_at.astimezone(LOCAL).date(),
        extension_days=inv.extension_days,
        appraisal_days=inv.appraisal_days,
    )


@transaction.atomic
def start_investigation(*, actor, accident: Accident, inv: Investigation) -> Investigation:
    _check(actor, Accident, accident)
    _government_side(actor)
    if Investigation.objects.filter(accident=accident).exists():
        raise ValidationError(_("This accident is already under investigation."))
    inv.accident = accident
    inv.due_on = _investigation_due(inv)
    inv.save()
    audit.record(action="investigation.start", obj=inv, after=audit.snapshot(inv), actor=actor)
    _start_clock(
        accident,
        ClockKind.INVESTIGATION,
        dt.datetime.combine(inv.started_on, dt.time(0), tzinfo=LOCAL),
        end_of_day(inv.due_on),
    )
    return inv


@transaction.atomic
def extend_investigation(
    *, actor, inv: Investigation, extension_days: int, approval: str, appraisal_days: int
) -> Investigation:
    """Art. 29: an approved extension of at most 60 days; Art. 27: appraisal time not counted."""
    _check(actor, Investigation, inv)
    if extension_days and not approval.strip():
        raise ValidationError({"extension_approval": _("An extension needs its approval.")})
    if extension_days > rules.MAX_EXTENSION_DAYS:
        raise ValidationError(
            {"extension_days": _("An extension may not exceed 60 days (Art. 29).")}
        )
    before = audit.snapshot(inv)
    inv.extension_days, inv.extension_approval = extension_days, approval
    inv.appraisal_days = appraisal_days
    inv.due_on = _investigation_due(inv)
    inv.save()
    audit.record(
        action="investigation.extend",
        obj=inv,
        before=before,
        after=audit.snapshot(inv),
        actor=actor,
    )
    c = inv.accident.clocks.filter(kind=ClockKind.INVESTIGATION).first()
    if c and c.state in (ClockState.RUNNING, ClockState.OVERDUE):
        c.due_at = end_of_day(inv.due_on)
        if c.state == ClockState.OVERDUE and c.due_at > clock.now():
            c.state, c.overdue_at = ClockState.RUNNING, None
        c.save(update_fields=["due_at", "state", "overdue_at"])
    return inv


REPORT_FIELDS = ("course", "causes", "nature", "responsibility", "measures")


@transaction.atomic
def submit_report(*, actor, inv: Investigation, data: dict, submitted_on: dt.date):
    """The investigation report (Art. 30); starts the government's reply clock (Art. 32)."""
    _check(actor, Investigation, inv)
    if inv.state != InvestigationState.OPEN:
        raise ValidationError(_("The report has already been submitted."))
    missing = [f for f in REPORT_FIELDS if not str(data.get(f) or "").strip()]
    if missing:
        raise ValidationError({f: _("This field is required.") for f in missing})
    before = audit.snapshot(inv)
    for f in REPORT_FIELDS:
        setattr(inv, f, data[f])
    inv.report_submitted_on = submitted_on
    inv.reply_due_on = rules.reply_due(submitted_on, rules.grade_by_code(inv.accident.grade))
    inv.state = InvestigationState.REPORTED
    inv.save()
    audit.record(
        action="investigation.report",
        obj=inv,
        before=before,
        after=audit.snapshot(inv),
        actor=actor,
    )
    c = inv.accident.clocks.filter(kind=ClockKind.INVESTIGATION).first()
    if c and c.state != ClockState.MET:
        _meet(c, end_of_day(submitted_on) - dt.timedelta(seconds=1))
    _start_clock(
        inv.accident,
        ClockKind.REPLY,
        dt.datetime.combine(submitted_on, dt.time(0), tzinfo=LOCAL),
        end_of_day(inv.reply_due_on),
    )
    return inv


@transaction.atomic
def record_reply(*, actor, inv: Investigation, replied_on: dt.date):
    """The government's reply (批复); the one-year follow-up evaluation clock starts."""
    _check(actor, Investigation, inv)
    if inv.state != InvestigationState.REPORTED:
        raise ValidationError(_("There is no submitted report awaiting a reply."))
    inv.replied_on = replied_on
    inv.follow_up_due_on = rules.follow_up_due(replied_on)
    inv.state = InvestigationState.REPLIED
    inv.save()
    audit.record(
        action="investigation.reply", obj=inv, after={"replied_on": replied_on}, actor=actor
    )
    c = inv.accident.clocks.filter(kind=ClockKind.REPLY).first()
    if c and c.state != ClockState.MET:
        _meet(c, end_of_day(replied_on) - dt.timedelta(seconds=1))
    _start_clock(
        inv.accident,
        ClockKind.FOLLOW_UP,
        dt.datetime.combine(replied_on, dt.time(0), tzinfo=LOCAL),
        end_of_day(inv.follow_up_due_on),
    )
    return inv


@transaction.atomic
def record_follow_up(*, actor, inv: Investigation, done_on: dt.date):
    _check(actor, Investigation, inv)
    if inv.follow_up_due_on is None:
        raise ValidationError(_("The follow-up evaluation starts after the government reply."))
    inv.follow_up_done_on = done_on
    inv.save(update_fields=["follow_up_done_on"])
    audit.record(action="investigation.follow_up", obj=inv, after={"on": done_on}, actor=actor)
    c = inv.accident.clocks.filter(kind=ClockKind.FOLLOW_UP).first()
    if c and c.state != ClockState.MET:
        _meet(c, end_of_day(done_on) - dt.timedelta(seconds=1))
    return inv


@transaction.atomic
def add_evidence(*, actor, inv: Investigation, item: str, evidence: str) -> ClosureEvidence:
    _check(actor, Investigation, inv)
    if item not in FourNoItem.values:
        raise ValidationError({"item": _("Unknown item.")})
    if not evidence.strip():
        raise ValidationError({"evidence": pgettext("accident", "Describe the evidence.")})
    ev = ClosureEvidence.objects.create(
        investigation=inv,
        item=item,
        evidence=evidence.strip(),
        recorded_at=clock.now(),
        recorded_by=actor,
    )
    audit.record(action="investigation.evidence", obj=inv, after={"item": item}, actor=actor)
    return ev


def unmet_items(inv: Investigation) -> list[str]:
    """The 四不放过 items without evidence."""
    have = set(inv.evidence.values_list("item", flat=True))
    return [label for value, label in FourNoItem.choices if value not in have]


@transaction.atomic
def close_investigation(*, actor, inv: Investigation) -> Investigation:
    """Close the case: only after the report, and with evidence for all four 四不放过 items."""
    _check(actor, Investigation, inv)
    if inv.state == InvestigationState.CLOSED:
        raise ValidationError(_("The case is already closed."))
    if inv.state == InvestigationState.OPEN:
        raise ValidationError(_("The case cannot close before the investigation report."))
    missing = unmet_items(inv)
    if missing:
        raise ValidationError(
            _("The case cannot close: the 四不放过 principle is not met for: %(items)s.")
            % {"items": "；".join(str(m) for m in missing)}
        )
    inv.state = InvestigationState.CLOSED
    inv.closed_at = clock.now()
    inv.save(update_fields=["state", "closed_at"])
    audit.record(action="investigation.close", obj=inv, after={"state": inv.state}, actor=actor)
    return inv


# Accountability ----------------------------------------------------------------------------


@transaction.atomic
def remove_listing(*, actor, listing: DishonestyListing, on: dt.date, reason: str):
    _check(actor, DishonestyListing, listing)
    if listing.removed_on:
        raise ValidationError(_("Already removed from the list."))
    if not reason.strip():
        raise ValidationError({"removal_reason": _("Give the reason for the removal.")})
    listing.removed_on, listing.removal_reason = on, reason.strip()
    listing.save(update_fields=["removed_on", "removal_reason"])
    audit.record(
        action="dishonesty.remove", obj=listing, after={"on": on, "reason": reason}, actor=actor
    )
    return listing


def bulletin_targets(bulletin: Bulletin):
    ids = with_sub_industries(bulletin.industries.values_list("pk", flat=True))
    return Organisation.objects.filter(
        kind=OrgKind.ENTERPRISE, is_active=True, industries__in=ids
    ).distinct()


@transaction.atomic
def send_bulletin(*, actor, bulletin: Bulletin) -> int:
    """Send an accident bulletin (事故通报) through the outbox to every enterprise of its
    industries (and their sub-industries); one receipt per enterprise records who read it."""
    _check(actor, Bulletin, bulletin)
    if bulletin.sent_at:
        raise ValidationError(_("This bulletin has already been sent."))
    targets = list(bulletin_targets(bulletin))
    if not targets:
        raise ValidationError(_("No enterprise is in these industries."))
    bulletin.sent_at = clock.now()
    bulletin.save(update_fields=["sent_at"])
    link = reverse("accidents:bulletin_detail", args=[bulletin.pk])
    for ent in targets:
        BulletinReceipt.objects.get_or_create(bulletin=bulletin, enterprise=ent)
        enqueue(
            subject=_("Accident bulletin: %(title)s") % {"title": bulletin.title},
            body=bulletin.body[:500],
            link=link,
            recipients=list(User.objects.filter(org=ent, is_active=True)),
            org=ent,
            dedupe_key=f"bulletin:{bulletin.pk}",
        )
    audit.record(
        action="bulletin.send", obj=bulletin, after={"enterprises": len(targets)}, actor=actor
    )
    return len(targets)


@transaction.atomic
def acknowledge_bulletin(*, actor, bulletin: Bulletin) -> int:
    """An enterprise user confirms reading (签收): its receipts get the time and the reader."""
    receipts = BulletinReceipt.objects.restrict(actor).filter(bulletin=bulletin, read_at=None)
    receipts = receipts.filter(enterprise__in=Organisation.objects.filter(users=actor))
    n = 0
    for r in receipts:
        r.read_at, r.read_by = clock.now(), actor
        r.save(update_fields=["read_at", "read_by"])
        audit.record(action="bulletin.read", obj=r, actor=actor, org_id=r.enterprise_id)
        n += 1
    return n


def summary_numbers(qs) -> dict:
    return {
        "total": qs.count(),
        "deaths": sum(a.deaths for a in qs),
        "loss": sum((a.direct_loss_yuan for a in qs), Decimal(0)),
        "near_miss": sum(1 for a in qs if a.kind == AccidentKind.NEAR_MISS),
    }
