"""State changes of the emergency app (audited) and the rules they apply."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from dixian.core import audit, clock
from dixian.core.choices import Action
from dixian.core.models import User
from dixian.core.notify import enqueue

from .models import (
    MAX_PLAN_BYTES,
    ActionState,
    DrillAction,
    Plan,
    PlanRecord,
    PlanRule,
    PlanVersion,
    RecordKind,
    ReserveItem,
    StockMovement,
)

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")
DEFAULT_EVALUATION_MONTHS = 36  # 88号令 Art. 35: every three years for the listed units


def end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL)


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def today() -> dt.date:
    return clock.now().astimezone(LOCAL).date()


def _check(actor, obj, action=Action.CHANGE):
    if not type(obj)._default_manager.restrict(actor, action).filter(pk=obj.pk).exists():
        raise Http404


def evaluation_months(plan: Plan) -> int:
    rule = (
        PlanRule.objects.filter(level=plan.level, kind=plan.kind).first()
        or PlanRule.objects.filter(level=plan.level, kind="").first()
    )
    return rule.evaluation_months if rule else DEFAULT_EVALUATION_MONTHS


def plan_evaluation_due(plan: Plan) -> dt.datetime | None:
    base = plan.evaluated_on or plan.published_on
    if not base or not plan.in_force:
        return None
    return end_of_day(add_months(base, evaluation_months(plan)))


# Plan documents: PDF, Word (.doc OLE / .docx zip), OFD (zip). By content, not by name.
MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def check_plan_file(upload) -> bytes:
    if upload.size > MAX_PLAN_BYTES:
        raise ValidationError({"file": _("The file is larger than 20 MB.")})
    data = upload.read()
    if not any(data.startswith(m) for m in MAGIC):
        raise ValidationError({"file": _("Only PDF, Word or OFD documents are accepted.")})
    return data


@transaction.atomic
def upload_version(*, actor, plan: Plan, upload, version: str, note: str = "") -> PlanVersion:
    _check(actor, plan)
    data = check_plan_file(upload)
    upload.seek(0)
    v = PlanVersion(
        plan=plan,
        version=version,
        note=note,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_at=clock.now(),
        uploaded_by=actor,
    )
    v.file.save(upload.name.rsplit("/", 1)[-1][:80], upload, save=False)
    v.save()
    audit.record(action="plan.upload", obj=plan, after={"version": version, "sha256": v.sha256})
    return v


@transaction.atomic
def add_record(*, actor, plan: Plan, record: PlanRecord) -> PlanRecord:
    """A review, filing, evaluation or revision; the last two restart the evaluation cycle."""
    _check(actor, plan)
    record.plan = plan
    record.full_clean()
    record.save()
    if record.kind in (RecordKind.EVALUATION, RecordKind.REVISION):
        if plan.evaluated_on is None or record.on > plan.evaluated_on:
            plan.evaluated_on = record.on
            plan.save()
    audit.record(action="plan.record", obj=plan, after=audit.snapshot(record), actor=actor)
    return record


def notify_org(org, subject, link, key):
    enqueue(
        subject=subject,
        link=link,
        recipients=list(User.objects.filter(org=org, is_active=True)),
        org=org,
        dedupe_key=key,
    )


@transaction.atomic
def close_action(*, actor, action: DrillAction, on: dt.date, note: str) -> DrillAction:
    _check(actor, action)
    if action.state == ActionState.CLOSED:
        raise ValidationError(_("Already closed."))
    if not note.strip():
        raise ValidationError({"closing_note": _("Say how it was done.")})
    before = {"state": action.state}
    action.state, action.closed_on, action.closing_note = ActionState.CLOSED, on, note.strip()
    action.save()
    audit.record(action="drillaction.close", obj=action, before=before, after={"on": on})
    return action


@transaction.atomic
def move_stock(*, actor, item: ReserveItem, delta: Decimal, reason: str) -> StockMovement:
    """Stock in (+) or out (−); the quantity never goes below zero."""
    _check(actor, item)
    if delta == 0:
        raise ValidationError({"delta": _("The change cannot be zero.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    updated = ReserveItem.objects.filter(pk=item.pk, quantity__gte=-delta).update(
        quantity=F("quantity") + delta
    )
    if not updated:
        raise ValidationError({"delta": _("Not enough in stock.")})
    m = StockMovement.objects.create(
        item=item, at=clock.now(), delta=delta, reason=reason.strip(), by=actor
    )
    item.refresh_from_db()
    audit.record(action="stock.move", obj=item, after={"delta": delta, "quantity": item.quantity})
    return m


def send_drill_reminders(*, actor, rows) -> int:
    """Remind every organisation whose drill is due or late (once per rule, org and due date)."""
    n = 0
    link = reverse("emergency:compliance")
    for row in rows:
        if row["status"] not in ("due", "late"):
            continue
        key = f"drill:{row['rule'].pk}:{row['org'].pk}:{row['due'] or 'none'}"
        subject = _("Drill due: %(rule)s") % {"rule": row["rule"].name}
        with transaction.atomic():
            notify_org(row["org"], subject, link, key)
            n += 1
    audit.record(action="drill.remind", object_type="emergency.drillrule", after={"orgs": n})
    return n


class _CountyWide:
    """The whole county, for scheduled jobs that act for no particular user."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    role = "admin"
    org = None
    pk = None


def remind_due_drills(day: dt.date | None = None) -> int:
    """The daily job: remind every organisation whose drill is due or late. The dedupe key
    (rule, organisation, due date) makes each reminder go out once per due date, however
    often this runs."""
    from . import selectors

    return send_drill_reminders(actor=None, rows=selectors.compliance(_CountyWide(), day=day))
