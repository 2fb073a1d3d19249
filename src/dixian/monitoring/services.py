"""Monitoring services: alarms (raise, transitions, escalation), gateways, points and rules.

Every state change calls ``audit.record`` in its transaction; messages go through the
outbox (``notify.enqueue``); timers are deadline columns (``Alarm.ack_due_at``,
``Gateway.silence_due_at`` / ``remind_at``) advanced by the handlers in ``sweeps.py``.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from dixian.core import audit, clock, deadlines
from dixian.core.choices import Action, Channel, OrgKind, Role
from dixian.core.models import Organisation, User
from dixian.core.notify import enqueue

from .models import (
    Alarm,
    AlarmKind,
    AlarmState,
    Escalation,
    Gateway,
    Level,
    LinkState,
    Point,
    Rule,
)

# Minutes to acknowledge an alarm before it escalates, by level (env-configurable).
ACK_MINUTES = {
    Level.RED: int(os.environ.get("DIXIAN_MONITORING_ACK_RED_MIN", "5")),
    Level.ORANGE: int(os.environ.get("DIXIAN_MONITORING_ACK_ORANGE_MIN", "10")),
    Level.YELLOW: int(os.environ.get("DIXIAN_MONITORING_ACK_YELLOW_MIN", "30")),
    Level.BLUE: int(os.environ.get("DIXIAN_MONITORING_ACK_BLUE_MIN", "60")),
}
# Minutes between reminders while a gateway stays offline.
OFFLINE_REMIND_MINUTES = int(os.environ.get("DIXIAN_MONITORING_OFFLINE_REMIND_MIN", "30"))

# ---- recipients ----------------------------------------------------------------------


def _ancestor_ids(org: Organisation) -> list[int]:
    return [int(part) for part in org.path.split("/") if part]


def enterprise_users(enterprise: Organisation) -> list[User]:
    """Active users of the enterprise and of the enterprises above it (a yard's plant)."""
    return list(
        User.objects.filter(
            is_active=True,
            org_id__in=_ancestor_ids(enterprise) or [enterprise.pk],
            org__kind=OrgKind.ENTERPRISE,
        )
    )


def supervisor_users(enterprise: Organisation) -> list[User]:
    """Department inspectors and township officers whose scope covers the enterprise."""
    found = []
    for user in User.objects.filter(
        is_active=True, role__in=[Role.INSPECTOR, Role.TOWNSHIP_OFFICER]
    ).select_related("org", "org__division"):
        if Organisation.objects.restrict(user).filter(pk=enterprise.pk).exists():
            found.append(user)
    return found


def county_users() -> list[User]:
    return list(
        User.objects.filter(is_active=True, role__in=[Role.SAFETY_OFFICE, Role.DUTY_OFFICER])
    )


def guarantor_users(enterprise: Organisation) -> list[User]:
    """The 包保 leaders of the enterprise, when the duties app provides them."""
    try:
        from dixian.duties.selectors import guarantor_users_for
    except (ImportError, AttributeError):
        return []
    try:
        return list(guarantor_users_for(enterprise))
    except Exception:  # another app's bug must not stop an escalation
        return []


def alarm_recipients(alarm: Alarm) -> list[User]:
    users = enterprise_users(alarm.enterprise)
    if alarm.level >= Level.ORANGE or alarm.kind == AlarmKind.OFFLINE:
        users += supervisor_users(alarm.enterprise)
    if alarm.level >= Level.RED:
        users += county_users()
    return users


def _channels(level: int):
    return (Channel.INAPP, Channel.SMS) if level >= Level.ORANGE else (Channel.INAPP,)


def _link(alarm: Alarm) -> str:
    return f"/monitoring/alarms/{alarm.pk}/"


def notify_alarm(alarm: Alarm, *, reason: str = "open") -> None:
    subject = _("[%(level)s alarm] %(enterprise)s: %(message)s") % {
        "level": alarm.get_level_display(),
        "enterprise": alarm.enterprise.short_name or alarm.enterprise.name,
        "message": alarm.message,
    }
    enqueue(
        subject=subject,
        body=alarm.message,
        link=_link(alarm),
        recipients=alarm_recipients(alarm),
        channels=_channels(alarm.level),
        org=alarm.enterprise,
        dedupe_key=f"alarm:{alarm.pk}:{reason}:{alarm.level}",
    )


# ---- raising alarms (ingest path) ----------------------------------------------------


def ack_due(level: int, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(minutes=ACK_MINUTES.get(level, 30))


def raise_alarm(
    *,
    enterprise_id: int,
    kind: str,
    level: int,
    message: str,
    dedupe_key: str,
    at: dt.datetime,
    value: float | None = None,
    point_id: int | None = None,
    gateway_id: int | None = None,
    object_id: int | None = None,
    higher_is_worse: bool = True,
    count: int = 1,
) -> tuple[Alarm, bool]:
    """Open an alarm, or update the open one with the same key (count, peak, level).

    Returns (alarm, opened). A new alarm is audited, notified by level through the outbox
    and gets its acknowledgement deadline; a level rise is notified again.
    """
    now = clock.now()
    for _attempt in range(2):
        open_alarm = (
            Alarm.objects.select_for_update()
            .filter(dedupe_key=dedupe_key)
            .exclude(state=AlarmState.CLOSED)
            .first()
        )
        if open_alarm is not None:
            return _update_open(open_alarm, level, value, at, higher_is_worse, count), False
        alarm = Alarm(
            enterprise_id=enterprise_id,
            point_id=point_id,
            gateway_id=gateway_id,
            object_id=object_id,
            kind=kind,
            level=level,
            message=message[:300],
            dedupe_key=dedupe_key[:80],
            opened_at=now,
            first_value=value,
            peak_value=value,
            last_value=value,
            last_at=at,
            count=count,
            ack_due_at=ack_due(level, now),
        )
        try:
            with transaction.atomic():
                alarm.save(force_insert=True)
        except IntegrityError:  # another consumer opened it at the same moment
            continue
        audit.record(
            action="alarm.open",
            obj=alarm,
            after={"kind": kind, "level": level, "value": value, "message": alarm.message},
            org_id=enterprise_id,
        )
        notify_alarm(alarm)
        deadlines.schedule_at(alarm.ack_due_at)
        return alarm, True
    raise RuntimeError(f"could not open or update alarm {dedupe_key}")


def _update_open(alarm: Alarm, level, value, at, higher_is_worse, count=1) -> Alarm:
    values = {"count": alarm.count + count, "last_at": max(alarm.last_at, at), "recovered_at": None}
    if value is not None:
        values["last_value"] = value
        if alarm.peak_value is None:
            values["peak_value"] = value
        else:
            values["peak_value"] = (
                max(alarm.peak_value, value) if higher_is_worse else min(alarm.peak_value, value)
            )
    raised = level > alarm.level
    if raised:
        values["level"] = level
        if alarm.state == AlarmState.OPEN and alarm.escalation == Escalation.PENDING:
            values["ack_due_at"] = min(alarm.ack_due_at, ack_due(level, clock.now()))
    Alarm.objects.filter(pk=alarm.pk).update(**values)
    for key, val in values.items():
        setattr(alarm, key, val)
    if raised:
        audit.record(
            action="alarm.level_raised",
            obj=alarm,
            after={"level": level, "value": value},
            org_id=alarm.enterprise_id,
        )
        notify_alarm(alarm, reason="raised")
        if alarm.ack_due_at:
            deadlines.schedule_at(alarm.ack_due_at)
    return alarm


def mark_recovered(dedupe_keys, at: dt.datetime) -> int:
    """The values behind these open alarms are back to normal (the alarms stay open)."""
    return (
        Alarm.objects.filter(dedupe_key__in=list(dedupe_keys), recovered_at__isnull=True)
        .exclude(state=AlarmState.CLOSED)
        .update(recovered_at=at)
    )


# ---- alarm workflow ------------------------------------------------------------------

FLOW = {
    "acknowledge": ([AlarmState.OPEN], AlarmState.ACKNOWLEDGED),
    "dispose": ([AlarmState.OPEN, AlarmState.ACKNOWLEDGED], AlarmState.DISPOSING),
    "feedback": ([AlarmState.ACKNOWLEDGED, AlarmState.DISPOSING], AlarmState.FEEDBACK),
    "close": ([AlarmState.FEEDBACK], AlarmState.CLOSED),
}


def may_handle(user, alarm: Alarm) -> bool:
    return Alarm.objects.restrict(user, Action.CHANGE).filter(pk=alarm.pk).exists()


def allowed_steps(user, alarm: Alarm) -> list[str]:
    if not may_handle(user, alarm):
        return []
    return [step for step, (sources, _target) in FLOW.items() if alarm.state in sources]


def transition(*, actor, alarm: Alarm, step: str, **data) -> Alarm:
    """Move an alarm one step, recording who and when. Raises Http404 out of scope,
    PermissionDenied for read-only roles, ValidationError for a wrong step or missing data."""
    if step not in FLOW:
        raise ValidationError(_("Unknown step."))
    if not Alarm.objects.restrict(actor, Action.VIEW).filter(pk=alarm.pk).exists():
        raise Http404
    if not may_handle(actor, alarm):
        raise PermissionDenied
    sources, target = FLOW[step]
    now = clock.now()
    values: dict = {"state": target}
    if step == "acknowledge":
        values.update(acknowledged_at=now, acknowledged_by=actor, escalation=Escalation.NONE)
    elif step == "dispose":
        note = (data.get("note") or "").strip()
        values.update(disposing_at=now, disposing_by=actor, disposal_note=note)
        if alarm.state == AlarmState.OPEN:
            values.update(acknowledged_at=now, acknowledged_by=actor, escalation=Escalation.NONE)
    elif step == "feedback":
        cause = (data.get("cause") or "").strip()
        measures = (data.get("measures") or "").strip()
        errors = {}
        if not cause:
            errors["cause"] = _("State the cause that was found.")
        if not measures:
            errors["measures"] = _("State the measures taken.")
        if errors:
            raise ValidationError(errors)
        values.update(feedback_at=now, feedback_by=actor, cause=cause, measures=measures)
    elif step == "close":
        values.update(closed_at=now, closed_by=actor, close_note=(data.get("note") or "").strip())
    with transaction.atomic():
        before = {"state": alarm.state}
        updated = Alarm.objects.filter(pk=alarm.pk, state__in=sources).update(**values)
        if not updated:
            raise ValidationError(_("This alarm has moved on meanwhile; reload the page."))
        alarm.refresh_from_db()
        audit.record(
            action=f"alarm.{step}",
            obj=alarm,
            before=before,
            after={k: v for k, v in values.items() if not k.endswith("_by")},
            actor=actor,
        )
    return alarm


def escalate(alarm: Alarm, now: dt.datetime) -> None:
    """Not acknowledged in time: tell the supervising department and the 包保 leaders."""
    recipients = supervisor_users(alarm.enterprise) + guarantor_users(alarm.enterprise)
    recipients += [u for u in county_users() if u.role == Role.DUTY_OFFICER]
    audit.record(
        action="alarm.escalate",
        obj=alarm,
        before={"escalation": Escalation.PENDING},
        after={"escalation": Escalation.ESCALATED, "escalated_at": now},
    )
    enqueue(
        subject=_("[Escalated] %(level)s alarm not acknowledged: %(enterprise)s, %(message)s")
        % {
            "level": alarm.get_level_display(),
            "enterprise": alarm.enterprise.short_name or alarm.enterprise.name,
            "message": alarm.message,
        },
        body=_("Opened at %(at)s and not acknowledged within %(minutes)s minutes.")
        % {
            "at": alarm.opened_at.isoformat(timespec="seconds"),
            "minutes": ACK_MINUTES.get(alarm.level),
        },
        link=_link(alarm),
        recipients=recipients,
        channels=(Channel.INAPP, Channel.SMS),
        org=alarm.enterprise,
        dedupe_key=f"alarm:{alarm.pk}:escalate",
    )


def open_hazard_available() -> bool:
    try:
        from dixian.prevention.services import open_hazard_from_source  # noqa: F401
    except (ImportError, AttributeError):
        return False
    return True


def open_hazard(*, actor, alarm: Alarm):
    """Open a hidden hazard (隐患) from an alarm, via the prevention app when present."""
    if not may_handle(actor, alarm):
        raise PermissionDenied
    try:
        from dixian.prevention.services import open_hazard_from_source
    except (ImportError, AttributeError) as exc:
        raise ValidationError(_("Hidden-hazard registration is not available.")) from exc
    with transaction.atomic():
        hazard = open_hazard_from_source(
            enterprise=alarm.enterprise,
            title=_("Sensor alarm: %(message)s") % {"message": alarm.message},
            description=_("%(level)s alarm opened %(at)s; peak %(peak)s; count %(count)s.")
            % {
                "level": alarm.get_level_display(),
                "at": alarm.opened_at.isoformat(timespec="seconds"),
                "peak": alarm.peak_value,
                "count": alarm.count,
            },
            source="sensor_alarm",
            source_ref=f"alarm:{alarm.pk}",
            reported_by=actor,
        )
        ref = f"hazard:{getattr(hazard, 'pk', '')}"
        Alarm.objects.filter(pk=alarm.pk).update(hazard_ref=ref)
        alarm.hazard_ref = ref
        audit.record(action="alarm.open_hazard", obj=alarm, after={"hazard": ref}, actor=actor)
    return hazard


# ---- gateways, points and rules ------------------------------------------------------


def gateway_create(*, actor, enterprise, code, name, interval_s=10, token=None):
    """Register a gateway; returns (gateway, token). The token is shown once, stored hashed."""
    if (
        actor is not None
        and not Organisation.objects.restrict(actor, Action.CHANGE)
        .filter(pk=enterprise.pk)
        .exists()
    ):
        raise PermissionDenied
    gw = Gateway(enterprise=enterprise, code=code, name=name, interval_s=interval_s)
    token = gw.set_token(token)
    with transaction.atomic():
        gw.full_clean()
        gw.save()
        audit.record(action="gateway.create", obj=gw, after=audit.snapshot(gw), actor=actor)
    return gw, token


def gateway_rotate_token(*, actor, gateway: Gateway) -> str:
    if not Gateway.objects.restrict(actor, Action.CHANGE).filter(pk=gateway.pk).exists():
        raise PermissionDenied
    token = gateway.set_token()
    with transaction.atomic():
        Gateway.objects.filter(pk=gateway.pk).update(token_hash=gateway.token_hash)
        audit.record(action="gateway.rotate_token", obj=gateway, actor=actor)
    from .ingest import registry

    registry.invalidate()
    return token


def gateway_seen(gateway_id: int, now: dt.datetime, interval_s: int, factor: int) -> bool:
    """Data arrived: push the offline deadline; returns True if it was offline (recovered)."""
    due = now + dt.timedelta(seconds=max(interval_s, 1) * max(factor, 1))
    recovered = Gateway.objects.filter(pk=gateway_id, link_state=LinkState.OFFLINE).update(
        link_state=LinkState.ONLINE, last_seen_at=now, silence_due_at=due, remind_at=None
    )
    if recovered:
        gw = Gateway.objects.get(pk=gateway_id)
        mark_recovered([f"g{gateway_id}:offline"], now)
        audit.record(action="gateway.online", obj=gw, after={"at": now})
        return True
    Gateway.objects.filter(pk=gateway_id).update(
        link_state=LinkState.ONLINE, last_seen_at=now, silence_due_at=due
    )
    return False


def gateways_seen(gateways, now: dt.datetime) -> None:
    """Data arrived from these gateways (objects with id, interval_s, silence_factor): push
    their offline deadlines in one UPDATE per (interval, k); recover the offline ones."""
    ids = [g.id for g in gateways]
    offline = set(
        Gateway.objects.filter(pk__in=ids, link_state=LinkState.OFFLINE).values_list(
            "pk", flat=True
        )
    )
    groups: dict[int, list[int]] = {}
    for g in gateways:
        if g.id in offline:
            gateway_seen(g.id, now, g.interval_s, g.silence_factor)
        else:
            groups.setdefault(max(g.interval_s, 1) * max(g.silence_factor, 1), []).append(g.id)
    for seconds, group in sorted(groups.items()):
        # One gone offline meanwhile stays so: the next batch recovers it properly.
        Gateway.objects.filter(pk__in=group).exclude(link_state=LinkState.OFFLINE).update(
            link_state=LinkState.ONLINE,
            last_seen_at=now,
            silence_due_at=now + dt.timedelta(seconds=seconds),
        )


def gateway_offline(gateway: Gateway, now: dt.datetime) -> Alarm:
    """The silence deadline passed: open (or count) the offline alarm and remind later."""
    Gateway.objects.filter(pk=gateway.pk).update(
        remind_at=now + dt.timedelta(minutes=OFFLINE_REMIND_MINUTES)
    )
    audit.record(
        action="gateway.offline",
        obj=gateway,
        before={"link_state": LinkState.ONLINE},
        after={"link_state": LinkState.OFFLINE, "last_seen_at": gateway.last_seen_at},
    )
    alarm, _opened = raise_alarm(
        enterprise_id=gateway.enterprise_id,
        kind=AlarmKind.OFFLINE,
        level=Level.YELLOW,
        message=_("Gateway %(name)s sends no data (last seen %(at)s)")
        % {
            "name": gateway.name,
            "at": gateway.last_seen_at.isoformat(timespec="seconds")
            if gateway.last_seen_at
            else "—",
        },
        dedupe_key=f"g{gateway.pk}:offline",
        at=now,
        gateway_id=gateway.pk,
    )
    return alarm


def gateway_remind(gateway: Gateway, now: dt.datetime) -> None:
    alarm = (
        Alarm.objects.filter(dedupe_key=f"g{gateway.pk}:offline")
        .exclude(state=AlarmState.CLOSED)
        .first()
    )
    if alarm is None:
        return
    Alarm.objects.filter(pk=alarm.pk).update(count=alarm.count + 1, last_at=now)
    enqueue(
        subject=_("[Reminder] gateway still offline: %(name)s") % {"name": gateway.name},
        body=alarm.message,
        link=_link(alarm),
        recipients=alarm_recipients(alarm),
        channels=(Channel.INAPP,),
        org=alarm.enterprise,
        dedupe_key=f"alarm:{alarm.pk}:remind:{now.isoformat()}",
    )


# ---- point silence (the offline rule per point) --------------------------------------


def _point_offline_alarm(latest, now: dt.datetime) -> Alarm:
    point = latest.point
    return raise_alarm(
        enterprise_id=point.object.enterprise_id,
        kind=AlarmKind.OFFLINE,
        level=Level.YELLOW,
        message=_("Point %(name)s sends no data (last reading %(at)s)")
        % {"name": point.name, "at": latest.ts.isoformat(timespec="seconds")},
        dedupe_key=f"p{point.pk}:offline",
        at=now,
        point_id=point.pk,
        object_id=point.object_id,
    )[0]


def point_offline(latest, now: dt.datetime) -> Alarm | None:
    """A point's silence deadline passed (the sweeper moved it offline): open the offline
    alarm, unless its whole gateway is offline (the gateway's alarm says it already; the
    reminder opens the point's own alarm if the gateway returns without this point)."""
    point = latest.point
    audit.record(
        action="point.offline",
        obj=point,
        before={"link_state": LinkState.ONLINE},
        after={"link_state": LinkState.OFFLINE, "last_reading": latest.ts},
    )
    if point.gateway.link_state == LinkState.OFFLINE:
        return None
    return _point_offline_alarm(latest, now)


def point_remind(latest, now: dt.datetime) -> None:
    """Still silent: count and remind on the open offline alarm (open it if none)."""
    if latest.point.gateway.link_state == LinkState.OFFLINE:
        return
    key = f"p{latest.point_id}:offline"
    alarm = Alarm.objects.filter(dedupe_key=key).exclude(state=AlarmState.CLOSED).first()
    if alarm is None:
        _point_offline_alarm(latest, now)
        return
    Alarm.objects.filter(pk=alarm.pk).update(count=alarm.count + 1, last_at=now)
    enqueue(
        subject=_("[Reminder] point still sends no data: %(name)s") % {"name": latest.point.name},
        body=alarm.message,
        link=_link(alarm),
        recipients=alarm_recipients(alarm),
        channels=(Channel.INAPP,),
        org=alarm.enterprise,
        dedupe_key=f"alarm:{alarm.pk}:remind:{now.isoformat()}",
    )


def points_back(point_ids, now: dt.datetime) -> None:
    """Silent points sent data again (the ingest path already set them online)."""
    mark_recovered([f"p{pid}:offline" for pid in point_ids], now)
    for point in Point.objects.filter(pk__in=list(point_ids)):
        audit.record(action="point.online", obj=point, after={"at": now})


def rule_save(*, actor, rule: Rule, form=None) -> Rule:
    from dixian.core import services as core_services

    rule = core_services.object_save(actor=actor, instance=rule, form=form)
    from .ingest import registry

    registry.invalidate()
    return rule


def point_create(*, actor, **fields) -> Point:
    from .models import DEFAULT_UNITS
    from .thresholds import prefill_rules

    point = Point(**fields)
    if not point.unit:
        point.unit = DEFAULT_UNITS.get(point.kind, "")
    with transaction.atomic():
        point.full_clean()
        point.save()
        if (
            actor is not None
            and not Point.objects.restrict(actor, Action.CHANGE).filter(pk=point.pk).exists()
        ):
            raise PermissionDenied
        prefill_rules(point)
        audit.record(action="point.create", obj=point, after=audit.snapshot(point), actor=actor)
    from .ingest import registry

    registry.invalidate()
    return point
