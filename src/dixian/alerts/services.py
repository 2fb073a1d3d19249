"""Alerts services: every state change of a warning and its 叫应 goes through here.

Lifecycle (the notice's （二十）: 直达基层责任人的预警"叫应"和跟踪反馈机制):

- ``draft_warning`` → ``approve_warning`` (a second person, never the drafter) →
  ``release_warning``: targets from area × roles, one outbox SMS each (plus the in-app inbox
  for people with a login), the wake clock started (``due_at``), 响应 duties for the
  targeted enterprises.
- ``escalate_due`` (the deadline handler): a target silent past the wake target is called
  again by voice, then the next person on the ladder (deputy, then superior;
  ``settings.ALERTS_LADDER``); an exhausted ladder marks the target unanswered.
- ``acknowledge`` (link, SMS reply code, signed-in page, API), ``submit_feedback`` (回应),
  ``confirm_response`` (响应, e.g. 停产撤人 with the number withdrawn).
- ``make_update`` (raise or lower the level: a new draft linked to the earlier warning, which
  is superseded when the update is released), ``cancel_warning``, ``expire_due``.

Every step writes a ``WarningEvent`` (有叫有应有记录) and an audit event.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dixian.core import audit, clock
from dixian.core.choices import Action, Channel, MessageState, OrgKind, PositionKind
from dixian.core.models import Division, Organisation, Person, Position, User
from dixian.core.notify import bulk_insert, enqueue, enqueue_values

from . import catalogue, geo
from .models import (
    AckChannel,
    ContactEntry,
    EnterpriseResponse,
    EventKind,
    Feedback,
    ResponseState,
    TargetRole,
    TargetState,
    Warning,
    WarningEvent,
    WarningState,
    WarningTarget,
)

log = logging.getLogger(__name__)

DEFAULT_LADDER = ("voice", "deputy", "superior")
ACK_SALT = "dixian.alerts.ack"


class WarningClosed(Exception):
    """The warning was cancelled, superseded or has expired: nothing more to acknowledge."""


def ladder() -> tuple[str, ...]:
    """The escalation ladder after the first call: ``voice`` (call the same person again by
    voice), ``deputy``, ``superior`` — in the configured order."""
    return tuple(getattr(settings, "ALERTS_LADDER", DEFAULT_LADDER))


def wake_minutes_for(level: str) -> int:
    """The wake target of a level (长治/朔州: 5 分钟内叫醒); ``ALERTS_WAKE_MINUTES`` overrides."""
    override = getattr(settings, "ALERTS_WAKE_MINUTES", {}) or {}
    if level in override:
        return int(override[level])
    entry = catalogue.level(level)
    return int(entry["wake_minutes"]) if entry else 5


def base_url() -> str:
    return (
        getattr(settings, "DIXIAN_BASE_URL", "") or os.environ.get("DIXIAN_BASE_URL", "")
    ).rstrip("/")


def ack_token(target_id: int) -> str:
    return signing.Signer(salt=ACK_SALT).sign(str(target_id))


def target_for_token(token: str) -> WarningTarget | None:
    try:
        pk = int(signing.Signer(salt=ACK_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return WarningTarget.objects.select_related("warning").filter(pk=pk).first()


def ack_link(target_id: int) -> str:
    return base_url() + reverse("alerts:ack", args=[ack_token(target_id)])


def _reply_code() -> str:
    return f"{secrets.randbelow(900000) + 100000}"


def _next_number(now) -> str:
    year = now.year
    prefix = f"PL-{year}-"
    last = (
        Warning.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def _event(warning, kind, target=None, channel="", detail="", at=None) -> WarningEvent:
    return WarningEvent(
        warning=warning,
        target=target,
        at=at or clock.now(),
        kind=kind,
        channel=channel,
        detail=detail[:300],
    )


def _check_change(actor, warning):
    if (
        actor is not None
        and not Warning.objects.restrict(actor, Action.CHANGE).filter(pk=warning.pk).exists()
    ):
        raise PermissionDenied


# ---------------------------------------------------------------- drafting and approval


def validate_fields(*, kind, level, effective_at, expires_at, divisions, polygon):
    errors = {}
    if catalogue.warning_type(kind) is None:
        errors["kind"] = _("Unknown warning type.")
    elif not catalogue.valid_level(kind, level):
        errors["level"] = _("This warning type has no %(level)s level.") % {
            "level": catalogue.label(catalogue.level(level)) or level
        }
    if expires_at <= effective_at:
        errors["expires_at"] = _("The warning must expire after it takes effect.")
    if polygon:
        problem = geo.polygon_problem(polygon)
        if problem:
            errors["polygon"] = problem
    if not divisions and not polygon:
        errors["divisions"] = _("Choose townships or villages, or draw the area on the map.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def draft_warning(
    *,
    actor,
    kind: str,
    level: str,
    headline: str,
    text: str,
    effective_at: dt.datetime,
    expires_at: dt.datetime,
    divisions=(),
    polygon=None,
    roles=None,
    instruction: str = "",
    area_desc: str = "",
    issuer=None,
    previous=None,
    source: str = "manual",
    cap: dict | None = None,
) -> Warning:
    """Write a draft warning (草稿). The drafter's organisation issues it."""
    divisions = list(divisions)
    validate_fields(
        kind=kind,
        level=level,
        effective_at=effective_at,
        expires_at=expires_at,
        divisions=divisions,
        polygon=polygon,
    )
    issuer = issuer or getattr(actor, "org", None)
    if issuer is None:
        issuer = Organisation.objects.filter(kind=OrgKind.GOVERNMENT).order_by("pk").first()
    if actor is not None and not Warning.scope_may_create(actor):
        raise PermissionDenied
    now = clock.now()
    warning = Warning.objects.create(
        number=_next_number(now),
        kind=kind,
        level=level,
        headline=headline[:200],
        text=text,
        instruction=instruction,
        polygon=polygon or None,
        area_desc=area_desc[:500] or "、".join(d.name for d in divisions)[:500],
        roles=list(roles) if roles else [r.value for r in TargetRole if r != "escalation"],
        effective_at=effective_at,
        expires_at=expires_at,
        wake_minutes=wake_minutes_for(level),
        issuer=issuer,
        drafter=actor,
        drafted_at=now,
        previous=previous,
        source=source,
        **(cap or {}),
    )
    warning.divisions.set(divisions)
    audit.record(
        action="warning.draft",
        obj=warning,
        actor=actor,
        after={"kind": kind, "level": level, "divisions": [d.pk for d in divisions]},
    )
    return warning


