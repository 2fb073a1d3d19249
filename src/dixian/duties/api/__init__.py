"""Duties API: read-only tasks and milestones; progress reports read and submitted."""

from .views import KeyTaskViewSet, MilestoneViewSet, ProgressReportViewSet

__all__ = ["KeyTaskViewSet", "MilestoneViewSet", "ProgressReportViewSet"]
