"""Duties API: the same scoping and services as the pages."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dixian.core.api.views import ScopedViewSetMixin
from dixian.core.choices import Action

from .. import services
from ..models import (
    DutyList,
    Guarantee,
    GuaranteeVisit,
    KeyTask,
    Meeting,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReportState,
    TaskState,
)
from . import serializers as s


class IdFilter(django_filters.Filter):
    """A whole number within the database's integer range (else 400, never an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class KeyTaskFilter(django_filters.FilterSet):
    year = IdFilter(max_value=9999)
    state = django_filters.ChoiceFilter(choices=TaskState.choices, null_label=None)

    class Meta:
        model = KeyTask
        fields = ["year", "state"]


class MilestoneFilter(django_filters.FilterSet):
    # Plain ids: a filter must not tell whether a row outside the caller's scope exists.
    task = IdFilter(field_name="task_id")
    state = django_filters.ChoiceFilter(choices=MilestoneState.choices, null_label=None)

    class Meta:
        model = Milestone
        fields = ["task", "state"]


class ProgressReportFilter(django_filters.FilterSet):
    milestone = IdFilter(field_name="milestone_id")
    state = django_filters.ChoiceFilter(choices=ReportState.choices, null_label=None)

    class Meta:
        model = ProgressReport
        fields = ["milestone", "state"]


class KeyTaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Key tasks of the annual notice (年度重点工作任务) in the caller's scope, with their
    assignments."""

    queryset = KeyTask.objects.all()
    serializer_class = s.KeyTaskSerializer
    filterset_class = KeyTaskFilter

    def get_queryset(self):
        return super().get_queryset().prefetch_related("assignments")


class MilestoneViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Reporting points (报送节点) of the tasks in the caller's scope."""

    queryset = Milestone.objects.all()
    serializer_class = s.MilestoneSerializer
    filterset_class = MilestoneFilter


class ProgressReportViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Progress reports (进度报送) of the tasks in the caller's scope. POST reports on a
    milestone of the caller's own organisation (403 otherwise)."""

    queryset = ProgressReport.objects.all()
    serializer_class = s.ProgressReportSerializer
    filterset_class = ProgressReportFilter

    @extend_schema(
        request=s.ProgressReportCreateSerializer, responses={201: s.ProgressReportSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = s.ProgressReportCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        # PermissionDenied answers 403 and ValidationError 400 (dixian.core.api.errors).
        report = services.report_progress(
            actor=request.user,
            milestone=data.validated_data["milestone"],
            text=data.validated_data["text"],
            percent=data.validated_data["percent"],
        )
        return Response(s.ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ProgressReportActions(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Review of a progress report: POST confirm/ or return/ (the note is required to
    return). The lead organisation or 安委办 only, never for one's own report — the page's
    rules: 404 outside the caller's view, 403 where the caller sees but may not review."""

    scoping = "post_only"
    queryset = ProgressReport.objects.all()
    serializer_class = s.ReviewSerializer

    def _review(self, request, pk, decision):
        report = self.get_object_for_action(pk)
        services.check_may(ProgressReport, request.user, report, Action.CHANGE)  # 404 / 403
        data = s.ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.review_report(
            actor=request.user, report=report, decision=decision, note=data.validated_data["note"]
        )
        return Response(s.ProgressReportSerializer(report).data)

    def get_object_for_action(self, pk):
        from django.http import Http404

        try:
            return self.get_queryset().get(pk=int(pk))
        except (ValueError, OverflowError, ProgressReport.DoesNotExist):
            raise Http404 from None

    @extend_schema(request=s.ReviewSerializer, responses={200: s.ProgressReportSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm (确认) a submitted report; its milestone is confirmed."""
        return self._review(request, pk, "confirm")

    @extend_schema(request=s.ReviewSerializer, responses={200: s.ProgressReportSerializer})
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        """Return (退回) a submitted report with a note; its milestone is pending again."""
        return self._review(request, pk, "return")


class KeyTaskActions(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Close (completed) or reopen a key task: 安委办 and administrators, as on the page."""

    scoping = "post_only"
    queryset = KeyTask.objects.all()
    serializer_class = s.KeyTaskSerializer

    def _set(self, request, pk, state):
        from django.http import Http404

        try:
            task = self.get_queryset().get(pk=int(pk))
        except (ValueError, OverflowError, KeyTask.DoesNotExist):
            raise Http404 from None
        task = services.task_set_state(actor=request.user, task=task, state=state)
        return Response(s.KeyTaskSerializer(task).data)

    @extend_schema(request=None, responses={200: s.KeyTaskSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._set(request, pk, TaskState.COMPLETED)

    @extend_schema(request=None, responses={200: s.KeyTaskSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._set(request, pk, TaskState.OPEN)


class MeetingViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Safety committee meetings (县安委会会议) with their decisions; 安委办 records them."""

    queryset = Meeting.objects.all()
    serializer_class = s.MeetingSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("attendees", "decisions__co_orgs")

    def _save(self, serializer):
        super()._save(serializer)
        held = serializer.instance.held_on
        services.ensure_meeting_month(held.year, held.month)


class GuaranteeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """包保 assignments: who guarantees which enterprise, and when the next visit is due."""

    queryset = Guarantee.objects.all()
    serializer_class = s.GuaranteeSerializer


class GuaranteeVisitViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Visits and underground inspections of the guarantors."""

    queryset = GuaranteeVisit.objects.all()
    serializer_class = s.GuaranteeVisitSerializer


class DutyListViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Duty lists (安全生产职责清单, 权责清单), current version."""

    queryset = DutyList.objects.all()
    serializer_class = s.DutyListSerializer