@transaction.atomic
def approve_warning(*, actor, warning: Warning) -> Warning:
    """A second person approves the draft (审核); the drafter may not approve their own."""
    _check_change(actor, warning)
    if actor is not None and warning.drafter_id == actor.pk:
        raise ValidationError(_("A warning must be approved by someone other than its drafter."))
    moved = Warning.objects.filter(pk=warning.pk, state=WarningState.DRAFT).update(
        state=WarningState.APPROVED, approver=actor, approved_at=clock.now()
    )
    if not moved:
        raise ValidationError(_("Only a draft can be approved."))
    warning.refresh_from_db()
    audit.record(
        action="warning.approve",
        obj=warning,
        actor=actor,
        before={"state": WarningState.DRAFT},
        after={"state": warning.state},
    )
    return warning


EDITABLE_FIELDS = (
    "kind",
    "level",
    "headline",
    "text",
    "instruction",
    "effective_at",
    "expires_at",
    "divisions",
    "polygon",
    "roles",
)


def may_edit(actor, warning: Warning) -> bool:
    """A draft, or an approved warning not yet released, is editable by its drafter."""
    return (
        actor is not None
        and warning.state in (WarningState.DRAFT, WarningState.APPROVED)
        and warning.drafter_id is not None
        and warning.drafter_id == actor.pk
    )


@transaction.atomic
def edit_draft(
    *,
    actor,
    warning: Warning,
    kind: str,
    level: str,
    headline: str,
    text: str,
    effective_at: dt.datetime,
    expires_at: dt.datetime,
    divisions=(),
    polygon=None,
    roles=None,
    instruction: str = "",
) -> Warning:
    """The drafter changes a warning before its release, with the same validation as
    ``draft_warning``. An approved warning goes back to draft: the approval was of the old
    text, so a second person approves again."""
    _check_change(actor, warning)
    divisions = list(divisions)
    validate_fields(
        kind=kind,
        level=level,
        effective_at=effective_at,
        expires_at=expires_at,
        divisions=divisions,
        polygon=polygon,
    )
    current = Warning.objects.select_for_update().get(pk=warning.pk)
    if not may_edit(actor, current):
        if current.state not in (WarningState.DRAFT, WarningState.APPROVED):
            raise ValidationError(_("Only a warning that is not yet released can be edited."))
        raise PermissionDenied
    before = audit.snapshot(current, list(EDITABLE_FIELDS) + ["state", "wake_minutes"])
    current.kind = kind
    current.level = level
    current.headline = headline[:200]
    current.text = text
    current.instruction = instruction
    current.effective_at = effective_at
    current.expires_at = expires_at
    current.polygon = polygon or None
    current.area_desc = "、".join(d.name for d in divisions)[:500]
    current.roles = list(roles) if roles else [r.value for r in TargetRole if r != "escalation"]
    current.wake_minutes = wake_minutes_for(level)
    if current.state == WarningState.APPROVED:
        current.state = WarningState.DRAFT
        current.approver = None
        current.approved_at = None
    current.save()
    current.divisions.set(divisions)
    audit.record(
        action="warning.edit",
        obj=current,
        actor=actor,
        before=before,
        after=audit.snapshot(current, list(EDITABLE_FIELDS) + ["state", "wake_minutes"]),
    )
    return current


# ---------------------------------------------------------------- targets


def area_division_ids(warning: Warning) -> set[int]:
    """Divisions in the area: chosen ones with everything below them, plus those whose
    centre lies inside the drawn polygon (with their subtrees)."""
    roots = list(warning.divisions.all())
    if warning.polygon:
        for d in Division.objects.filter(latitude__isnull=False, longitude__isnull=False):
            if geo.contains(warning.polygon, float(d.latitude), float(d.longitude)):
                roots.append(d)
    if not roots:
        return set()
    q = Q()
    for d in roots:
        q |= Q(path__startswith=d.path)
    return set(Division.objects.filter(q).values_list("pk", flat=True))


def _townships_of(division_ids) -> set[int]:
    ids = set()
    for d in Division.objects.filter(pk__in=division_ids).select_related("parent"):
        if d.level == "township":
            ids.add(d.pk)
        elif d.level == "village" and d.parent_id:
            ids.add(d.parent_id)
    return ids


def _industry_codes(enterprise) -> set[str]:
    codes = set()
    for ind in enterprise.industries.all():
        codes.add(ind.code)
        if ind.parent_id:
            codes.add(ind.parent.code)
    return codes


