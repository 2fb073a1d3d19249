"""Deadline handlers of double prevention: overdue hazards escalate rung by rung; a risk
point whose review date has passed is marked overdue and its enterprise told."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dixian.core import audit, deadlines
from dixian.core.choices import Channel
from dixian.core.notify import enqueue

from . import services
from .models import Hazard, ReviewState, RiskPoint


@deadlines.register
class HazardEscalation(deadlines.DeadlineHandler):
    """An open hazard past ``next_escalation_at`` moves one rung up the escalation ladder
    (enterprise principal → supervising department → township → 安委办, configurable)."""

    model = Hazard
    due_field = "next_escalation_at"
    name = "prevention-hazard-escalation"

    def due_queryset(self, now):
        return Hazard.objects.filter(is_open=True, next_escalation_at__lte=now)

    def advance(self, pk, now):
        hazard = Hazard.objects.filter(pk=pk).first()
        if hazard is None:
            return False
        return services.escalate(hazard, now)


@deadlines.register
class RiskReviewOverdue(deadlines.DeadlineHandler):
    """A risk point's periodic review (定期评估) is due: current → overdue, once."""

    model = RiskPoint
    due_field = "review_due"
    state_field = "review_state"
    from_state = ReviewState.CURRENT
    to_state = ReviewState.OVERDUE
    name = "prevention-risk-review"

    def on_due(self, obj, now):
        audit.record(
            action="riskpoint.review_overdue",
            obj=obj,
            before={"review_state": ReviewState.CURRENT},
            after={"review_state": ReviewState.OVERDUE},
        )
        enqueue(
            subject=(_("Risk point review due: %(name)s") % {"name": obj.name})[:200],
            link=f"/prevention/points/{obj.pk}/",
            recipients=services._enterprise_users(obj.enterprise),
            channels=(Channel.INAPP,),
            org=obj.enterprise,
            dedupe_key=f"prevention-review:{obj.pk}:{obj.review_due.isoformat()}",
        )
