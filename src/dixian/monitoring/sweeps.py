"""Deadline handlers of the monitoring app: escalation, offline gateways, housekeeping."""

from __future__ import annotations

import datetime as dt

from dixian.core import deadlines

from . import services, storage
from .models import (
    Alarm,
    AlarmState,
    Escalation,
    Gateway,
    Housekeeping,
    LatestValue,
    LinkState,
)


@deadlines.register
class AlarmEscalation(deadlines.DeadlineHandler):
    """An alarm still open (not acknowledged) at ``ack_due_at`` escalates, exactly once."""

    model = Alarm
    due_field = "ack_due_at"
    state_field = "escalation"
    from_state = Escalation.PENDING
    to_state = Escalation.ESCALATED
    name = "monitoring-alarm-escalation"

    def due_queryset(self, now):
        return super().due_queryset(now).filter(state=AlarmState.OPEN)

    def transition_values(self, now):
        return {"escalation": self.to_state, "escalated_at": now}

    def advance(self, pk, now):
        # Only alarms still open escalate (acknowledging sets escalation to "none" too).
        if not Alarm.objects.filter(pk=pk, state=AlarmState.OPEN).exists():
            return False
        return super().advance(pk, now)

    def on_due(self, obj, now):
        services.escalate(obj, now)


@deadlines.register
class GatewaySilent(deadlines.DeadlineHandler):
    """No data within k × interval: the gateway goes offline and an offline alarm opens."""

    model = Gateway
    due_field = "silence_due_at"
    state_field = "link_state"
    from_state = LinkState.ONLINE
    to_state = LinkState.OFFLINE
    name = "monitoring-gateway-silent"

    def on_due(self, obj, now):
        services.gateway_offline(obj, now)


@deadlines.register
class GatewayOfflineReminder(deadlines.DeadlineHandler):
    """While a gateway stays offline, remind every OFFLINE_REMIND_MINUTES until data returns."""

    model = Gateway
    due_field = "remind_at"
    state_field = "link_state"
    from_state = LinkState.OFFLINE
    to_state = LinkState.OFFLINE
    name = "monitoring-gateway-offline-reminder"

    def transition_values(self, now):
        return {
            "link_state": LinkState.OFFLINE,
            "remind_at": now + dt.timedelta(minutes=services.OFFLINE_REMIND_MINUTES),
        }

    def on_due(self, obj, now):
        services.gateway_remind(obj, now)


@deadlines.register
class PointSilent(deadlines.DeadlineHandler):
    """A point without a newer reading within k × its interval (k: its gateway's factor)
    goes offline and an offline alarm opens; reminded until data returns."""

    model = LatestValue
    due_field = "silence_due_at"
    state_field = "link_state"
    from_state = LinkState.ONLINE
    to_state = LinkState.OFFLINE
    name = "monitoring-point-silent"

    def due_queryset(self, now):
        return super().due_queryset(now).filter(point__enabled=True)

    def transition_values(self, now):
        return {
            "link_state": LinkState.OFFLINE,
            "remind_at": now + dt.timedelta(minutes=services.OFFLINE_REMIND_MINUTES),
        }

    def on_due(self, obj, now):
        services.point_offline(obj, now)


@deadlines.register
class PointOfflineReminder(deadlines.DeadlineHandler):
    """While a point stays silent, remind every OFFLINE_REMIND_MINUTES until data returns."""

    model = LatestValue
    due_field = "remind_at"
    state_field = "link_state"
    from_state = LinkState.OFFLINE
    to_state = LinkState.OFFLINE
    name = "monitoring-point-offline-reminder"

    def transition_values(self, now):
        return {
            "link_state": LinkState.OFFLINE,
            "remind_at": now + dt.timedelta(minutes=services.OFFLINE_REMIND_MINUTES),
        }

    def on_due(self, obj, now):
        services.point_remind(obj, now)


HOUSEKEEPING_EVERY = dt.timedelta(hours=6)


@deadlines.register
class MonitoringHousekeeping(deadlines.DeadlineHandler):
    """Every six hours: partitions for the next months (PostgreSQL) and retention."""

    model = Housekeeping
    due_field = "due_at"
    state_field = "state"
    from_state = "idle"
    to_state = "idle"
    name = "monitoring-housekeeping"

    def run(self, now):
        Housekeeping.objects.get_or_create(name="storage", defaults={"due_at": now})
        return super().run(now)

    def transition_values(self, now):
        return {"due_at": now + HOUSEKEEPING_EVERY}

    def on_due(self, obj, now):
        made = storage.make_partitions_ahead(now)
        dropped = storage.apply_retention(now)
        Housekeeping.objects.filter(pk=obj.pk).update(
            last_result=f"partitions made {made}; removed {dropped}"[:300]
        )