def area_enterprises(warning: Warning, division_ids=None):
    """Enterprises located in the area (by division, or inside the polygon)."""
    division_ids = area_division_ids(warning) if division_ids is None else division_ids
    found = {}
    base = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True).prefetch_related(
        "industries__parent"
    )
    for e in base.filter(division__in=division_ids):
        found[e.pk] = e
    if warning.polygon:
        for e in base.filter(latitude__isnull=False, longitude__isnull=False):
            if geo.contains(warning.polygon, float(e.latitude), float(e.longitude)):
                found[e.pk] = e
    return list(found.values())


def _guarantors(enterprise_ids) -> list[Person]:
    """包保 leaders of the enterprises, from the duties app when it offers them."""
    try:
        from dixian.duties.selectors import guarantor_people_for
    except (ImportError, AttributeError):
        return []
    try:
        found = guarantor_people_for(list(enterprise_ids))
    except Exception:  # another app's selector must not stop a warning
        log.exception("guarantor_people_for failed")
        return []
    people = []
    for item in found or []:
        person = item.get("person") if isinstance(item, dict) else item
        if isinstance(person, Person):
            people.append(person)
    return people


@dataclass
class Planned:
    """One person to call: plain values (a release plans thousands)."""

    person_id: int
    name: str
    mobile: str
    role: str
    org_id: int | None
    division_id: int | None
    deputy_id: int | None = None
    superior_id: int | None = None


_PERSON_COLUMNS = ("person_id", "person__name", "person__mobile", "person__is_active")


def plan_targets(warning: Warning) -> tuple[list[Planned], list]:
    """Who is called for this warning (area × roles), and the enterprises in the area with
    the affected industries. Each person once (the first role found wins). Read as values
    (no model instances): the 叫应 directory of an area can hold thousands of people."""
    roles = set(warning.roles or [])
    division_ids = area_division_ids(warning)
    townships = _townships_of(division_ids)
    planned: dict[int, Planned] = {}

    def add(row, role, org_id, division_id, deputy_id=None, superior_id=None):
        person_id, name, mobile, active = row
        if person_id is None or person_id in planned or not active:
            return
        planned[person_id] = Planned(
            person_id, name[:50], mobile or "", role, org_id, division_id, deputy_id, superior_id
        )

    township_principals: dict[int, int] = {}
    entries = (
        ContactEntry.objects.filter(is_active=True, role__in=roles)
        .filter(
            Q(division__in=division_ids)
            | Q(role=TargetRole.TOWNSHIP_PRINCIPAL, division__in=townships)
        )
        .order_by("role", "pk")
        .values_list(*_PERSON_COLUMNS, "role", "org_id", "division_id", "deputy_id", "superior_id")
    )
    for *person, role, org_id, division_id, deputy_id, superior_id in entries:
        if role == TargetRole.TOWNSHIP_PRINCIPAL:
            township_principals.setdefault(division_id, person[0])
        add(person, role, org_id, division_id, deputy_id, superior_id)

    def positions(q):
        return (
            Position.objects.filter(q, person__is_active=True)
            .order_by("pk")
            .values_list(*_PERSON_COLUMNS, "org_id", "org__division_id")
        )

    if TargetRole.TOWNSHIP_PRINCIPAL in roles:
        for *person, org_id, division_id in positions(
            Q(
                kind=PositionKind.PRINCIPAL,
                org__kind=OrgKind.TOWNSHIP_GOVERNMENT,
                org__division__in=townships,
            )
        ):
            township_principals.setdefault(division_id, person[0])
            add(person, TargetRole.TOWNSHIP_PRINCIPAL, org_id, division_id)
    if TargetRole.VILLAGE_FLOOD in roles:
        for *person, org_id, division_id in positions(
            Q(kind=PositionKind.FLOOD_CONTROL, org__division__in=division_ids)
        ):
            add(person, TargetRole.VILLAGE_FLOOD, org_id, division_id)

    affected = catalogue.affected_industries(warning.kind, warning.level)
    enterprises = [
        e for e in area_enterprises(warning, division_ids) if _industry_codes(e) & affected
    ]
    if TargetRole.ENTERPRISE_PRINCIPAL in roles and enterprises:
        ids = [e.pk for e in enterprises]
        deputies = {}
        for org_id, person_id in Position.objects.filter(
            org__in=ids,
            kind__in=[PositionKind.DEPUTY, PositionKind.SAFETY_DIRECTOR],
            person__is_active=True,
        ).values_list("org_id", "person_id"):
            deputies.setdefault(org_id, person_id)
        for *person, org_id, division_id, level, parent_id in (
            Position.objects.filter(org__in=ids, kind=PositionKind.PRINCIPAL)
            .order_by("org__name", "pk")
            .values_list(
                *_PERSON_COLUMNS,
                "org_id",
                "org__division_id",
                "org__division__level",
                "org__division__parent_id",
            )
        ):
            township_id = division_id if level == "township" else parent_id
            add(
                person,
                TargetRole.ENTERPRISE_PRINCIPAL,
                org_id,
                division_id,
                deputies.get(org_id),
                township_principals.get(township_id),
            )
    if TargetRole.GUARANTOR in roles and enterprises:
        for person in _guarantors(e.pk for e in enterprises):
            add(
                (person.pk, person.name, person.mobile, person.is_active),
                TargetRole.GUARANTOR,
                person.org_id,
                None,
            )
    return list(planned.values()), enterprises


