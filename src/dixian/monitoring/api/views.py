"""Monitoring API: objects, points, gateways, rules, readings (ingest and range queries),
alarms and their transitions — the same scoping and services as the pages."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from dixian.core import clock
from dixian.core.api.views import ScopedViewSetMixin

from .. import services
from ..ingest import Envelope, ingest_many
from ..models import (
    Alarm,
    AlarmKind,
    AlarmState,
    Gateway,
    Level,
    MonitoredObject,
    Point,
    Reading,
    Rule,
)
from . import serializers as s


class IdFilter(django_filters.Filter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(*args, **kwargs)


class PointFilter(django_filters.FilterSet):
    object = IdFilter(field_name="object_id")
    gateway = IdFilter(field_name="gateway_id")

    class Meta:
        model = Point
        fields = ["object", "gateway", "kind"]


class AlarmFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=AlarmState.choices, null_label=None)
    level = django_filters.ChoiceFilter(choices=Level.choices, null_label=None)
    kind = django_filters.ChoiceFilter(choices=AlarmKind.choices, null_label=None)
    enterprise = IdFilter(field_name="enterprise_id")

    class Meta:
        model = Alarm
        fields = ["state", "level", "kind", "enterprise"]


class MonitoredObjectViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Monitored objects (mines, tailings ponds, hazard sources, slopes, gas networks)."""

    queryset = MonitoredObject.objects.all()
    serializer_class = s.MonitoredObjectSerializer


class PointViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Measuring points with their latest value."""

    queryset = Point.objects.all()
    serializer_class = s.PointSerializer
    filterset_class = PointFilter

    def get_queryset(self):
        return super().get_queryset().select_related("latest")


class GatewayViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Data gateways and their link state (tokens are never shown)."""

    queryset = Gateway.objects.all()
    serializer_class = s.GatewaySerializer


class RuleViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Alarm rules of the points; thresholds are editable (PATCH)."""

    queryset = Rule.objects.all()
    serializer_class = s.RuleSerializer

    def perform_update(self, serializer):
        super().perform_update(serializer)
        from ..ingest import registry

        registry.invalidate()


class AlarmViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Alarms in the caller's scope, newest first."""

    queryset = Alarm.objects.all()
    serializer_class = s.AlarmSerializer
    filterset_class = AlarmFilter


class AlarmTransitionViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """One step of an alarm's workflow: acknowledge, dispose, feedback (cause and
    measures required), close."""

    queryset = Alarm.objects.all()
    serializer_class = s.AlarmSerializer
    scoping = "post_only"

    @extend_schema(request=s.TransitionSerializer, responses={200: s.AlarmSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        alarm = self.get_object()
        data = s.TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        step = values.pop("step")
        alarm = services.transition(actor=request.user, alarm=alarm, step=step, **values)
        return Response(s.AlarmSerializer(alarm).data)


MAX_WINDOW = dt.timedelta(days=31)


class ReadingViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Readings: GET a range (``point``, ``start``, ``end``; default the last hour, at most
    31 days); POST a gateway's batch (``Authorization: Gateway <token>``)."""

    queryset = Reading.objects.all()
    serializer_class = s.ReadingSerializer

    def get_authenticators(self):
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_throttles()

    def get_queryset(self):
        from dixian.core.choices import Action

        qs = Reading.objects.restrict(self.request.user, Action.VIEW)
        params = self.request.query_params
        end = self._time(params.get("end")) or clock.now()
        start = self._time(params.get("start")) or end - dt.timedelta(hours=1)
        if end - start > MAX_WINDOW or start > end:
            raise ValidationError({"start": ["The window must be 0–31 days."]})
        qs = qs.filter(ts__gte=start, ts__lte=end)
        if params.get("point"):
            try:
                point = int(params["point"])
            except ValueError:
                raise ValidationError({"point": ["A point id."]}) from None
            if not 0 < point < 2**31:
                raise ValidationError({"point": ["A point id."]})
            qs = qs.filter(point_id=point)
        return qs.order_by("point_id", "ts")

    @staticmethod
    def _time(value):
        if not value:
            return None
        from django.utils.dateparse import parse_datetime

        try:
            ts = parse_datetime(value)
        except ValueError:
            ts = None
        if ts is None or ts.tzinfo is None:
            raise ValidationError({"time": ["ISO 8601 with a time zone."]})
        return ts

    @extend_schema(
        parameters=[
            OpenApiParameter("point", int),
            OpenApiParameter("start", str),
            OpenApiParameter("end", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.BatchSerializer, responses={200: s.BatchResultSerializer})
    def create(self, request, *args, **kwargs):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _, token = header.partition(" ")
        if keyword != "Gateway" or not token:
            raise NotAuthenticated("Authorization: Gateway <token> required")
        (outcome,) = ingest_many(
            [Envelope(request.body, source="http", topic=request.path, token=token.strip())]
        )
        if outcome.error:
            code = status.HTTP_401_UNAUTHORIZED if "token" in outcome.error else 400
            if outcome.error.startswith("unknown gateway"):
                code = status.HTTP_401_UNAUTHORIZED
            return Response({"error": {"code": "rejected", "message": outcome.error}}, status=code)
        return Response(outcome.as_dict(), status=status.HTTP_200_OK)
