"""Deadline handlers: a plan's evaluation falls due; a drill's improvement action is late."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from dixian.core import audit, deadlines

from .models import ActionState, ClockState, DrillAction, Plan
from .services import notify_org


@deadlines.register
class PlanEvaluationOverdue(deadlines.DeadlineHandler):
    """88号令 Art. 35: the plan's periodic evaluation is due; its owner is told once."""

    model = Plan
    due_field = "evaluation_due_at"
    state_field = "evaluation_state"
    from_state = ClockState.RUNNING
    to_state = ClockState.OVERDUE
    name = "emergency-plan-evaluation"

    def on_due(self, obj, now):
        audit.record(
            action="plan.evaluation_overdue", obj=obj, after={"due": obj.evaluation_due_at}
        )
        notify_org(
            obj.owner,
            _("Plan evaluation due: %(plan)s") % {"plan": obj.title},
            reverse("emergency:plan_detail", args=[obj.pk]),
            f"plan:{obj.pk}:evaluation:{obj.evaluation_due_at:%Y%m%d}",
        )


@deadlines.register
class DrillActionOverdue(deadlines.DeadlineHandler):
    model = DrillAction
    due_field = "due_at"
    from_state = ActionState.OPEN
    to_state = ActionState.OVERDUE
    name = "emergency-drill-actions"

    def on_due(self, obj, now):
        audit.record(action="drillaction.overdue", obj=obj, after={"due": obj.due_at})
        notify_org(
            obj.owner,
            _("Improvement action overdue: %(text)s") % {"text": obj.text},
            reverse("emergency:drill_detail", args=[obj.drill_id]),
            f"drillaction:{obj.pk}:overdue",
        )
