"""Deadline handler: licence expiry reminders at 90, 30 and 7 days, and the expiry itself."""

from __future__ import annotations

from django.db import transaction

from dixian.core import deadlines

from .models import Licence, LicenceStatus
from .services import licence_reminder_due, next_reminder


@deadlines.register
class LicenceExpiryReminders(deadlines.DeadlineHandler):
    """A licence whose ``next_reminder_at`` has passed sends that stage's reminder exactly
    once: the conditional update on (due time, stage) decides which sweep sends it; the
    outbox dedupe key guards the messages a second time. Stage 0 flags the licence expired."""

    model = Licence
    due_field = "next_reminder_at"
    name = "enterprises-licence-expiry"

    def due_queryset(self, now):
        return Licence.objects.filter(next_reminder_at__lte=now)

    def advance(self, pk, now) -> bool:
        with transaction.atomic():
            licence = (
                Licence.objects.select_related("enterprise", "type")
                .filter(pk=pk, next_reminder_at__lte=now)
                .first()
            )
            if licence is None or licence.next_reminder_stage is None:
                return False
            stage = licence.next_reminder_stage
            sent = [*licence.reminders_sent, stage]
            values = {"reminders_sent": sent}
            if stage == 0:
                values.update(next_reminder_at=None, next_reminder_stage=None)
                if licence.status == LicenceStatus.VALID:
                    values["status"] = LicenceStatus.EXPIRED
            else:
                at, nxt = next_reminder(licence.valid_to, sent, now)
                values.update(next_reminder_at=at, next_reminder_stage=nxt)
            updated = Licence.objects.filter(
                pk=pk, next_reminder_at=licence.next_reminder_at, next_reminder_stage=stage
            ).update(**values)
            if not updated:
                return False
            for name, value in values.items():
                setattr(licence, name, value)
            licence_reminder_due(licence, stage, now)
            return True