def _users_by_person(person_ids) -> dict[int, int]:
    return dict(
        User.objects.filter(person_id__in=list(person_ids), is_active=True).values_list(
            "person_id", "pk"
        )
    )


def _call_messages(warning, targets, channels, prefix="") -> list[dict]:
    """Outbox rows (plain values for ``enqueue_values``) calling each target: the phone
    channels, and the inbox for people with a login. ``targets`` need ``pk``,
    ``person_id``, ``mobile``, ``org_id`` and ``reply_code``."""
    users = _users_by_person(t.person_id for t in targets if t.person_id)
    now = clock.now()
    signer = signing.Signer(salt=ACK_SALT)
    path_prefix = reverse("alerts:ack", args=["0"])[: -len("0/")]
    site = base_url()
    subject = f"{prefix}【{warning.level_label}{_('warning')}】{warning.headline}"[:200]
    template = _("%(text)s Tap to acknowledge: %(link)s or reply %(code)s by SMS. (%(number)s)")
    text = warning.text[:140]
    rows = []
    for t in targets:
        path = f"{path_prefix}{signer.sign(str(t.pk))}/"
        link = site + path
        body = template % {
            "text": text,
            "link": link,
            "code": t.reply_code,
            "number": warning.number,
        }
        user_id = users.get(t.person_id)
        for channel in channels:
            rows.append(
                {
                    "channel": channel,
                    "person_id": t.person_id,
                    "recipient_id": user_id,
                    "address": t.mobile,
                    "subject": subject,
                    "body": body,
                    "link": link[:300],
                    "created_at": now,
                    "org_id": t.org_id,
                }
            )
        if user_id is not None and Channel.SMS in channels:
            rows.append(
                {
                    "channel": Channel.INAPP,
                    "recipient_id": user_id,
                    "person_id": t.person_id,
                    "subject": subject,
                    "body": body,
                    "link": path,
                    "state": MessageState.DELIVERED,
                    "delivered_at": now,
                    "created_at": now,
                    "org_id": t.org_id,
                }
            )
    return rows


@dataclass
class _Call:
    pk: int
    person_id: int | None
    mobile: str
    org_id: int | None
    reply_code: str


def _make_responses(warning: Warning, enterprises) -> int:
    rules = catalogue.responses(warning.kind, warning.level)
    rows = []
    for e in enterprises:
        codes = _industry_codes(e)
        for rule in rules:
            if codes & set(rule["industries"]):
                rows.append(
                    EnterpriseResponse(
                        warning=warning,
                        enterprise=e,
                        action_code=rule["code"],
                        action=rule["zh"][:300],
                        needs_headcount=bool(rule.get("headcount")),
                    )
                )
    EnterpriseResponse.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def release_warning(*, actor, warning: Warning) -> dict:
    """Release an approved warning (发布): compute and call its targets, create the enterprises'
    required actions, start every wake clock. An update supersedes the warning it updates."""
    _check_change(actor, warning)
    now = clock.now()
    moved = Warning.objects.filter(pk=warning.pk, state=WarningState.APPROVED).update(
        state=WarningState.RELEASED, released_at=now
    )
    if not moved:
        raise ValidationError(_("Only an approved warning can be released."))
    warning.refresh_from_db()
    if warning.previous_id:
        _close(
            warning.previous,
            WarningState.UPDATED,
            _("Superseded by %(n)s") % {"n": warning.number},
            actor=actor,
            notify=False,
        )
    plan, enterprises = plan_targets(warning)
    due = now + dt.timedelta(minutes=warning.wake_minutes)
    # Set-based: targets, their SMS and their 叫应 records are each one multi-row INSERT
    # per 500 rows, from plain values.
    rows = [
        {
            "warning_id": warning.pk,
            "person_id": p.person_id,
            "name": p.name,
            "mobile": p.mobile,
            "role": p.role,
            "org_id": p.org_id,
            "division_id": p.division_id,
            "deputy_id": p.deputy_id,
            "superior_id": p.superior_id,
            "called_at": now,
            "due_at": due,
            "reply_code": _reply_code(),
        }
        for p in plan
    ]
    ids = bulk_insert(WarningTarget, rows)
    calls = [
        _Call(pk, row["person_id"], row["mobile"], row["org_id"], row["reply_code"])
        for pk, row in zip(ids, rows, strict=True)
    ]
    messages = _call_messages(warning, calls, (Channel.SMS,))
    enqueue_values(messages)
    bulk_insert(
        WarningEvent,
        [
            {
                "warning_id": warning.pk,
                "target_id": pk,
                "at": now,
                "kind": EventKind.CALLED.value,
                "channel": Channel.SMS.value,
            }
            for pk in ids
        ],
    )
    responses = _make_responses(warning, enterprises)
    from dixian.core.deadlines import schedule_at

    schedule_at(due)
    summary = {
        "targets": len(ids),
        "messages": len(messages),
        "responses": responses,
        "due_at": due,
    }
    audit.record(
        action="warning.release",
        obj=warning,
        actor=actor,
        before={"state": WarningState.APPROVED},
        after={"state": warning.state, **summary},
    )
    return summary


# ---------------------------------------------------------------- acknowledgement


def acknowledge(*, target: WarningTarget, channel: str, actor=None) -> bool:
    """Record that the target answered (应). False when it had already answered.

    An answer after escalation still counts for the person (and is shown as late); a
    deputy's or superior's answer covers the silent person they were called for.
    """
    return acknowledge_id(target.pk, channel=channel, actor=actor)


