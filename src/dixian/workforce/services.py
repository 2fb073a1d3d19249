"""Workforce services: every state change of the app goes through here (audited, scoped).

Who may do what:
- the enterprise (its safety manager) enters its own data: fee accruals and spending, 五到位
  self-checks, staff, employees, certificates, training, 反“三违” records;
- the supervising department (inspectors within their jurisdiction, 安委办, administrators)
  reviews fee entries and self-checks and records principal score deductions.
Out of scope answers 404; in scope but not allowed answers 403 (PermissionDenied).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from dixian.core import audit, clock
from dixian.core import services as core_services
from dixian.core.choices import Action, Channel, OrgKind, PositionKind, Role
from dixian.core.models import Jurisdiction, Organisation, Person, Position, Reminder, User
from dixian.core.notify import enqueue
from dixian.core.scoping import may_act, with_sub_industries
from dixian.standards import safety_fee
from dixian.standards.errors import StandardsError

from .models import (
    BreachState,
    Certificate,
    CertificateCategory,
    CertificateState,
    CycleState,
    Employee,
    FeeAccount,
    FeeAccrual,
    FeeSpending,
    FiveAspect,
    FiveCheck,
    FiveCheckItem,
    Post,
    ReviewState,
    RuleBreach,
    SafetyOrganisation,
    SafetyStaff,
    ScoreCycle,
    ScoreDeduction,
    ScoringPolicy,
    StaffingRequirement,
    StaffingRule,
    StaffRole,
    TrainingRecord,
    ViolationType,
)

REVIEWER_ROLES = {Role.INSPECTOR, Role.SAFETY_OFFICE, Role.ADMIN}
CERT_REMINDER_DAYS = 30
MAX_EVIDENCE_BYTES = 5 * 1024 * 1024
CENT = Decimal("0.01")


def local_today() -> dt.date:
    return clock.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59 local time of ``day``, as an aware datetime."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz).astimezone(dt.UTC)


# --- permissions ---------------------------------------------------------------------------


def _check(model, actor, obj, action=Action.CHANGE) -> None:
    """404 for what the actor does not see; 403 for what it sees but may not change."""
    manager = model._default_manager
    if not manager.restrict(actor, Action.VIEW).filter(pk=obj.pk).exists():
        raise Http404
    if not manager.restrict(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied


def _in_scope(actor, enterprise, action=Action.CHANGE) -> bool:
    return Organisation.objects.restrict(actor, action).filter(pk=enterprise.pk).exists()


def may_enter(actor, enterprise) -> bool:
    """The enterprise itself (or an administrator) enters its own records."""
    if not may_act(actor, Action.CHANGE) or not _in_scope(actor, enterprise):
        return False
    return actor.is_superuser or actor.role in (Role.ENTERPRISE_MANAGER, Role.ADMIN)


def may_review(actor, enterprise) -> bool:
    """The supervising department (an inspector whose jurisdiction covers the enterprise),
    安委办 or an administrator reviews; never the enterprise itself."""
    if not may_act(actor, Action.CHANGE) or not _in_scope(actor, enterprise):
        return False
    return actor.is_superuser or actor.role in REVIEWER_ROLES


def _require(ok: bool, model, actor, obj) -> None:
    if obj is not None and obj.pk is not None:
        manager = model._default_manager
        if not manager.restrict(actor, Action.VIEW).filter(pk=obj.pk).exists():
            raise Http404
    if not ok:
        raise PermissionDenied


def supervising_departments(enterprise) -> list[Organisation]:
    """Departments whose jurisdiction (industries × area) covers the enterprise
    (管行业必须管安全)."""
    own = set(enterprise.industries.values_list("pk", flat=True))
    division_path = enterprise.division.path if enterprise.division_id else ""
    found = []
    for j in Jurisdiction.objects.select_related("department").prefetch_related(
        "industries", "areas"
    ):
        covered = set(with_sub_industries(i.pk for i in j.industries.all()))
        if not covered & own:
            continue
        areas = list(j.areas.all())
        if areas and not any(division_path.startswith(a.path) for a in areas):
            continue
        if j.department not in found:
            found.append(j.department)
    return found


def _users_of(org_ids) -> list[User]:
    return list(User.objects.filter(org_id__in=list(org_ids), is_active=True))


def _supervisor_users(enterprise) -> list[User]:
    return _users_of(d.pk for d in supervising_departments(enterprise))


def _enterprise_users(enterprise) -> list[User]:
    return _users_of([enterprise.pk])


# --- staffing rules (安全生产法 第二十四条、第二十七条) ----------------------------------------


@dataclass
class StaffingNeeds:
    requirement: str | None = None
    safety_engineer: bool = False
    safety_director: bool = False
    rules: tuple = ()


_STRENGTH = {None: 0, StaffingRequirement.STAFF: 1, StaffingRequirement.BODY_OR_FULL_TIME: 2}


def staffing_needs(industry_ids, headcount: int, rules=None) -> StaffingNeeds:
    """What the rules require of an enterprise in ``industry_ids`` with ``headcount`` staff.

    A rule applies when its industry (with every sub-industry) includes one of the
    enterprise's, or it names no industry, and ``min_headcount <= headcount <=
    max_headcount`` (open bounds where empty). The strictest requirement of all applicable
    rules wins; engineers and directors are required if any applicable rule requires them.
    """
    own = set(industry_ids)
    needs = StaffingNeeds()
    applied = []
    for rule in rules if rules is not None else StaffingRule.objects.all():
        if rule.industry_id is not None and not (
            set(with_sub_industries([rule.industry_id])) & own
        ):
            continue
        if rule.min_headcount is not None and headcount < rule.min_headcount:
            continue
        if rule.max_headcount is not None and headcount > rule.max_headcount:
            continue
        applied.append(rule)
        if _STRENGTH[rule.requirement] > _STRENGTH[needs.requirement]:
            needs.requirement = rule.requirement
        needs.safety_engineer |= rule.needs_safety_engineer
        needs.safety_director |= rule.needs_safety_director
    needs.rules = tuple(applied)
    return needs


def headcount_of(enterprise) -> int:
    setup = SafetyOrganisation.objects.filter(enterprise=enterprise).first()
    if setup is not None:
        return setup.headcount
    return Employee.objects.filter(enterprise=enterprise, is_active=True).count()


def _active_staff(enterprise, day):
    from django.db.models import Q

    return SafetyStaff.objects.filter(enterprise=enterprise).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )


def valid_certificates(day: dt.date):
    """Certificates valid on ``day``: issued, not expired, review not overdue."""
    from django.db.models import Q

    return Certificate.objects.filter(issued_on__lte=day, valid_until__gte=day).filter(
        Q(review_due__isnull=True) | Q(review_due__gte=day)
    )


@dataclass
class Compliance:
    enterprise: Organisation
    headcount: int
    has_body: bool
    counts: dict
    needs: StaffingNeeds
    missing: list[str]
    declared: bool = True

    @property
    def ok(self) -> bool:
        return not self.missing


def staffing_compliance(enterprise, day: dt.date | None = None, rules=None) -> Compliance:
    """The staffing findings for one enterprise: what the rules require and what is missing."""
    day = day or local_today()
    setup = SafetyOrganisation.objects.filter(enterprise=enterprise).first()
    headcount = headcount_of(enterprise)
    needs = staffing_needs(enterprise.industries.values_list("pk", flat=True), headcount, rules)
    staff = list(_active_staff(enterprise, day).select_related("person"))
    counts = {role: sum(1 for s in staff if s.role == role) for role in StaffRole.values}
    has_body = bool(setup and setup.has_body)
    missing = []
    if setup is None:
        missing.append(_("The safety organisation (body, headcount) has not been declared."))
    if needs.requirement == StaffingRequirement.BODY_OR_FULL_TIME and not (
        has_body or counts[StaffRole.FULL_TIME]
    ):
        missing.append(_("A safety management body or full-time safety staff is required."))
    if needs.requirement == StaffingRequirement.STAFF and not (
        counts[StaffRole.FULL_TIME] or counts[StaffRole.PART_TIME]
    ):
        missing.append(_("Full-time or part-time safety staff are required."))
    if needs.safety_director and not counts[StaffRole.SAFETY_DIRECTOR]:
        missing.append(_("A safety director (安全总监) is required."))
    if needs.safety_engineer:
        engineers = [s.person_id for s in staff if s.role == StaffRole.SAFETY_ENGINEER]
        certified = (
            valid_certificates(day)
            .filter(person_id__in=engineers, kind__category=CertificateCategory.REGISTERED_ENGINEER)
            .exists()
        )
        if not engineers:
            missing.append(_("A registered safety engineer is required."))
        elif not certified:
            missing.append(_("No registered safety engineer holds a valid certificate."))
    return Compliance(
        enterprise, headcount, has_body, counts, needs, missing, declared=setup is not None
    )


def compliance_table(user, day: dt.date | None = None) -> list[Compliance]:
    """Staffing compliance of every enterprise in the user's scope (county-wide for 安委办)."""
    rules = list(StaffingRule.objects.all())
    enterprises = (
        Organisation.objects.restrict(user)
        .filter(kind=OrgKind.ENTERPRISE, is_active=True)
        .select_related("division")
        .order_by("path")
    )
    return [staffing_compliance(e, day, rules) for e in enterprises]


