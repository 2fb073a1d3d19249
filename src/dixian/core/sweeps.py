"""Deadline handlers of the core: outbox retries and due reminders."""

from __future__ import annotations

from . import deadlines
from .choices import Channel
from .models import Message, Reminder, User
from .notify import deliver_due, enqueue


@deadlines.register
class OutboxRetries(deadlines.DeadlineHandler):
    """Pending messages whose next attempt is due are (re)delivered with backoff."""

    model = Message
    name = "outbox"

    def run(self, now):
        return deliver_due(now)


@deadlines.register
class DueReminders(deadlines.DeadlineHandler):
    """A scheduled reminder at its due time becomes in-app messages, exactly once.

    Addressed to a user, it reaches that user; addressed only to an organisation, every
    active user of that organisation. The conditional update (scheduled → sent) decides who
    sends; the outbox dedupe key ``reminder:<pk>`` guards the messages a second time.
    """

    model = Reminder
    due_field = "due_at"
    from_state = Reminder.State.SCHEDULED
    to_state = Reminder.State.SENT
    name = "reminders"

    def transition_values(self, now):
        return {"state": self.to_state, "sent_at": now}

    def on_due(self, obj, now):
        if obj.recipient_id:
            recipients = [obj.recipient]
        elif obj.org_id:
            recipients = list(User.objects.filter(org_id=obj.org_id, is_active=True))
        else:
            recipients = []
        enqueue(
            subject=obj.subject,
            body=obj.body,
            link=obj.link,
            recipients=recipients,
            channels=(Channel.INAPP,),
            org=obj.org,
            dedupe_key=f"reminder:{obj.pk}",
        )
