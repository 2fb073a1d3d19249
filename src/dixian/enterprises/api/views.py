"""Enterprises API: the same scoping and services as the pages."""

import django_filters
from django.core.exceptions import PermissionDenied
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from dixian.core.api.views import ScopedViewSetMixin

from .. import services
from ..models import EnterpriseProfile, GradeLevel, Licence, LicenceStatus, OperatingStatus, Scale
from . import serializers as s


class EnterpriseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OperatingStatus.choices, null_label=None)
    scale = django_filters.ChoiceFilter(choices=Scale.choices, null_label=None)
    grade_code = django_filters.CharFilter(field_name="grade__code", max_length=8)
    credit_code = django_filters.CharFilter(field_name="org__credit_code", max_length=18)

    class Meta:
        model = EnterpriseProfile
        fields = ["status", "scale", "grade_code", "credit_code"]


class LicenceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LicenceStatus.choices, null_label=None)
    valid_to_before = django_filters.DateFilter(field_name="valid_to", lookup_expr="lte")

    class Meta:
        model = Licence
        fields = ["status", "valid_to_before"]


class EnterpriseViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Enterprises in the caller's scope (a department: its jurisdiction; a township: its
    area; an enterprise: itself), with profile, industry details and supervision grade."""

    queryset = EnterpriseProfile.objects.all()
    serializer_class = s.EnterpriseSerializer
    filterset_class = EnterpriseFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("org", "grade")
            .prefetch_related("org__industries")
        )


class GradeLevelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The supervision grade scale (A–D by default) and the inspection interval per grade."""

    queryset = GradeLevel.objects.all()
    serializer_class = s.GradeLevelSerializer


class LicenceViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Licences (许可证照) of the enterprises in the caller's scope. 县行政审批局 (the
    recording body), 安委办 and administrators record and change them county-wide; every
    supervising department is told at once."""

    queryset = Licence.objects.all()
    serializer_class = s.LicenceSerializer
    filterset_class = LicenceFilter

    def get_queryset(self):
        return super().get_queryset().select_related("enterprise", "type")

    def perform_create(self, serializer):
        if not Licence.scope_may_create(self.request.user):
            raise ApiPermissionDenied()
        self._save(serializer)

    def _save(self, serializer):
        licence = serializer.instance or Licence()
        try:
            serializer.instance = services.licence_save(
                actor=self.request.user, licence=licence, data=dict(serializer.validated_data)
            )
        except PermissionDenied as exc:
            raise ApiPermissionDenied("outside your scope") from exc