# --- generic saves with rules ----------------------------------------------------------------


def _enterprise_of(instance):
    return getattr(instance, "enterprise", None)


def _check_enterprise(instance) -> None:
    enterprise = _enterprise_of(instance)
    if enterprise is not None and enterprise.kind != OrgKind.ENTERPRISE:
        raise ValidationError({"enterprise": _("Choose an enterprise.")})


def _check_person_at(person, enterprise, field="person") -> None:
    if person is not None and enterprise is not None and person.org_id != enterprise.pk:
        raise ValidationError({field: _("This person does not belong to the enterprise.")})


def record_save(*, actor, instance, form=None):
    """Create or update a plain record of this app (staff, posts, training …), audited."""
    _check_enterprise(instance)
    _check_person_at(getattr(instance, "person", None), _enterprise_of(instance))
    return core_services.object_save(actor=actor, instance=instance, form=form)


# --- workforce: the training gate (未经培训合格不得上岗) ---------------------------------------


def _months_before(day: dt.date, months: int) -> dt.date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def qualification_problems(person, post, day: dt.date | None = None) -> list[str]:
    """Why ``person`` may not hold ``post`` on ``day`` (empty: qualified).

    A post that requires a certificate type needs one of that type valid on the day (issued,
    not expired, review not overdue); a post that requires training needs passed training
    within ``training_valid_months`` totalling at least ``training_hours`` (at least one
    passed training when no hours are set).
    """
    if post is None or person is None:
        return []
    day = day or local_today()
    problems = []
    if post.required_certificate_id:
        ok = valid_certificates(day).filter(person=person, kind_id=post.required_certificate_id)
        if not ok.exists():
            problems.append(
                _(
                    "%(person)s holds no valid “%(cert)s” certificate, which the post “%(post)s” requires."
                )
                % {"person": person, "cert": post.required_certificate, "post": post}
            )
    if post.requires_training:
        since = _months_before(day, post.training_valid_months)
        passed = TrainingRecord.objects.filter(
            person=person, passed=True, trained_on__gt=since, trained_on__lte=day
        )
        hours = sum((t.hours for t in passed), Decimal(0))
        if not passed.exists() or hours < post.training_hours:
            problems.append(
                _(
                    "%(person)s has not passed the safety training the post “%(post)s” requires "
                    "(%(hours)s of %(needed)s hours in the last %(months)s months)."
                )
                % {
                    "person": person,
                    "post": post,
                    "hours": hours.normalize() if hours else 0,
                    "needed": post.training_hours,
                    "months": post.training_valid_months,
                }
            )
    return problems


