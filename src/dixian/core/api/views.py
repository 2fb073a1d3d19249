"""API viewsets: the same scoping and the same services as the pages."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
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
from . import serializers as s


class ScopedViewSetMixin:
    """Every queryset through restrict(); writes through the core services (audited)."""

    def get_queryset(self):
        action_name = (
            Action.VIEW
            if self.request.method in ("GET", "HEAD", "OPTIONS")
            else (Action.DELETE if self.request.method == "DELETE" else Action.CHANGE)
        )
        return self.queryset.model._default_manager.restrict(
            self.request.user, action_name
        ).order_by("pk")

    def perform_create(self, serializer):
        from ..scoping import may_act

        if not may_act(self.request.user, Action.CHANGE):
            raise ApiPermissionDenied()
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer):
        from django.core.exceptions import PermissionDenied

        data = dict(serializer.validated_data)
        m2m = {
            k: data.pop(k)
            for k in list(data)
            if k in {f.name for f in serializer.Meta.model._meta.many_to_many}
        }
        instance = serializer.instance or serializer.Meta.model()
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
    queryset = Division.objects.all()
    serializer_class = s.DivisionSerializer
    filterset_fields = ["level", "parent"]


class IndustryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Industry.objects.all()
    serializer_class = s.IndustrySerializer


class OrganisationViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Organisation.objects.all()
    serializer_class = s.OrganisationSerializer
    filterset_fields = ["kind", "division", "parent"]


class PersonViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Person.objects.all()
    serializer_class = s.PersonSerializer
    filterset_fields = ["org"]


class PositionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Position.objects.all()
    serializer_class = s.PositionSerializer
    filterset_fields = ["org", "kind"]


class JurisdictionViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    queryset = Jurisdiction.objects.all()
    serializer_class = s.JurisdictionSerializer


class AuditEventViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = AuditEvent.objects.all()
    serializer_class = s.AuditEventSerializer
    lookup_field = "seq"


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The requesting user's in-app inbox."""

    serializer_class = s.MessageSerializer
    queryset = Message.objects.all()

    def get_queryset(self):
        return Message.objects.filter(recipient=self.request.user, channel=Channel.INAPP).order_by(
            "-created_at", "-id"
        )

    @extend_schema(request=None, responses=s.MessageSerializer)
    @action(detail=True, methods=["post"], url_path="read")
    def read(self, request, pk=None):
        message = self.get_object()
        mark_read(user=request.user, message_ids=[message.pk])
        message.refresh_from_db()
        return Response(s.MessageSerializer(message).data)