def target_id_for_token(token: str) -> int | None:
    """The target a one-tap link names, from its signature alone (no database read)."""
    try:
        return int(signing.Signer(salt=ACK_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None


# The acknowledgement's three statements in plain SQL: the ORM's query compilation costs
# more than the statements themselves, and thousands of people answer within minutes.
_ACK_COLUMNS = (
    "warning_id",
    "warning__state",
    "warning__number",
    "escalated_from_id",
    "escalated_at",
    "state",
    "acknowledged_at",
    "name",
    "org_id",
)


def _ack_row(target_id: int) -> dict | None:
    """The target and its warning's state, locked for this transaction (PostgreSQL: FOR
    UPDATE OF the target row, so a concurrent sweep skips it; SQLite: the IMMEDIATE write
    transaction)."""
    t, w = WarningTarget._meta.db_table, Warning._meta.db_table
    sql = (
        f'SELECT t."warning_id", w."state", w."number", t."escalated_from_id", '
        f't."escalated_at", t."state", t."acknowledged_at", t."name", t."org_id" '
        f'FROM "{t}" t INNER JOIN "{w}" w ON w."id" = t."warning_id" WHERE t."id" = %s'
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF t"
    with connection.cursor() as cursor:
        cursor.execute(sql, [target_id])
        found = cursor.fetchone()
    return dict(zip(_ACK_COLUMNS, found, strict=True)) if found else None


def _ack_update(target_id: int, now: dt.datetime, channel: str) -> bool:
    """The conditional UPDATE: only a target that has not answered yet moves."""
    t = WarningTarget._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{t}" SET "state" = %s, "acknowledged_at" = %s, "ack_channel" = %s, '
            f'"due_at" = NULL WHERE "id" = %s AND "acknowledged_at" IS NULL',
            [
                TargetState.ACKNOWLEDGED.value,
                connection.ops.adapt_datetimefield_value(now),
                channel,
                target_id,
            ],
        )
        return cursor.rowcount == 1


def _insert_event(event: WarningEvent) -> None:
    """One row of the 叫应 record."""
    table = WarningEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{table}" ("warning_id", "target_id", "at", "kind", "channel", '
            f'"detail") VALUES (%s, %s, %s, %s, %s, %s)',
            [
                event.warning_id,
                event.target_id,
                connection.ops.adapt_datetimefield_value(event.at),
                str(event.kind),
                str(event.channel),
                str(event.detail)[:300],
            ],
        )


def _ladder_after_ack(row, target_id, now, channel, events) -> None:
    """After an answer: a deputy's or superior's answer covers the silent person they were
    called for; a late answer of the person withdraws the ladder's open calls. Writes
    ``events`` (the answer's own record when the caller has not) with the covering one."""
    if row["escalated_from_id"]:
        parent_moved = WarningTarget.objects.filter(
            pk=row["escalated_from_id"], state=TargetState.CALLING
        ).update(state=TargetState.COVERED, covered_at=now, due_at=None)
        if parent_moved:
            events.append(
                WarningEvent(
                    warning_id=row["warning_id"],
                    target_id=row["escalated_from_id"],
                    at=now,
                    kind=EventKind.COVERED,
                    channel=channel,
                    detail=row["name"][:300],
                )
            )
    elif row["escalated_at"] is not None:
        WarningTarget.objects.filter(escalated_from_id=target_id, state=TargetState.CALLING).update(
            state=TargetState.CANCELLED, due_at=None
        )
    if len(events) == 1:
        _insert_event(events[0])
    elif events:
        WarningEvent.objects.bulk_create(events)


def _ack_pg(target_id: int, now: dt.datetime, channel: str) -> tuple[dict | None, bool]:
    """PostgreSQL: the answer in one statement — the target locked and read with its
    warning's state, moved only if the warning is released and it has not answered, and its
    叫应 record inserted only if it moved. Returns the row as read and whether it moved."""
    t, w, e = (
        WarningTarget._meta.db_table,
        Warning._meta.db_table,
        WarningEvent._meta.db_table,
    )
    sql = f"""
        WITH cur AS (
            SELECT t."id", t."warning_id", w."state" AS wstate, w."number",
                   t."escalated_from_id", t."escalated_at", t."state", t."acknowledged_at",
                   t."name", t."org_id"
            FROM "{t}" t INNER JOIN "{w}" w ON w."id" = t."warning_id"
            WHERE t."id" = %(id)s FOR UPDATE OF t
        ), upd AS (
            UPDATE "{t}" SET "state" = %(acked)s, "acknowledged_at" = %(now)s,
                   "ack_channel" = %(channel)s, "due_at" = NULL
            FROM cur
            WHERE "{t}"."id" = cur."id" AND cur.wstate = %(released)s
              AND "{t}"."acknowledged_at" IS NULL
            RETURNING "{t}"."id"
        ), ins AS (
            INSERT INTO "{e}" ("warning_id", "target_id", "at", "kind", "channel", "detail")
            SELECT cur."warning_id", cur."id", %(now)s, %(kind)s, %(channel)s,
                   CASE WHEN cur."escalated_at" IS NOT NULL OR cur."state" = %(unanswered)s
                        THEN %(late)s ELSE '' END
            FROM cur INNER JOIN upd ON upd."id" = cur."id"
            RETURNING 1
        )
        SELECT cur."warning_id", cur.wstate, cur."number", cur."escalated_from_id",
               cur."escalated_at", cur."state", cur."acknowledged_at", cur."name",
               cur."org_id", (SELECT count(*) FROM ins)
        FROM cur
    """
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "id": target_id,
                "now": now,
                "channel": channel,
                "acked": TargetState.ACKNOWLEDGED.value,
                "released": WarningState.RELEASED.value,
                "unanswered": TargetState.UNANSWERED.value,
                "kind": EventKind.ACKNOWLEDGED.value,
                "late": str(_("after escalation")),
            },
        )
        found = cursor.fetchone()
    if found is None:
        return None, False
    return dict(zip(_ACK_COLUMNS, found[:-1], strict=True)), bool(found[-1])