def employee_save(*, actor, instance: Employee, form=None) -> Employee:
    """Create or update an employee; a post that requires a certificate or training is
    refused to someone without a valid one (未经培训合格不得上岗)."""
    _check_enterprise(instance)
    _check_person_at(instance.person if instance.person_id else None, instance.enterprise)
    if instance.post_id and instance.post.enterprise_id != instance.enterprise_id:
        raise ValidationError({"post": _("This post belongs to another enterprise.")})
    changed_post = True
    if instance.pk:
        old = Employee.objects.filter(pk=instance.pk).values_list("post_id", flat=True).first()
        changed_post = old != instance.post_id
    if instance.post_id and instance.is_active and changed_post:
        problems = qualification_problems(instance.person, instance.post)
        if problems:
            raise ValidationError({"post": problems})
    return core_services.object_save(actor=actor, instance=instance, form=form)


def assign_post(*, actor, employee: Employee, post: Post | None) -> Employee:
    """Put an employee on a post (or none); refused without the required qualification."""
    _check(Employee, actor, employee)
    employee = Employee.objects.get(pk=employee.pk)
    employee.post = post
    return employee_save(actor=actor, instance=employee)


def unqualified_on_posts(user, day: dt.date | None = None) -> list[dict]:
    """Everyone currently on a post without the qualification it requires, in the user's
    scope (e.g. the certificate expired after the assignment)."""
    day = day or local_today()
    rows = []
    qs = (
        Employee.objects.restrict(user)
        .filter(is_active=True, post__isnull=False)
        .select_related("person", "enterprise", "post", "post__required_certificate")
        .order_by("enterprise__path", "person__name")
    )
    for employee in qs:
        problems = qualification_problems(employee.person, employee.post, day)
        if problems:
            rows.append({"employee": employee, "problems": problems})
    return rows


# --- certificates: deadline and reminders --------------------------------------------------


