"""Duties API: the same scoping and services as the pages."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from dixian.core.api.views import ScopedViewSetMixin

from .. import services
from ..models import KeyTask, Milestone, MilestoneState, ProgressReport, ReportState, TaskState
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
