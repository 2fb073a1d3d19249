"""Alerts API: warnings, targets, acknowledgements and measures reports; CAP by POST."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from dixian.core.api.views import ScopedViewSetMixin
from dixian.core.choices import Action
from dixian.core.scoping import may_create

from .. import cap, services
from ..models import AckChannel, EventKind, Feedback, Source, Warning, WarningEvent, WarningTarget
from ..selectors import own_target
from . import serializers as s


class WarningViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Disaster warnings in the caller's scope (issued, or reaching their organisations)."""

    queryset = Warning.objects.all()
    serializer_class = s.WarningSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("divisions")


class WarningTargetViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The people called for warnings (叫应对象), with their ladder state."""

    queryset = WarningTarget.objects.all()
    serializer_class = s.WarningTargetSerializer


class AcknowledgementViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Acknowledgements (应) on the 叫应 record, timestamped. POST ``{"target": id}``
    acknowledges the caller's own call (403 for someone else's, 409 once the warning is
    closed)."""

    queryset = WarningEvent.objects.filter(kind=EventKind.ACKNOWLEDGED)
    serializer_class = s.AcknowledgementSerializer

    def get_queryset(self):
        return super().get_queryset().filter(kind=EventKind.ACKNOWLEDGED)

    @extend_schema(
        request=s.AckCreateSerializer,
        responses={
            200: s.AckResultSerializer,
            409: OpenApiResponse(description="the warning is closed"),
        },
    )
    def create(self, request, *args, **kwargs):
        data = s.AckCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        target = data.validated_data["target"]
        if target.person_id is None or target.person_id != getattr(request.user, "person_id", None):
            raise PermissionDenied()
        try:
            done = services.acknowledge(target=target, channel=AckChannel.API, actor=request.user)
        except services.WarningClosed:
            return Response({"detail": "warning closed"}, status=status.HTTP_409_CONFLICT)
        target.refresh_from_db()
        return Response({"acknowledged": done, "target": s.WarningTargetSerializer(target).data})


class FeedbackViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Measures reports (回应). POST reports on a released warning the caller can see."""

    queryset = Feedback.objects.all()
    serializer_class = s.FeedbackSerializer

    @extend_schema(
        request=s.FeedbackCreateSerializer,
        responses={
            201: s.FeedbackSerializer,
            409: OpenApiResponse(description="the warning is closed"),
        },
    )
    def create(self, request, *args, **kwargs):
        data = s.FeedbackCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        warning = data.validated_data["warning"]
        if (
            not request.user.role
            or not Warning.objects.restrict(request.user, Action.VIEW)
            .filter(pk=warning.pk)
            .exists()
        ):
            raise PermissionDenied()
        try:
            fb = services.submit_feedback(
                warning=warning,
                target=own_target(warning, request.user),
                actor=request.user,
                text=data.validated_data["text"],
                checklist=data.validated_data.get("checklist", []),
            )
        except services.WarningClosed:
            return Response({"detail": "warning closed"}, status=status.HTTP_409_CONFLICT)
        return Response(s.FeedbackSerializer(fb).data, status=status.HTTP_201_CREATED)


class XmlParser(BaseParser):
    """CAP messages arrive as XML: the raw bytes (up to the size limit) go to the validator."""

    media_type = "application/xml"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(cap.MAX_BYTES + 1) if stream is not None else b""


class CapMessageViewSet(viewsets.ViewSet):
    """POST a CAP 1.2 message (``application/xml``): validated against the official schema
    and the specification's rules; it becomes a draft warning. Refused with every problem
    listed (400) and nothing stored when invalid."""

    scoping = "post_only"
    parser_classes = [XmlParser]

    @extend_schema(
        request={"application/xml": OpenApiTypes.STR},
        responses={
            201: s.CapResultSerializer,
            400: OpenApiResponse(s.CapErrorSerializer),
            403: OpenApiResponse(description="not allowed to create warnings"),
        },
    )
    def create(self, request):
        if not may_create(request.user, Warning):
            raise PermissionDenied()
        data = request.data if isinstance(request.data, bytes) else b""
        try:
            with transaction.atomic():
                result = cap.import_message(data, actor=request.user, source=Source.CAP_POST)
        except cap.CapError as exc:
            return Response(
                {"valid": False, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST
            )
        return Response(result, status=status.HTTP_201_CREATED)