def certificate_save(*, actor, instance: Certificate, form=None) -> Certificate:
    """Create or update a certificate; keeps its deadline column and expiry reminder."""
    if instance.review_due and instance.review_due < instance.issued_on:
        raise ValidationError({"review_due": _("The review date is before the issue date.")})
    if instance.valid_until < instance.issued_on:
        raise ValidationError({"valid_until": _("The expiry date is before the issue date.")})
    instance.lapses_at = end_of_day(instance.last_valid_day)
    instance.state = (
        CertificateState.VALID if instance.lapses_at > clock.now() else CertificateState.LAPSED
    )
    with transaction.atomic():
        cert = core_services.object_save(actor=actor, instance=instance, form=form)
        if form is not None:
            Certificate.objects.filter(pk=cert.pk).update(
                lapses_at=instance.lapses_at, state=instance.state
            )
            cert.refresh_from_db()
        _schedule_certificate_reminder(cert)
    return cert


def _schedule_certificate_reminder(cert: Certificate) -> None:
    remind_on = cert.last_valid_day - dt.timedelta(days=CERT_REMINDER_DAYS)
    due = end_of_day(remind_on) - dt.timedelta(hours=15)  # 09:00 local on that day
    key = f"workforce-cert:{cert.pk}:{cert.last_valid_day.isoformat()}"
    Reminder.objects.filter(
        dedupe_key__startswith=f"workforce-cert:{cert.pk}:", state=Reminder.State.SCHEDULED
    ).exclude(dedupe_key=key).update(state=Reminder.State.CANCELLED)
    if due <= clock.now() or Reminder.objects.filter(dedupe_key=key).exists():
        return
    what = (
        _("review due") if cert.review_due and cert.review_due <= cert.valid_until else _("expires")
    )
    Reminder.objects.create(
        due_at=due,
        org_id=cert.person.org_id,
        subject=(
            _("Certificate %(what)s on %(day)s: %(cert)s")
            % {"what": what, "day": cert.last_valid_day.isoformat(), "cert": cert}
        )[:200],
        body=_(
            "Arrange the renewal or review before the date; after it the holder may not work on a post that requires it."
        ),
        link=f"/workforce/certificates/{cert.pk}/",
        dedupe_key=key,
    )


def certificate_lapsed(cert: Certificate) -> None:
    """Consequences of a lapse (the sweeper calls this once per lapse)."""
    audit.record(
        action="certificate.lapse",
        obj=cert,
        before={"state": CertificateState.VALID},
        after={"state": CertificateState.LAPSED, "last_valid_day": cert.last_valid_day},
    )
    posts = Employee.objects.filter(
        person=cert.person, is_active=True, post__required_certificate=cert.kind
    ).select_related("post")
    body = _("%(cert)s is no longer valid.") % {"cert": cert}
    if posts:
        body += " " + _("The holder is on a post that requires it: %(posts)s.") % {
            "posts": "、".join(str(e.post) for e in posts)
        }
    enqueue(
        subject=(_("Certificate lapsed: %(cert)s") % {"cert": cert})[:200],
        body=body,
        link="/workforce/gate/",
        recipients=_users_of([cert.person.org_id]),
        channels=(Channel.INAPP,),
        org=cert.person.org,
        dedupe_key=f"workforce-cert-lapsed:{cert.pk}:{cert.lapses_at.isoformat()}",
    )


# --- 反“三违” -------------------------------------------------------------------------------------


def breach_save(*, actor, instance: RuleBreach, form=None) -> RuleBreach:
    instance.due_at = end_of_day(instance.due_date)
    if instance.state == BreachState.OVERDUE and instance.due_at > clock.now():
        instance.state = BreachState.OPEN
    return record_save(actor=actor, instance=instance, form=form)