def acknowledge_id(target_id: int, *, channel: str, actor=None) -> bool:
    """``acknowledge`` by primary key: the lean path of the one-tap link (thousands of people
    answer within minutes of a release).

    One locked read of the target (with its warning's state), one conditional UPDATE, one
    row in the 叫应 record (``WarningEvent``: time and channel). Only an answer after
    escalation touches the ladder rows. A signed-in user's answer (app, API) is also
    written to the audit chain; an anonymous link or SMS reply is on the 叫应 record, which
    the release's and the sweeps' chain events count. Raises ``WarningTarget.DoesNotExist``
    for an unknown target and ``WarningClosed`` when the warning is no longer released.
    """
    now = clock.now()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if connection.vendor == "postgresql" and actor is None:
        # One statement, one round trip: read, conditional UPDATE and the 叫应 record.
        row, moved = _ack_pg(target_id, now, channel)
        if row is None:
            raise WarningTarget.DoesNotExist
        if row["warning__state"] != WarningState.RELEASED:
            raise WarningClosed
        if not moved:
            return False
        if row["escalated_from_id"] or row["escalated_at"] is not None:
            with transaction.atomic():
                _ladder_after_ack(row, target_id, now, channel, [])
        return True
    with transaction.atomic():
        row = _ack_row(target_id)
        if row is None:
            raise WarningTarget.DoesNotExist
        if row["warning__state"] != WarningState.RELEASED:
            raise WarningClosed
        if row["acknowledged_at"] is not None:
            return False
        if not _ack_update(target_id, now, channel):
            return False
        warning_id = row["warning_id"]
        late = row["escalated_at"] is not None or row["state"] == TargetState.UNANSWERED
        events = [
            WarningEvent(
                warning_id=warning_id,
                target_id=target_id,
                at=now,
                kind=EventKind.ACKNOWLEDGED,
                channel=channel,
                detail=_("after escalation") if late else "",
            )
        ]
        _ladder_after_ack(row, target_id, now, channel, events)
        if actor is not None:
            audit.record(
                action="warningtarget.acknowledge",
                object_type="alerts.warningtarget",
                object_id=str(target_id),
                actor=actor,
                object_repr=f"{row['warning__number']} {row['name']}",
                after={"channel": channel, "at": now, "late": late},
                org_id=row["org_id"],
            )
    return True


def acknowledge_by_sms(*, phone: str, text: str) -> WarningTarget | None:
    """An inbound SMS (from the gateway): the reply code in the text acknowledges the open
    call of that phone number carrying the code."""
    digits = "".join(ch if ch.isdigit() else " " for ch in text or "").split()
    phone = "".join(ch for ch in phone or "" if ch.isdigit())[-11:]
    if not phone:
        return None
    for code in digits:
        if len(code) != 6:
            continue
        target = (
            WarningTarget.objects.filter(
                reply_code=code,
                mobile__endswith=phone,
                warning__state=WarningState.RELEASED,
            )
            .order_by("-called_at", "-pk")
            .first()
        )
        if target is not None:
            acknowledge(target=target, channel=AckChannel.SMS)
            return target
    return None


# ---------------------------------------------------------------- escalation (deadline)


def _update_grouped(rows, fields) -> None:
    """Write changed rows with one UPDATE … WHERE pk IN (…) per distinct set of new values:
    a sweep moves thousands of rows to a handful of value sets (``bulk_update``'s CASE per
    row grows quadratically)."""
    groups: dict[tuple, list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, f) for f in fields), []).append(row.pk)
    for values, ids in groups.items():
        for start in range(0, len(ids), 900):
            WarningTarget.objects.filter(pk__in=ids[start : start + 900]).update(
                **dict(zip(fields, values, strict=True))
            )


_DUE_COLUMNS = (
    "pk",
    "warning_id",
    "person_id",
    "mobile",
    "org_id",
    "division_id",
    "reply_code",
    "deputy_id",
    "superior_id",
    "state",
    "step",
    "due_at",
    "recalled_at",
    "escalated_at",
)


def _people(ids) -> dict[int, SimpleNamespace]:
    """The ladder's next people (deputies, superiors) as plain values."""
    ids = sorted({i for i in ids if i})
    found = {}
    for start in range(0, len(ids), 5000):
        for pk, name, mobile, active, org_id in Person.objects.filter(
            pk__in=ids[start : start + 5000]
        ).values_list("pk", "name", "mobile", "is_active", "org_id"):
            found[pk] = SimpleNamespace(
                pk=pk, name=name, mobile=mobile or "", is_active=active, org_id=org_id
            )
    return found


