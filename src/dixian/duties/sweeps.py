"""Deadline handler of the duties: a pending milestone whose time has passed is overdue (逾期)."""

from __future__ import annotations

from dixian.core import audit, deadlines

from .models import Milestone, MilestoneState
from .services import notify_overdue


@deadlines.register
class MilestonesOverdue(deadlines.DeadlineHandler):
    """Pending → overdue at ``due_at``, exactly once (the conditional update decides who
    moves it); the organisation's users and 安委办 are told (deduplicated per milestone)."""

    model = Milestone
    due_field = "due_at"
    from_state = MilestoneState.PENDING
    to_state = MilestoneState.OVERDUE
    name = "duties-milestones-overdue"

    def transition_values(self, now):
        return {"state": self.to_state, "overdue_at": now}

    def on_due(self, obj, now):
        audit.record(
            action="milestone.overdue",
            obj=obj,
            before={"state": MilestoneState.PENDING},
            after={"state": obj.state, "overdue_at": now},
        )
        notify_overdue(obj)