def close_breach(*, actor, breach: RuleBreach, note: str) -> RuleBreach:
    """The corrective action is done: the record is closed (with a note)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    with transaction.atomic():
        breach = RuleBreach.objects.select_for_update().get(pk=breach.pk)
        _check(RuleBreach, actor, breach)
        if breach.state == BreachState.CLOSED:
            raise ValidationError(_("This record is already closed."))
        before = audit.snapshot(breach)
        breach.state = BreachState.CLOSED
        breach.closed_at = clock.now()
        breach.closing_note = note[:300]
        breach.save()
        audit.record(
            action="rulebreach.close",
            obj=breach,
            actor=actor,
            before=before,
            after=audit.snapshot(breach),
        )
    return breach


# --- safety fees (财资〔2022〕136号) -----------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def required_fee(account: FeeAccount, **amounts) -> Decimal:
    """The month's required accrual from the standards calculator.

    Per-unit sectors (coal, non-coal mines, oil and gas) and construction are charged on the
    month's output or cost; the revenue-tier sectors (hazardous goods, fireworks) on the
    previous year's revenue, the annual amount accrued evenly by month (÷ 12). Rounded to
    the fen.
    """
    given = {k: v for k, v in amounts.items() if v is not None}
    try:
        sector = safety_fee.sector(account.sector)
        result = safety_fee.safety_fee(account.sector, account.category_list, **given)
    except StandardsError as exc:
        raise ValidationError(exc.zh or exc.en) from None
    fee = result.fee_yuan / 12 if sector.tiered else result.fee_yuan
    return fee.quantize(CENT, rounding=ROUND_HALF_UP)


def record_accrual(
    *,
    actor,
    account: FeeAccount,
    month: dt.date,
    output_t=None,
    output_1000m3=None,
    revenue_yuan=None,
    cost_yuan=None,
    accrued_yuan=None,
    note: str = "",
) -> FeeAccrual:
    """The enterprise enters a month's accrual; the required amount is calculated. A month
    is entered once; a returned month may be entered again."""
    _require(may_enter(actor, account.enterprise), FeeAccount, actor, account)
    month = month_start(month)
    amounts = {
        "output_t": output_t,
        "output_1000m3": output_1000m3,
        "revenue_yuan": revenue_yuan,
        "cost_yuan": cost_yuan,
    }
    required = required_fee(account, **amounts)
    accrued = required if accrued_yuan is None else Decimal(accrued_yuan).quantize(CENT)
    if accrued < 0:
        raise ValidationError({"accrued_yuan": _("The amount cannot be negative.")})
    with transaction.atomic():
        existing = (
            FeeAccrual.objects.select_for_update().filter(account=account, month=month).first()
        )
        if existing is not None and existing.state != ReviewState.RETURNED:
            raise ValidationError(
                {"month": _("%(month)s has already been entered.") % {"month": f"{month:%Y-%m}"}}
            )
        before = audit.snapshot(existing)
        row = existing or FeeAccrual(account=account, month=month)
        for key, value in amounts.items():
            setattr(row, key, value)
        row.required_yuan = required
        row.accrued_yuan = accrued
        row.note = note[:300]
        row.state = ReviewState.SUBMITTED
        row.entered_by = actor
        row.reviewer = None
        row.review_note = ""
        row.full_clean()
        row.save()
        audit.record(
            action="feeaccrual.submit",
            obj=row,
            actor=actor,
            before=before,
            after=audit.snapshot(row),
        )
        _notify_reviewers(
            account.enterprise,
            _("Safety fee accrual to review: %(obj)s") % {"obj": row},
            f"/workforce/fees/{account.pk}/",
        )
    return row


def record_spending(
    *, actor, account: FeeAccount, spent_on: dt.date, use, amount_yuan, description: str
) -> FeeSpending:
    """The enterprise enters a use of safety fees under a permitted use."""
    _require(may_enter(actor, account.enterprise), FeeAccount, actor, account)
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe what the money was spent on.")})
    with transaction.atomic():
        row = FeeSpending(
            account=account,
            spent_on=spent_on,
            use=use,
            amount_yuan=Decimal(amount_yuan).quantize(CENT),
            description=description[:300],
            entered_by=actor,
        )
        row.full_clean()
        row.save()
        audit.record(action="feespending.submit", obj=row, actor=actor, after=audit.snapshot(row))
        _notify_reviewers(
            account.enterprise,
            _("Safety fee spending to review: %(obj)s") % {"obj": row},
            f"/workforce/fees/{account.pk}/",
        )
    return row


def _notify_reviewers(enterprise, subject: str, link: str) -> None:
    enqueue(
        subject=subject[:200],
        link=link,
        recipients=_supervisor_users(enterprise),
        channels=(Channel.INAPP,),
        org=enterprise,
    )


def _decide(decision: str, note: str) -> str:
    note = (note or "").strip()
    if decision not in ("accept", "return"):
        raise ValidationError({"decision": _("Choose accept or return.")})
    if decision == "return" and not note:
        raise ValidationError({"note": _("Say why it is returned.")})
    return note


def review_fee_entry(*, actor, entry, decision: str, note: str = ""):
    """The supervising department accepts (审核通过) or returns (退回, with a reason) an
    accrual or spending entry; the enterprise is told."""
    note = _decide(decision, note)
    model = type(entry)
    if model not in (FeeAccrual, FeeSpending):
        raise TypeError("not a fee entry")
    with transaction.atomic():
        entry = (
            model.objects.select_for_update().select_related("account__enterprise").get(pk=entry.pk)
        )
        enterprise = entry.account.enterprise
        _require(may_review(actor, enterprise), model, actor, entry)
        if entry.state != ReviewState.SUBMITTED:
            raise ValidationError(_("This entry has already been reviewed."))
        before = audit.snapshot(entry)
        entry.state = ReviewState.ACCEPTED if decision == "accept" else ReviewState.RETURNED
        entry.reviewer = actor
        entry.review_note = note[:300]
        entry.save()
        audit.record(
            action=f"{model._meta.model_name}.{decision}",
            obj=entry,
            actor=actor,
            before=before,
            after=audit.snapshot(entry),
        )
        subject = (_("Accepted: %(obj)s") if decision == "accept" else _("Returned: %(obj)s")) % {
            "obj": entry
        }
        enqueue(
            subject=subject[:200],
            body=note,
            link=f"/workforce/fees/{entry.account_id}/",
            recipients=_enterprise_users(enterprise),
            channels=(Channel.INAPP,),
            org=enterprise,
        )
    return entry


@dataclass
class LedgerMonth:
    month: dt.date
    required: Decimal
    accrued: Decimal
    spent: Decimal
    balance: Decimal
    accrual: FeeAccrual | None

    @property
    def under_extracted(self) -> bool:
        return self.accrual is not None and self.accrued < self.required

    @property
    def negative(self) -> bool:
        return self.balance < 0


def ledger(account: FeeAccount, year: int | None = None) -> dict:
    """The account month by month: required, accrued, spent and the running balance
    (opening balance + accrued − spent, returned entries left out), with the flags:
    under-extraction (accrued less than required in a month) and a negative balance."""
    accruals = {
        a.month: a for a in account.accruals.exclude(state=ReviewState.RETURNED).order_by("month")
    }
    spent_by_month: dict[dt.date, Decimal] = {}
    for s in account.spendings.exclude(state=ReviewState.RETURNED):
        key = month_start(s.spent_on)
        spent_by_month[key] = spent_by_month.get(key, Decimal(0)) + s.amount_yuan
    months = sorted(set(accruals) | set(spent_by_month))
    balance = account.opening_balance
    rows = []
    for m in months:
        a = accruals.get(m)
        accrued = a.accrued_yuan if a else Decimal(0)
        required = a.required_yuan if a else Decimal(0)
        spent = spent_by_month.get(m, Decimal(0))
        balance = balance + accrued - spent
        rows.append(LedgerMonth(m, required, accrued, spent, balance, a))
    shown = [r for r in rows if year is None or r.month.year == year]
    return {
        "months": shown,
        "balance": balance,
        "required": sum((r.required for r in shown), Decimal(0)),
        "accrued": sum((r.accrued for r in shown), Decimal(0)),
        "spent": sum((r.spent for r in shown), Decimal(0)),
        "under_extracted": [r for r in shown if r.under_extracted],
        "negative": [r for r in shown if r.negative],
        "flagged": any(r.under_extracted or r.negative for r in shown) or balance < 0,
        "chart": {
            "labels": [f"{r.month:%Y-%m}" for r in shown],
            "series": [
                {"name": _("Accrued"), "values": [float(r.accrued) for r in shown]},
                {"name": _("Spent"), "values": [float(r.spent) for r in shown]},
                {"name": _("Balance"), "values": [float(r.balance) for r in shown]},
            ],
        },
    }


# --- 五到位 -------------------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(19|20)\d{2}(-(H1|H2|Q[1-4]))?$")
EVIDENCE_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


def check_evidence_file(upload) -> str:
    """An evidence file must be a PDF, PNG or JPEG (judged by its content) of at most 5 MB."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is %(size)s bytes; at most 5 MB is accepted.") % {"size": upload.size}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, kind in EVIDENCE_SIGNATURES:
        if head.startswith(magic):
            return kind
    raise ValidationError(_("Only PDF, PNG or JPEG files are accepted as evidence."))


