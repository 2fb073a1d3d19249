"""Deadline handlers of the duties (each a due column on a row, swept every minute):

- a milestone's reminder before it is due;
- a pending milestone whose time has passed is overdue (逾期), and its supervision letter
  is scheduled ``DUTIES_LETTER_AFTER_DAYS`` later;
- the supervision letter (督办函) is issued if the milestone is still overdue;
- a letter still unanswered ``DUTIES_ESCALATE_AFTER_DAYS`` after it was issued goes to the
  county leaders in charge (分管县领导);
- a month without a safety committee meeting is flagged at its end;
- a 包保 guarantor is reminded before a visit is due, and the visit is flagged overdue.
"""

from __future__ import annotations

import datetime as dt

from dixian.core import audit, deadlines

from . import services
from .models import (
    Guarantee,
    LetterState,
    LetterStep,
    MeetingMonth,
    Milestone,
    MilestoneState,
    PeriodState,
    ReminderState,
    SupervisionLetter,
    VisitState,
)
from .services import notify_overdue


@deadlines.register
class MilestoneReminders(deadlines.DeadlineHandler):
    model = Milestone
    due_field = "remind_at"
    state_field = "reminder_state"
    from_state = ReminderState.SCHEDULED
    to_state = ReminderState.SENT
    name = "duties-milestone-reminders"

    def on_due(self, obj, now):
        services.remind_milestone(obj, now)


@deadlines.register
class MilestonesOverdue(deadlines.DeadlineHandler):
    """Pending → overdue at ``due_at``, exactly once (the conditional update decides who
    moves it); the organisation's users and 安委办 are told (deduplicated per milestone),
    and the supervision letter is scheduled."""

    model = Milestone
    due_field = "due_at"
    from_state = MilestoneState.PENDING
    to_state = MilestoneState.OVERDUE
    name = "duties-milestones-overdue"

    def transition_values(self, now):
        return {
            "state": self.to_state,
            "overdue_at": now,
            "letter_due_at": now + dt.timedelta(days=services.setting("LETTER_AFTER_DAYS")),
            "letter_step": LetterStep.SCHEDULED,
        }

    def on_due(self, obj, now):
        audit.record(
            action="milestone.overdue",
            obj=obj,
            before={"state": MilestoneState.PENDING},
            after={"state": obj.state, "overdue_at": now},
        )
        notify_overdue(obj)


@deadlines.register
class SupervisionLettersDue(deadlines.DeadlineHandler):
    """A milestone still overdue when its letter is due gets its 督办函."""

    model = Milestone
    due_field = "letter_due_at"
    state_field = "letter_step"
    from_state = LetterStep.SCHEDULED
    to_state = LetterStep.ISSUED
    name = "duties-supervision-letters"

    def on_due(self, obj, now):
        if obj.state == MilestoneState.OVERDUE:
            services.issue_letter(obj, now)


@deadlines.register
class SupervisionLettersEscalate(deadlines.DeadlineHandler):
    model = SupervisionLetter
    due_field = "escalate_at"
    from_state = LetterState.ISSUED
    to_state = LetterState.ESCALATED
    name = "duties-letters-escalate"

    def transition_values(self, now):
        return {"state": self.to_state, "escalated_at": now}

    def on_due(self, obj, now):
        services.escalate_letter(obj, now)


@deadlines.register
class MeetingMonthsMissed(deadlines.DeadlineHandler):
    model = MeetingMonth
    from_state = PeriodState.OPEN
    to_state = PeriodState.MISSED
    name = "duties-meeting-months"

    def due_queryset(self, now):
        services.ensure_current_meeting_months(now)
        return super().due_queryset(now)

    def on_due(self, obj, now):
        services.month_missed(obj)


@deadlines.register
class GuaranteeVisitReminders(deadlines.DeadlineHandler):
    model = Guarantee
    due_field = "remind_at"
    state_field = "reminder_state"
    from_state = ReminderState.SCHEDULED
    to_state = ReminderState.SENT
    name = "duties-guarantee-reminders"

    def on_due(self, obj, now):
        services.remind_visit(obj, now)


@deadlines.register
class GuaranteeVisitsOverdue(deadlines.DeadlineHandler):
    model = Guarantee
    due_field = "next_visit_due"
    state_field = "visit_state"
    from_state = VisitState.ON_TIME
    to_state = VisitState.OVERDUE
    name = "duties-guarantee-visits"

    def due_queryset(self, now):
        return super().due_queryset(now).filter(is_active=True)

    def on_due(self, obj, now):
        services.visit_missed(obj, now)
