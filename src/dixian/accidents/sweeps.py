"""Deadline handler of the accidents: a running clock past its due time is flagged late
(迟报 for the reporting clocks), exactly once, with an audit event as proof."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from dixian.core import audit, deadlines
from dixian.core.notify import enqueue

from .models import AccidentClock, ClockState


@deadlines.register
class AccidentClocksOverdue(deadlines.DeadlineHandler):
    model = AccidentClock
    due_field = "due_at"
    from_state = ClockState.RUNNING
    to_state = ClockState.OVERDUE
    name = "accidents-clocks-overdue"

    # "Within 2 hours" includes the due instant itself: late only strictly after it.
    def due_queryset(self, now):
        return self.model._default_manager.filter(due_at__lt=now, state=self.from_state)

    def advance(self, pk, now):
        with transaction.atomic():
            updated = self.model._default_manager.filter(
                pk=pk, state=self.from_state, due_at__lt=now
            ).update(**self.transition_values(now))
            if not updated:
                return False
            self.on_due(self.model._default_manager.get(pk=pk), now)
            return True

    def transition_values(self, now):
        return {"state": self.to_state, "overdue_at": now}

    def on_due(self, obj, now):
        from .services import _county_users

        audit.record(
            action="accidentclock.overdue",
            obj=obj,
            before={"state": ClockState.RUNNING},
            after={"state": obj.state, "overdue_at": now, "due_at": obj.due_at},
            org_id=obj.accident.unit_id,
        )
        enqueue(
            subject=_("Late: %(clock)s — %(accident)s")
            % {"clock": obj.get_kind_display(), "accident": obj.accident.title},
            link=reverse("accidents:accident_detail", args=[obj.accident_id]),
            recipients=list(_county_users()),
            dedupe_key=f"accidentclock:{obj.pk}:overdue",
        )