def submit_five_check(*, actor, enterprise, period: str, items: dict) -> FiveCheck:
    """The enterprise submits its 五到位 self-check for a period. ``items`` maps each aspect
    (责任、投入、培训、管理、应急救援) to ``(in_place, evidence text, file or None)``; all five are
    required. A returned check may be submitted again (its items are replaced)."""
    _require(may_enter(actor, enterprise), Organisation, actor, enterprise)
    period = (period or "").strip().upper()
    if not PERIOD_RE.match(period):
        raise ValidationError({"period": _("Enter a year such as 2024, or 2024-H1, 2024-Q3.")})
    errors = {}
    for aspect in FiveAspect.values:
        if aspect not in items:
            errors[aspect] = _("Every aspect must be answered.")
            continue
        _in_place, evidence, upload = items[aspect]
        if not (evidence or "").strip():
            errors[aspect] = _("Describe the evidence.")
        elif upload:
            try:
                check_evidence_file(upload)
            except ValidationError as exc:
                errors[aspect] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        check = (
            FiveCheck.objects.select_for_update()
            .filter(enterprise=enterprise, period=period)
            .first()
        )
        if check is not None and check.state != ReviewState.RETURNED:
            raise ValidationError(
                {
                    "period": _("The self-check for %(period)s has already been submitted.")
                    % {"period": period}
                }
            )
        before = audit.snapshot(check)
        if check is None:
            check = FiveCheck(enterprise=enterprise, period=period)
        check.state = ReviewState.SUBMITTED
        check.submitted_at = clock.now()
        check.submitted_by = actor
        check.reviewer = None
        check.reviewed_at = None
        check.review_note = ""
        check.save()
        check.items.all().delete()
        for aspect in FiveAspect.values:
            in_place, evidence, upload = items[aspect]
            item = FiveCheckItem(
                self_check=check, aspect=aspect, in_place=bool(in_place), evidence=evidence.strip()
            )
            if upload:
                kind = check_evidence_file(upload)
                item.file.save(f"{period}-{aspect}.{kind}", upload, save=False)
            item.save()
        audit.record(
            action="fivecheck.submit",
            obj=check,
            actor=actor,
            before=before,
            after={
                **audit.snapshot(check),
                "items": {a: bool(items[a][0]) for a in FiveAspect.values},
            },
        )
        _notify_reviewers(
            enterprise,
            _("Five-in-place self-check to review: %(obj)s") % {"obj": check},
            f"/workforce/five/{check.pk}/",
        )
    return check


