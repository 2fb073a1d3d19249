"""Every state change of the enterprises app: audited, scoped, side effects via the outbox."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dixian.core import audit, clock
from dixian.core.choices import Action, OrgKind, Role
from dixian.core.models import Jurisdiction, Organisation, User
from dixian.core.notify import enqueue
from dixian.core.scoping import is_county_wide, may_create, with_sub_industries

from . import grading
from .models import (
    EnterpriseProfile,
    GradeLevel,
    Licence,
    LicenceStatus,
    issuing_org_ids,
)

ORG_FIELDS = ["name", "short_name", "division", "credit_code", "address", "phone", "latitude",
              "longitude", "is_active"]  # fmt: skip
PROFILE_FIELDS = [
    "legal_representative",
    "principal",
    "principal_phone",
    "scale",
    "staff_count",
    "status",
    "status_since",
    "established_on",
    "major_hazard_source",
]
REMINDER_STAGES = (90, 30, 7, 0)  # days before expiry; 0 = the day it expires
REMINDER_HOUR = 9  # local time (Asia/Shanghai) the reminders go out


def _snapshot(profile: EnterpriseProfile) -> dict:
    data = audit.snapshot(profile.org, ORG_FIELDS + ["industries"]) or {}
    data.update(audit.snapshot(profile, PROFILE_FIELDS + ["details"]) or {})
    return data


def enterprise_save(
    *,
    actor,
    profile: EnterpriseProfile | None,
    org_data: dict,
    industries,
    profile_data: dict,
    details: dict,
) -> EnterpriseProfile:
    """Create (``profile=None``) or update an enterprise: its organisation row (kind
    enterprise), industries and profile, in one transaction with one audit event. The
    enterprise must end up inside the actor's scope (a department registers enterprises of
    its own industries, a township those of its area)."""
    creating = profile is None
    with transaction.atomic():
        if creating:
            if not may_create(actor, EnterpriseProfile):
                raise PermissionDenied
            org = Organisation(kind=OrgKind.ENTERPRISE)
            profile = EnterpriseProfile()
            before = None
        else:
            if (
                not EnterpriseProfile.objects.restrict(actor, Action.CHANGE)
                .filter(pk=profile.pk)
                .exists()
            ):
                raise Http404
            org = profile.org
            before = _snapshot(EnterpriseProfile.objects.select_related("org").get(pk=profile.pk))
        for name, value in org_data.items():
            setattr(org, name, value)
        org.kind = OrgKind.ENTERPRISE
        org.full_clean()
        org.save()
        org.industries.set(industries)
        for name, value in profile_data.items():
            setattr(profile, name, value)
        profile.org = org
        profile.details = details
        grading.ensure_defaults()
        grading.score_profiles([profile])
        profile.full_clean()
        profile.save()
        if (
            not EnterpriseProfile.objects.restrict(actor, Action.CHANGE)
            .filter(pk=profile.pk)
            .exists()
        ):
            raise PermissionDenied("the enterprise would be outside your scope")
        audit.record(
            action="enterprise.create" if creating else "enterprise.update",
            obj=profile,
            before=before,
            after=_snapshot(profile) | {"grade": profile.grade_id},
            actor=actor,
        )
    return profile


def regrade(*, actor=None, profiles=None) -> int:
    """Recompute the risk score and grade (all enterprises by default). Changed grades are
    audited, one event each. Returns how many grades changed."""
    grading.ensure_defaults()
    qs = EnterpriseProfile.objects.select_related("org")
    if profiles is not None:
        qs = qs.filter(pk__in=[p.pk for p in profiles])
    changed = 0
    with transaction.atomic():
        items = list(qs)
        old = {p.pk: (p.grade_id, p.risk_score) for p in items}
        grading.score_profiles(items)
        EnterpriseProfile.objects.bulk_update(
            items,
            ["risk_score", "score_breakdown", "computed_grade", "grade", "graded_at"],
            batch_size=500,
        )
        for p in items:
            if old[p.pk][0] != p.grade_id:
                changed += 1
                audit.record(
                    action="enterprise.regrade",
                    obj=p,
                    before={"grade": old[p.pk][0], "risk_score": old[p.pk][1]},
                    after={"grade": p.grade_id, "risk_score": p.risk_score},
                    actor=actor,
                )
    return changed


def may_grade(user, profile) -> bool:
    return EnterpriseProfile.objects.restrict(user, "grade").filter(pk=profile.pk).exists()


def grade_override(*, actor, profile: EnterpriseProfile, grade: GradeLevel | None, reason: str):
    """Set the grade by hand (or clear the override with ``grade=None``). A reason is
    required for an override; the change is audited. Enterprises cannot grade themselves."""
    if not may_grade(actor, profile):
        raise Http404
    reason = (reason or "").strip()
    if grade is not None and not reason:
        raise ValidationError({"reason": _("A manual grade needs a reason.")})
    with transaction.atomic():
        profile = EnterpriseProfile.objects.select_for_update().get(pk=profile.pk)
        before = {
            "override_grade": profile.override_grade_id,
            "override_reason": profile.override_reason,
            "grade": profile.grade_id,
        }
        profile.override_grade = grade
        profile.override_reason = reason if grade is not None else ""
        profile.grade = grade or profile.computed_grade
        profile.save(update_fields=["override_grade", "override_reason", "grade"])
        audit.record(
            action="enterprise.grade_override" if grade else "enterprise.grade_override_clear",
            obj=profile,
            before=before,
            after={
                "override_grade": profile.override_grade_id,
                "override_reason": profile.override_reason,
                "grade": profile.grade_id,
                "reason": reason,
            },
            actor=actor,
        )
    return profile


# Licences ---------------------------------------------------------------------------------


def supervising_departments(enterprise: Organisation) -> list[Organisation]:
    """Every department whose jurisdiction (industries × area) covers the enterprise."""
    ind_ids = set(enterprise.industries.values_list("pk", flat=True))
    if not ind_ids:
        return []
    path = enterprise.division.path if enterprise.division_id else ""
    found = {}
    for j in Jurisdiction.objects.select_related("department").prefetch_related(
        "industries", "areas"
    ):
        if j.department.kind not in (OrgKind.DEPARTMENT, OrgKind.COMMITTEE_OFFICE):
            continue
        covered = set(with_sub_industries(i.pk for i in j.industries.all()))
        if not covered & ind_ids:
            continue
        areas = list(j.areas.all())
        if areas and not any(path.startswith(a.path) for a in areas):
            continue
        found[j.department_id] = j.department
    return sorted(found.values(), key=lambda o: o.path)


def licence_recipients(licence: Licence) -> list[User]:
    """Users of the supervising departments (the notice's real-time push, item （二）)."""
    depts = supervising_departments(licence.enterprise)
    return list(
        User.objects.filter(org__in=depts, is_active=True).exclude(role=Role.ENTERPRISE_MANAGER)
    )


def _local_due(day: dt.date) -> dt.datetime:
    return timezone.make_aware(
        dt.datetime.combine(day, dt.time(REMINDER_HOUR)), timezone.get_default_timezone()
    )


def next_reminder(valid_to: dt.date, sent: list[int], now: dt.datetime):
    """The next reminder (due time, stage) for a licence valid until ``valid_to``.

    Stages already sent, and earlier ones, are skipped. Of the stages whose time has passed,
    only the latest is sent (at once): a licence recorded 20 days before expiry gets the
    30-day reminder now, not the 90-day one as well.
    """
    floor = min(sent) if sent else None
    pending = [s for s in REMINDER_STAGES if floor is None or s < floor]
    if not pending:
        return None, None
    passed = [s for s in pending if _local_due(valid_to - dt.timedelta(days=s)) <= now]
    if passed:
        return now, min(passed)
    stage = max(pending)
    return _local_due(valid_to - dt.timedelta(days=stage)), stage


def _schedule(licence: Licence, now: dt.datetime) -> None:
    if licence.status not in (LicenceStatus.VALID,):
        licence.next_reminder_at, licence.next_reminder_stage = None, None
        return
    at, stage = next_reminder(licence.valid_to, licence.reminders_sent, now)
    licence.next_reminder_at, licence.next_reminder_stage = at, stage


def _licence_link(licence: Licence) -> str:
    return reverse("enterprises:licence_detail", args=[licence.pk])


def push_licence(licence: Licence, *, creating: bool) -> int:
    """Put the licence in the inbox of every supervising department's users at once."""
    recipients = licence_recipients(licence)
    verb = _("recorded") if creating else pgettext("enterprise", "changed")
    subject = _("Licence %(verb)s: %(enterprise)s · %(type)s") % {
        "verb": verb,
        "enterprise": licence.enterprise.name,
        "type": licence.type.name,
    }
    body = _(
        "%(type)s No. %(number)s, issued by %(issuer)s, valid %(start)s to %(end)s, "
        "status: %(status)s. Scope: %(scope)s"
    ) % {
        "type": licence.type.name,
        "number": licence.number,
        "issuer": licence.issuer,
        "start": licence.valid_from.isoformat(),
        "end": licence.valid_to.isoformat(),
        "status": licence.get_status_display(),
        "scope": licence.scope or "—",
    }
    enqueue(
        subject=subject,
        body=body,
        link=_licence_link(licence),
        recipients=recipients,
        org=licence.enterprise,
    )
    return len(recipients)


LICENCE_FIELDS = ["enterprise", "type", "number", "issuer", "scope", "valid_from", "valid_to",
                  "status"]  # fmt: skip


def licence_save(*, actor, licence: Licence, data: dict) -> Licence:
    """Record or change a licence (县行政审批局, 安委办, admin). Reminders are rescheduled and
    every supervising department is told at once."""
    creating = licence.pk is None
    with transaction.atomic():
        if creating:
            if not Licence.scope_may_create(actor):
                raise PermissionDenied
            before = None
        else:
            if not Licence.objects.restrict(actor, Action.CHANGE).filter(pk=licence.pk).exists():
                raise Http404
            before = audit.snapshot(Licence.objects.get(pk=licence.pk), LICENCE_FIELDS)
        old_valid_to = None if creating else Licence.objects.get(pk=licence.pk).valid_to
        for name, value in data.items():
            setattr(licence, name, value)
        if not creating and old_valid_to != licence.valid_to:
            licence.reminders_sent = []  # renewed: the reminders start over
        if licence.recorded_by_org_id is None:
            issuers = issuing_org_ids(actor)
            licence.recorded_by_org_id = issuers[0] if issuers else actor.org_id
        now = clock.now()
        if (
            licence.status == LicenceStatus.VALID
            and licence.valid_to < timezone.localtime(now).date()
        ):
            licence.status = LicenceStatus.EXPIRED
        _schedule(licence, now)
        licence.full_clean()
        licence.save()
        if not Licence.objects.restrict(actor, Action.CHANGE).filter(pk=licence.pk).exists():
            raise PermissionDenied("the licence would be outside your scope")
        audit.record(
            action="licence.create" if creating else "licence.update",
            obj=licence,
            before=before,
            after=audit.snapshot(licence, LICENCE_FIELDS),
            actor=actor,
        )
        push_licence(licence, creating=creating)
    return licence


def licence_reminder_due(licence: Licence, stage: int, now: dt.datetime) -> None:
    """Consequences of a due reminder: messages to the enterprise and its departments; at
    stage 0 the licence is flagged expired."""
    recipients = list(
        User.objects.filter(org=licence.enterprise, is_active=True)
    ) + licence_recipients(licence)
    if stage == 0:
        subject = _("Licence expired: %(enterprise)s · %(type)s %(number)s")
    else:
        subject = _("Licence expires in %(days)s days: %(enterprise)s · %(type)s %(number)s")
    subject = subject % {
        "enterprise": licence.enterprise.name,
        "type": licence.type.name,
        "number": licence.number,
        "days": stage,
    }
    body = _("Valid until %(date)s. Apply for renewal in time.") % {
        "date": licence.valid_to.isoformat()
    }
    enqueue(
        subject=subject,
        body=body,
        link=_licence_link(licence),
        recipients=recipients,
        org=licence.enterprise,
        dedupe_key=f"licence:{licence.pk}:{licence.valid_to.isoformat()}:{stage}",
    )
    audit.record(
        action="licence.expired" if stage == 0 else "licence.reminder",
        obj=licence,
        after={
            "stage": stage,
            "valid_to": licence.valid_to.isoformat(),
            "recipients": len(recipients),
        },
    )


def may_import_enterprises(user) -> bool:
    return is_county_wide(user, Action.CHANGE)
