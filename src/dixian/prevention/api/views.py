"""Double-prevention API: the same scoping and the same services as the pages. Hazard
transitions are POST actions (``/hazards/{id}/<action>/``); an illegal one answers 409 with
the service's message."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dixian.core.api.errors import Conflict
from dixian.core.api.schema import ErrorSerializer
from dixian.core.api.views import ScopedViewSetMixin

from .. import services
from ..models import (
    Filing,
    Hazard,
    Inventory,
    MajorHazardSource,
    PublicReport,
    RiskCheck,
    RiskPoint,
)
from . import serializers as s


class IllegalTransition(Conflict):
    default_code = "illegal_transition"


class RiskPointViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Risk points (风险点) in the caller's scope; the score and level are computed by the
    standards kernel (LEC or LS)."""

    queryset = RiskPoint.objects.all()
    serializer_class = s.RiskPointSerializer


class RiskCheckViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Patrol checks (巡检). POST records a check; each failed item opens a hidden hazard."""

    queryset = RiskCheck.objects.all()
    serializer_class = s.RiskCheckSerializer

    @extend_schema(request=s.RiskCheckCreateSerializer, responses={201: s.RiskCheckSerializer})
    def create(self, request, *args, **kwargs):
        data = s.RiskCheckCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        results = {r["item"]: (r["ok"], r.get("note", "")) for r in data.validated_data["results"]}
        check = services.record_check(
            actor=request.user,
            point=data.validated_data["point"],
            results=results,
            note=data.validated_data.get("note", ""),
        )
        return Response(s.RiskCheckSerializer(check).data, status=status.HTTP_201_CREATED)


class MajorHazardSourceViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Major hazard sources (重大危险源): S, R and grade per GB 18218-2018, recomputed from the
    inventory."""

    queryset = MajorHazardSource.objects.all()
    serializer_class = s.MajorHazardSourceSerializer

    def _save(self, serializer):
        super()._save(serializer)
        services.mhs_recompute(serializer.instance)


class InventoryViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Inventory lines of major hazard sources; a change recomputes the unit."""

    queryset = Inventory.objects.all()
    serializer_class = s.InventorySerializer

    def _save(self, serializer):
        super()._save(serializer)
        services.mhs_recompute(MajorHazardSource.objects.get(pk=serializer.instance.source_id))

    def perform_destroy(self, instance):
        services.inventory_delete(actor=self.request.user, line=instance)


class FilingViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Filings (备案) of major hazard sources."""

    queryset = Filing.objects.all()
    serializer_class = s.FilingSerializer


class HazardViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Hidden hazards (隐患) in the caller's scope. POST records one (self-check or
    inspection); the closed loop moves by POST actions, decided by the service layer."""

    queryset = Hazard.objects.all()
    serializer_class = s.HazardSerializer

    def get_queryset(self):
        return Hazard.objects.restrict(self.request.user).order_by("-pk")

    @extend_schema(request=s.HazardCreateSerializer, responses={201: s.HazardSerializer})
    def create(self, request, *args, **kwargs):
        data = s.HazardCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        hazard = services.report_hazard(
            actor=request.user,
            enterprise=v["enterprise"],
            title=v["title"],
            description=v["description"],
            location=v["location"],
            level=v["level"],
            criteria_codes=v["criteria"],
            photos=v["photos"],
        )
        return Response(s.HazardSerializer(hazard).data, status=status.HTTP_201_CREATED)

    def _transition(self, request, pk, name):
        hazard = self.get_object()
        data = s.TransitionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        try:
            hazard = services.transition(
                actor=request.user, hazard=hazard, action=name, **data.validated_data
            )
        except services.TransitionError as exc:
            raise IllegalTransition(" ".join(exc.messages)) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return Response(s.HazardSerializer(hazard).data)


def _make_action(name):
    def handler(self, request, pk=None, **kwargs):
        if request.method == "GET":
            hazard = self.get_object()
            try:
                services.check_transition(request.user, hazard, name)
            except services.TransitionError as exc:
                return Response(
                    {"action": name, "allowed": False, "reason": " ".join(exc.messages)}
                )
            return Response({"action": name, "allowed": True, "reason": ""})
        return self._transition(request, pk, name)

    handler.__name__ = f"do_{name}"
    handler = action(detail=True, methods=["get", "post"], url_path=name, url_name=name)(handler)
    handler = extend_schema(
        methods=["POST"],
        request=s.TransitionSerializer,
        responses={
            200: s.HazardSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="The transition is not allowed now (state, level or role); "
                "`error.message` says why.",
            ),
        },
        summary=f"Hazard transition: {name}",
        operation_id=f"hazards_{name}",
    )(handler)
    return extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.TransitionCheckSerializer},
        summary=f"May the caller make the transition “{name}” now?",
        operation_id=f"hazards_{name}_check",
    )(handler)


for _name in services.TRANSITIONS:
    setattr(HazardViewSet, f"do_{_name}", _make_action(_name))


class PublicReportViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Public reports (举报) routed to the caller's organisation or area. The receiving
    organisation handles one by POST actions, decided by the same service as the pages:
    ``accept`` (opens a hidden hazard), ``dismiss`` (with the reason) or ``forward`` (to
    another department or government, with the reason). A report already handled answers
    409."""

    queryset = PublicReport.objects.all()
    serializer_class = s.PublicReportSerializer

    def get_queryset(self):
        return super().get_queryset().defer("photo")

    def _handle(self, request, decision):
        report = self.get_object()
        data = s.PublicReportActionSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            report = services.public_report_handle(
                actor=request.user,
                report=report,
                decision=decision,
                note=v.get("note", ""),
                enterprise=v.get("enterprise"),
                to=v.get("to"),
            )
        except services.TransitionError as exc:
            raise IllegalTransition(" ".join(exc.messages)) from None
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return Response(s.PublicReportSerializer(report).data)


def _report_action(decision, summary):
    def handler(self, request, pk=None, **kwargs):
        if request.method == "GET":
            report = self.get_object()
            try:
                services.public_report_check(request.user, report)
            except PermissionDenied:
                reason = _("Only the organisation the report is routed to may handle it.")
            except services.TransitionError as exc:
                reason = " ".join(exc.messages)
            else:
                reason = ""
            return Response({"action": decision, "allowed": not reason, "reason": reason})
        return self._handle(request, decision)

    handler.__name__ = f"do_{decision}"
    handler = action(detail=True, methods=["get", "post"], url_path=decision, url_name=decision)(
        handler
    )
    handler = extend_schema(
        methods=["GET"],
        request=None,
        responses={200: s.TransitionCheckSerializer},
        summary=f"May the caller {decision} the report now?",
        operation_id=f"public_reports_{decision}_check",
    )(handler)
    return extend_schema(
        methods=["POST"],
        request=s.PublicReportActionSerializer,
        responses={
            200: s.PublicReportSerializer,
            409: OpenApiResponse(
                ErrorSerializer, description="The report has already been handled."
            ),
        },
        summary=summary,
        operation_id=f"public_reports_{decision}",
    )(handler)


for _decision, _summary in (
    ("accept", "Accept a public report: open a hidden hazard at the enterprise"),
    ("dismiss", "Dismiss a public report, saying why"),
    ("forward", "Forward a public report to another department or government, saying why"),
):
    setattr(PublicReportViewSet, f"do_{_decision}", _report_action(_decision, _summary))
