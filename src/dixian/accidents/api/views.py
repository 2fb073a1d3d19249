"""Accidents API: the same scoping and services as the pages (read; first report; forward)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from dixian.core.api.views import ScopedViewSetMixin
from dixian.core.choices import Action
from dixian.core.scoping import may_create

from .. import services
from ..models import (
    Accident,
    AccidentClock,
    AccountabilityDecision,
    Bulletin,
    BulletinReceipt,
    DishonestyListing,
    Investigation,
    SupplementaryReport,
)
from . import serializers as s


class AccidentViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Accident reports (事故信息报送) in the caller's scope with their clocks. POST records a
    first report."""

    queryset = Accident.objects.all()
    serializer_class = s.AccidentSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("clocks")

    @extend_schema(request=s.AccidentCreateSerializer, responses={201: s.AccidentSerializer})
    def create(self, request, *args, **kwargs):
        from rest_framework.exceptions import PermissionDenied

        if not may_create(request.user, Accident):
            raise PermissionDenied()
        data = s.AccidentCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        acc = services.report_accident(actor=request.user, accident=Accident(**data.validated_data))
        return Response(s.AccidentSerializer(acc).data, status=status.HTTP_201_CREATED)


class AccidentForwardViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """``POST /accidents/{id}/forward/``: record that the report went up one level."""

    queryset = Accident.objects.all()
    serializer_class = s.AccidentClockSerializer
    scoping = "post_only"

    @extend_schema(request=s.ForwardSerializer, responses={200: s.AccidentClockSerializer})
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        """Record the forwarding to the next level (default: now); 400 when none is due."""
        acc = self.get_object()
        if not Accident.objects.restrict(request.user, Action.CHANGE).filter(pk=acc.pk).exists():
            raise NotFound()
        data = s.ForwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        c = services.forward(actor=request.user, accident=acc, at=data.validated_data.get("at"))
        return Response(s.AccidentClockSerializer(c).data)


def _ro(model, serializer, doc):
    return type(
        f"{model.__name__}ViewSet",
        (ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet),
        {"queryset": model.objects.all(), "serializer_class": serializer, "__doc__": doc},
    )


AccidentClockViewSet = _ro(
    AccidentClock, s.AccidentClockSerializer, "Reporting and investigation clocks of accidents."
)
SupplementaryReportViewSet = _ro(
    SupplementaryReport, s.SupplementaryReportSerializer, "Supplementary reports (续报)."
)
InvestigationViewSet = _ro(
    Investigation, s.InvestigationSerializer, "Accident investigations with 四不放过 evidence."
)
AccountabilityDecisionViewSet = _ro(
    AccountabilityDecision, s.AccountabilityDecisionSerializer, "Accountability decisions."
)
DishonestyListingViewSet = _ro(
    DishonestyListing, s.DishonestyListingSerializer, "The serious-dishonesty list."
)
BulletinViewSet = _ro(Bulletin, s.BulletinSerializer, "Accident bulletins (事故通报).")
BulletinReceiptViewSet = _ro(
    BulletinReceipt, s.BulletinReceiptSerializer, "Bulletin read receipts per enterprise."
)
