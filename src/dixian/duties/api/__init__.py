"""Duties API: tasks and milestones read; progress reports read, submitted, confirmed and
returned; tasks closed and reopened; committee meetings, 包保 assignments and duty lists.

The core router registers key-tasks, milestones and progress-reports; ``register`` adds the
rest (the action routes are POST-only viewsets of their own)."""

from .views import KeyTaskViewSet, MilestoneViewSet, ProgressReportViewSet


def register(router) -> None:
    from . import views

    router.register(
        "progress-reports", views.ProgressReportActions, basename="progressreport-action"
    )
    router.register("key-tasks", views.KeyTaskActions, basename="keytask-action")
    router.register("committee-meetings", views.MeetingViewSet)
    router.register("guarantees", views.GuaranteeViewSet)
    router.register("guarantee-visits", views.GuaranteeVisitViewSet)
    router.register("duty-lists", views.DutyListViewSet)


__all__ = ["KeyTaskViewSet", "MilestoneViewSet", "ProgressReportViewSet", "register"]