def escalate_due(now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Advance every silent original target whose wake clock ran out by one ladder step.

    Set-based (thousands of targets per sweep): due rows are locked (PostgreSQL: FOR UPDATE
    SKIP LOCKED; SQLite: the IMMEDIATE write transaction) and read as plain values, advanced
    together (one UPDATE per distinct outcome), the next calls, their outbox rows and the
    叫应 records written with multi-row INSERTs; every step timestamped. A second sweeper
    finds nothing left to do.
    """
    now = now or clock.now()
    steps = ladder()
    moved = 0
    with transaction.atomic():
        due = [
            SimpleNamespace(**row)
            for row in WarningTarget.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                state=TargetState.CALLING,
                due_at__lte=now,
                escalated_from__isnull=True,
                warning__state=WarningState.RELEASED,
            )
            .order_by("due_at", "pk")
            .values(*_DUE_COLUMNS)[:batch]
        ]
        if not due:
            return 0
        warnings = {w.pk: w for w in Warning.objects.filter(pk__in={t.warning_id for t in due})}
        # Only rows whose next step is not a voice recall need the people above them.
        needs_people = [
            t for t in due if t.step < len(steps) and not (steps[t.step] == "voice" and t.mobile)
        ]
        people = _people(
            [t.deputy_id for t in needs_people] + [t.superior_id for t in needs_people]
        )
        voice, children, events, changed = [], [], [], []
        for t in due:
            w = warnings[t.warning_id]
            wake = dt.timedelta(minutes=w.wake_minutes)
            action = None
            while t.step < len(steps):
                name = steps[t.step]
                t.step += 1
                if name == "voice" and t.mobile:
                    action = "voice"
                    break
                nxt_id = (
                    t.deputy_id
                    if name == "deputy"
                    else t.superior_id
                    if name == "superior"
                    else None
                )
                nxt = people.get(nxt_id) if nxt_id else None
                if nxt is not None and nxt.is_active:
                    action = nxt
                    break
            event = {"warning_id": t.warning_id, "target_id": t.pk, "at": now}
            if action is None:
                t.state = TargetState.UNANSWERED
                t.due_at = None
                events.append({**event, "kind": EventKind.UNANSWERED.value})
            elif action == "voice":
                t.recalled_at = now
                t.due_at = now + wake
                voice.append(t)
                events.append(
                    {**event, "kind": EventKind.RECALLED.value, "channel": Channel.VOICE.value}
                )
            else:
                t.escalated_at = t.escalated_at or now
                t.due_at = now + wake
                children.append(
                    {
                        "warning_id": t.warning_id,
                        "person_id": action.pk,
                        "name": action.name[:50],
                        "mobile": action.mobile,
                        "role": TargetRole.ESCALATION.value,
                        "org_id": action.org_id,
                        "division_id": t.division_id,
                        "escalated_from_id": t.pk,
                        "called_at": now,
                        "reply_code": _reply_code(),
                    }
                )
                events.append(
                    {
                        **event,
                        "kind": EventKind.ESCALATED.value,
                        "channel": Channel.SMS.value,
                        "detail": f"→ {action.name}"[:300],
                    }
                )
            changed.append(t)
            moved += 1
        _update_grouped(changed, ("state", "step", "due_at", "recalled_at", "escalated_at"))
        child_ids = bulk_insert(WarningTarget, children)
        made = [
            _Call(pk, c["person_id"], c["mobile"], c["org_id"], c["reply_code"])
            for pk, c in zip(child_ids, children, strict=True)
        ]
        by_warning: dict[int, tuple[list, list]] = {}
        for t in voice:
            by_warning.setdefault(t.warning_id, ([], []))[0].append(t)
        for call, c in zip(made, children, strict=True):
            by_warning.setdefault(c["warning_id"], ([], []))[1].append(call)
            events.append(
                {
                    "warning_id": c["warning_id"],
                    "target_id": call.pk,
                    "at": now,
                    "kind": EventKind.CALLED.value,
                    "channel": Channel.SMS.value,
                }
            )
        rows = []
        for warning_id, (recalls, calls) in by_warning.items():
            w = warnings[warning_id]
            rows += _call_messages(w, recalls, (Channel.VOICE,), _("[Second call] "))
            rows += _call_messages(w, calls, (Channel.SMS, Channel.VOICE), _("[Escalated] "))
        enqueue_values(rows)
        bulk_insert(WarningEvent, events)
        audit.record(
            action="warning.escalate",
            object_type="alerts.warningtarget",
            object_repr=_("Call-and-answer escalation sweep"),
            after={
                "advanced": moved,
                "recalled": len(voice),
                "escalated": len(made),
                "unanswered": moved - len(voice) - len(made),
            },
        )
    nxt = min((t.due_at for t in changed if t.due_at), default=None)
    if nxt is not None:
        from dixian.core.deadlines import schedule_at

        schedule_at(nxt)
    return moved


# ---------------------------------------------------------------- closing


def _close(warning: Warning, state: str, reason: str, *, actor=None, notify=True) -> int:
    now = clock.now()
    before = warning.state
    moved = Warning.objects.filter(
        pk=warning.pk, state__in=[WarningState.DRAFT, WarningState.APPROVED, WarningState.RELEASED]
    ).update(state=state, closed_at=now, close_reason=reason[:300])
    if not moved:
        return 0
    warning.refresh_from_db()
    calling = list(WarningTarget.objects.filter(warning=warning, state=TargetState.CALLING))
    end_state = TargetState.UNANSWERED if state == WarningState.EXPIRED else TargetState.CANCELLED
    WarningTarget.objects.filter(pk__in=[t.pk for t in calling]).update(
        state=end_state, due_at=None
    )
    kind = EventKind.UNANSWERED if state == WarningState.EXPIRED else EventKind.CANCELLED
    WarningEvent.objects.bulk_create(
        [_event(warning, kind, t, detail=reason, at=now) for t in calling], batch_size=1000
    )
    EnterpriseResponse.objects.filter(warning=warning, state=ResponseState.PENDING).update(
        state=ResponseState.CANCELLED
    )
    if notify and before == WarningState.RELEASED and state == WarningState.CANCELLED:
        people = Person.objects.filter(
            pk__in=WarningTarget.objects.filter(warning=warning).values("person")
        )
        enqueue(
            subject=_("[Cancelled] %(headline)s") % {"headline": warning.headline},
            body=_("Warning %(number)s is cancelled: %(reason)s")
            % {"number": warning.number, "reason": reason},
            people=people,
            channels=(Channel.SMS,),
            org=warning.issuer,
            dedupe_key=f"alerts-cancel:{warning.pk}",
        )
    audit.record(
        action=f"warning.{state}",
        obj=warning,
        actor=actor,
        before={"state": before},
        after={"state": state, "reason": reason, "calls_closed": len(calling)},
    )
    return len(calling)


@transaction.atomic
def cancel_warning(*, actor, warning: Warning, reason: str) -> int:
    """Cancel (解除/撤销) a warning at any stage; open calls are withdrawn, targets told."""
    _check_change(actor, warning)
    if warning.state in (WarningState.UPDATED, WarningState.CANCELLED, WarningState.EXPIRED):
        raise ValidationError(_("This warning is already closed."))
    return _close(
        warning, WarningState.CANCELLED, reason or pgettext("warning", "Cancelled"), actor=actor
    )


def expire_due(now: dt.datetime | None = None) -> int:
    """Released warnings past their validity expire; silent calls end unanswered."""
    now = now or clock.now()
    done = 0
    for warning in Warning.objects.filter(state=WarningState.RELEASED, expires_at__lte=now):
        with transaction.atomic():
            if Warning.objects.filter(pk=warning.pk, state=WarningState.RELEASED).exists():
                _close(warning, WarningState.EXPIRED, _("Validity ended"))
                done += 1
    return done


@transaction.atomic
def make_update(
    *, actor, warning: Warning, level: str, headline: str, text: str, expires_at=None
) -> Warning:
    """Raise or lower the level (变更): a new draft linked to the released warning; releasing
    it supersedes the earlier one."""
    _check_change(actor, warning)
    if warning.state != WarningState.RELEASED:
        raise ValidationError(_("Only a released warning can be updated."))
    return draft_warning(
        actor=actor,
        kind=warning.kind,
        level=level,
        headline=headline,
        text=text,
        effective_at=clock.now(),
        expires_at=expires_at or warning.expires_at,
        divisions=list(warning.divisions.all()),
        polygon=warning.polygon,
        roles=warning.roles,
        instruction=warning.instruction,
        area_desc=warning.area_desc,
        issuer=warning.issuer,
        previous=warning,
    )


# ---------------------------------------------------------------- 回应 and 响应


@transaction.atomic
def submit_feedback(
    *, warning: Warning, text: str, checklist=(), photo=None, target=None, actor=None
) -> Feedback:
    """A target reports the measures taken (回应)."""
    if warning.state not in (WarningState.RELEASED, WarningState.EXPIRED):
        raise WarningClosed
    name = target.name if target else (str(actor) if actor else "")
    org = target.org if target else getattr(actor, "org", None)
    fb = Feedback(
        warning=warning,
        target=target,
        org=org,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        author_name=name[:50],
        text=text,
        checklist=list(checklist),
        created_at=clock.now(),
    )
    if photo:
        fb.photo = photo
    fb.save()
    WarningEvent.objects.create(
        warning=warning,
        target=target,
        at=fb.created_at,
        kind=EventKind.FEEDBACK,
        detail=text[:300],
    )
    audit.record(
        action="feedback.submit",
        obj=fb,
        actor=actor,
        after={"warning": warning.pk, "checklist": list(checklist)},
        org_id=getattr(org, "pk", None),
    )
    return fb


@transaction.atomic
def confirm_response(*, actor, response: EnterpriseResponse, people_withdrawn=None, note=""):
    """A targeted enterprise confirms a required action (响应), e.g. 停产撤人 with the number
    of people withdrawn."""
    if (
        not EnterpriseResponse.objects.restrict(actor, Action.CHANGE)
        .filter(pk=response.pk)
        .exists()
    ):
        raise PermissionDenied
    if response.needs_headcount and people_withdrawn is None:
        raise ValidationError({"people_withdrawn": _("Enter the number of people withdrawn.")})
    now = clock.now()
    moved = EnterpriseResponse.objects.filter(pk=response.pk, state=ResponseState.PENDING).update(
        state=ResponseState.CONFIRMED,
        people_withdrawn=people_withdrawn,
        note=note[:500],
        confirmed_at=now,
        confirmed_by=actor,
    )
    if not moved:
        raise ValidationError(_("This action is no longer waiting for confirmation."))
    response.refresh_from_db()
    WarningEvent.objects.create(
        warning_id=response.warning_id,
        at=now,
        kind=EventKind.RESPONSE,
        detail=f"{response.enterprise} · {response.action_label}"
        + (f" · {people_withdrawn}" if people_withdrawn is not None else ""),
    )
    audit.record(
        action="response.confirm",
        obj=response,
        actor=actor,
        before={"state": ResponseState.PENDING},
        after={"state": response.state, "people_withdrawn": people_withdrawn},
    )
    return response
