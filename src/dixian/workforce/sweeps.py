"""Deadline handlers of the workforce: certificates lapse, retraining and corrective
actions become overdue. Each moves a row once (conditional update) and tells people."""

from __future__ import annotations

from dixian.core import deadlines

from . import services
from .models import BreachState, Certificate, CertificateState, CycleState, RuleBreach, ScoreCycle


@deadlines.register
class CertificatesLapse(deadlines.DeadlineHandler):
    """A certificate past its expiry or review date lapses (valid → lapsed)."""

    model = Certificate
    due_field = "lapses_at"
    from_state = CertificateState.VALID
    to_state = CertificateState.LAPSED
    name = "workforce-certificates-lapse"

    def on_due(self, obj, now):
        services.certificate_lapsed(obj)


@deadlines.register
class RetrainingOverdue(deadlines.DeadlineHandler):
    """A principal who reached the threshold and has not retrained by the deadline."""

    model = ScoreCycle
    due_field = "retrain_due_at"
    from_state = CycleState.REACHED
    to_state = CycleState.OVERDUE
    name = "workforce-retraining-overdue"

    def on_due(self, obj, now):
        services.retraining_overdue(obj)


@deadlines.register
class BreachesOverdue(deadlines.DeadlineHandler):
    """A 反“三违” corrective action not closed by its date."""

    model = RuleBreach
    due_field = "due_at"
    from_state = BreachState.OPEN
    to_state = BreachState.OVERDUE
    name = "workforce-breaches-overdue"

    def on_due(self, obj, now):
        services.breach_overdue(obj)