def review_five_check(*, actor, check: FiveCheck, decision: str, note: str = "") -> FiveCheck:
    """The supervising department accepts or returns (with a reason) a self-check."""
    note = _decide(decision, note)
    with transaction.atomic():
        check = FiveCheck.objects.select_for_update().select_related("enterprise").get(pk=check.pk)
        _require(may_review(actor, check.enterprise), FiveCheck, actor, check)
        if check.state != ReviewState.SUBMITTED:
            raise ValidationError(_("This self-check has already been reviewed."))
        before = audit.snapshot(check)
        check.state = ReviewState.ACCEPTED if decision == "accept" else ReviewState.RETURNED
        check.reviewer = actor
        check.reviewed_at = clock.now()
        check.review_note = note[:300]
        check.save()
        audit.record(
            action=f"fivecheck.{decision}",
            obj=check,
            actor=actor,
            before=before,
            after=audit.snapshot(check),
        )
        subject = (_("Accepted: %(obj)s") if decision == "accept" else _("Returned: %(obj)s")) % {
            "obj": check
        }
        enqueue(
            subject=subject[:200],
            body=note,
            link=f"/workforce/five/{check.pk}/",
            recipients=_enterprise_users(check.enterprise),
            channels=(Channel.INAPP,),
            org=check.enterprise,
        )
    return check


# --- principal scoring (主要负责人安全生产考核记分) -------------------------------------------


def is_principal(person, enterprise, day: dt.date | None = None) -> bool:
    from django.db.models import Q

    day = day or local_today()
    return (
        Position.objects.filter(person=person, org=enterprise, kind=PositionKind.PRINCIPAL)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exists()
    )


def principals(user):
    """(person, enterprise) of every principal of an enterprise in the user's scope."""
    return (
        Position.objects.restrict(user)
        .filter(kind=PositionKind.PRINCIPAL, org__kind=OrgKind.ENTERPRISE, end_date__isnull=True)
        .select_related("person", "org")
        .order_by("org__path")
    )


def current_cycle(person, enterprise, day: dt.date, policy: ScoringPolicy | None = None):
    """The cycle that a deduction on ``day`` counts in (created when missing). The cycle
    resets each year on the policy's start date; after a cleared cycle a fresh one starts."""
    policy = policy or ScoringPolicy.current()
    start, end = policy.cycle_for(day)
    cycle = (
        ScoreCycle.objects.filter(
            person=person, enterprise=enterprise, starts_on__lte=day, ends_on__gte=day
        )
        .exclude(state=CycleState.CLEARED)
        .order_by("-starts_on", "-pk")
        .first()
    )
    if cycle is None:
        cleared = (
            ScoreCycle.objects.filter(
                person=person,
                enterprise=enterprise,
                state=CycleState.CLEARED,
                starts_on__lte=day,
                ends_on__gte=day,
            )
            .order_by("-pk")
            .first()
        )
        if cleared is not None:
            start = max(start, cleared.cleared_at.astimezone(ZoneInfo(settings.TIME_ZONE)).date())
        cycle = ScoreCycle.objects.create(
            person=person,
            enterprise=enterprise,
            starts_on=start,
            ends_on=end,
            threshold=policy.threshold,
        )
    return cycle


