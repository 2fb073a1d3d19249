"""API viewsets: the same scoping and the same services as the pages.

- Lists and lookups go through ``restrict(user, "view")``: what the caller may not see does
  not exist for them (404).
- Changing or deleting something the caller can see but may not change is refused (403),
  as is creating for a role that may not create that kind of object (e.g. the county
  leader, who only reads).
- Writes go through ``services.object_save`` / ``services.object_delete`` (audited).
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from .. import services
from ..choices import Action, Channel
from ..models import (
    AuditEvent,
    Division,
    Industry,
    Jurisdiction,
    Message,
    Organisation,
    Person,
    Position,
)
from ..notify import mark_read
from ..scoping import is_county_wide, may_create
from . import filters
from . import serializers as s
from .pagination import Pagination
from .schema import LOOKUP_VALUE_REGEX, DixianAutoSchema


class ScopedViewSetMixin:
    """Every queryset through restrict(); writes through the core services (audited)."""

    pagination_class = Pagination
    schema = DixianAutoSchema()
    # Any path segment reaches the view (and gets the JSON 404), not only dot-free ones.
    lookup_value_regex = LOOKUP_VALUE_REGEX

    def _model(self):
        return self.queryset.model

    def get_queryset(self):
        # Model ordering with the primary key as tie-breaker: stable pages.
        ordering = [*self._model()._meta.ordering, "pk"]
        return (
            self._model()
            ._default_manager.restrict(self.request.user, Action.VIEW)
            .order_by(*ordering)
        )

    def may_write(self) -> bool:
        """A per-viewset rule on top of the scoping rules (default: none)."""
        return True

    def get_object(self):
        obj = super().get_object()  # outside the caller's view: 404
        if self.request.method not in SAFE_METHODS:
            needed = Action.DELETE if self.request.method == "DELETE" else Action.CHANGE
            allowed = self._model()._default_manager.restrict(self.request.user, needed)
            if not (self.may_write() and allowed.filter(pk=obj.pk).exists()):
                raise ApiPermissionDenied()
        return obj

    def perform_create(self, serializer):
        if not (self.may_write() and may_create(self.request.user, self._model())):
            raise ApiPermissionDenied()
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer):
        model = self._model()
        data = dict(serializer.validated_data)
        m2m_names = {f.name for f in model._meta.many_to_many}
        m2m = {k: data.pop(k) for k in list(data) if k in m2m_names}
        instance = serializer.instance or model()
        for key, value in data.items():
            setattr(instance, key, value)
        try:
            with transaction.atomic():
                serializer.instance = services.object_save(
                    actor=self.request.user, instance=instance, m2m=m2m
                )
        except PermissionDenied as exc:
            raise ApiPermissionDenied("outside your scope") from exc

    def perform_destroy(self, instance):
        services.object_delete(actor=self.request.user, instance=instance)


class DivisionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Administrative divisions (行政区划): county, townships, villages. Everyone reads;
    administrators change."""

    queryset = Division.objects.all()
    serializer_class = s.DivisionSerializer
    filterset_class = filters.DivisionFilter


class IndustryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """The industry catalogue (行业). Everyone reads; administrators change."""

    queryset = Industry.objects.all()
    serializer_class = s.IndustrySerializer


class OrganisationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Organisations in the caller's scope: government bodies, townships, villages,
    enterprises, teams."""

    queryset = Organisation.objects.all()
    serializer_class = s.OrganisationSerializer
    filterset_class = filters.OrganisationFilter


class PersonViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """People of the organisations in the caller's scope."""

    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    filterset_class = filters.PersonFilter


class PositionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Posts held by people in the organisations in the caller's scope."""

    queryset = Position.objects.all()
    serializer_class = s.PositionSerializer
    filterset_class = filters.PositionFilter


class JurisdictionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Departments' supervisory remits (industries × areas: 管行业必须管安全)."""

    queryset = Jurisdiction.objects.all()
    serializer_class = s.JurisdictionSerializer

    def may_write(self) -> bool:
        # A jurisdiction widens its department's scope: a department may not grant itself
        # one. Only those who change county-wide data (安委办, administrators) assign them.
        return is_county_wide(self.request.user, Action.CHANGE)


class AuditEventViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The audit chain (newest first), limited to events about the caller's scope."""

    queryset = AuditEvent.objects.all()
    serializer_class = s.AuditEventSerializer
    lookup_field = "seq"


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requesting user's in-app inbox (newest first)."""

    serializer_class = s.MessageSerializer
    queryset = Message.objects.all()
    pagination_class = Pagination
    schema = DixianAutoSchema()
    lookup_value_regex = LOOKUP_VALUE_REGEX

    def get_queryset(self):
        return Message.objects.filter(recipient=self.request.user, channel=Channel.INAPP).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=None, responses=s.MessageSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        """Mark the message read (idempotent)."""
        message = self.get_object()
        mark_read(user=request.user, message_ids=[message.pk])
        message.refresh_from_db()
        return Response(s.MessageSerializer(message).data)