def deduct_points(
    *, actor, person, enterprise, violation: ViolationType, occurred_on: dt.date, note: str = ""
) -> ScoreDeduction:
    """The supervising department records a violation against an enterprise principal.
    The points add up in the cycle containing the date; reaching the threshold (12 by
    default) requires retraining and an exam by a deadline, and tells the supervising
    departments and the enterprise."""
    _require(may_review(actor, enterprise), Organisation, actor, enterprise)
    if not is_principal(person, enterprise, occurred_on):
        raise ValidationError({"person": _("This person is not a principal of the enterprise.")})
    if occurred_on > local_today():
        raise ValidationError({"occurred_on": _("The date is in the future.")})
    if occurred_on.year < 2000:
        raise ValidationError({"occurred_on": _("Enter a date from 2000 on.")})
    policy = ScoringPolicy.current()
    with transaction.atomic():
        cycle = current_cycle(person, enterprise, occurred_on, policy)
        cycle = ScoreCycle.objects.select_for_update().get(pk=cycle.pk)
        before = audit.snapshot(cycle)
        deduction = ScoreDeduction.objects.create(
            cycle=cycle,
            violation=violation,
            points=violation.points,
            occurred_on=occurred_on,
            note=(note or "")[:300],
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        cycle.points += violation.points
        reached = cycle.state == CycleState.OPEN and cycle.points >= cycle.threshold
        if reached:
            now = clock.now()
            cycle.state = CycleState.REACHED
            cycle.reached_at = now
            cycle.retrain_due_at = now + dt.timedelta(days=policy.retraining_days)
        cycle.save()
        audit.record(
            action="scorededuction.create",
            obj=deduction,
            actor=actor,
            after={**audit.snapshot(deduction), "cycle_points": cycle.points},
        )
        if reached:
            audit.record(
                action="scorecycle.reached",
                obj=cycle,
                actor=actor,
                before=before,
                after=audit.snapshot(cycle),
            )
            _notify_reached(cycle, policy)
    return deduction


def _notify_reached(cycle: ScoreCycle, policy: ScoringPolicy) -> None:
    due = cycle.retrain_due_at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d")
    recipients = _supervisor_users(cycle.enterprise) + _enterprise_users(cycle.enterprise)
    enqueue(
        subject=(
            _("%(person)s (%(enterprise)s) has reached %(points)s points")
            % {"person": cycle.person, "enterprise": cycle.enterprise, "points": cycle.points}
        )[:200],
        body=_("Consequence: %(consequence)s. Deadline: %(due)s.")
        % {"consequence": policy.consequence, "due": due},
        link=f"/workforce/scoring/{cycle.pk}/",
        recipients=recipients,
        channels=(Channel.INAPP,),
        org=cycle.enterprise,
        dedupe_key=f"workforce-score-reached:{cycle.pk}",
    )


def clear_cycle(*, actor, cycle: ScoreCycle, note: str = "") -> ScoreCycle:
    """The department records that the principal retrained and passed the exam: the cycle
    is cleared (later violations count in a fresh cycle)."""
    with transaction.atomic():
        cycle = ScoreCycle.objects.select_for_update().select_related("enterprise").get(pk=cycle.pk)
        _require(may_review(actor, cycle.enterprise), ScoreCycle, actor, cycle)
        if cycle.state not in (CycleState.REACHED, CycleState.OVERDUE):
            raise ValidationError(_("Only a cycle that reached the threshold can be cleared."))
        before = audit.snapshot(cycle)
        cycle.state = CycleState.CLEARED
        cycle.cleared_at = clock.now()
        cycle.save()
        audit.record(
            action="scorecycle.clear",
            obj=cycle,
            actor=actor,
            before=before,
            after={**audit.snapshot(cycle), "note": note[:300]},
        )
    return cycle


def retraining_overdue(cycle: ScoreCycle) -> None:
    audit.record(
        action="scorecycle.overdue",
        obj=cycle,
        before={"state": CycleState.REACHED},
        after={"state": CycleState.OVERDUE},
    )
    enqueue(
        subject=(
            _("Retraining overdue: %(person)s (%(enterprise)s)")
            % {"person": cycle.person, "enterprise": cycle.enterprise}
        )[:200],
        link=f"/workforce/scoring/{cycle.pk}/",
        recipients=_supervisor_users(cycle.enterprise) + _enterprise_users(cycle.enterprise),
        channels=(Channel.INAPP,),
        org=cycle.enterprise,
        dedupe_key=f"workforce-score-overdue:{cycle.pk}",
    )


def breach_overdue(breach: RuleBreach) -> None:
    audit.record(
        action="rulebreach.overdue",
        obj=breach,
        before={"state": BreachState.OPEN},
        after={"state": BreachState.OVERDUE},
    )
    enqueue(
        subject=(_("Corrective action overdue: %(obj)s") % {"obj": breach})[:200],
        link=f"/workforce/breaches/{breach.pk}/",
        recipients=_enterprise_users(breach.enterprise),
        channels=(Channel.INAPP,),
        org=breach.enterprise,
        dedupe_key=f"workforce-breach-overdue:{breach.pk}",
    )


def new_person(*, enterprise, name: str, mobile: str = "", title: str = "") -> Person:
    return Person.objects.create(org=enterprise, name=name, mobile=mobile, title=title)
