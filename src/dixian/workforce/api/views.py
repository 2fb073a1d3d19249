"""Workforce API: the same scoping and the same services as the pages.

Read: every record in the caller's scope. Write: fee accruals and spending (the
enterprise), reviews and principal points (the supervising department), post assignment
through the training gate. Out of scope answers 404; in scope but not allowed, 403.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dixian.core.api.views import ScopedViewSetMixin

from .. import services
from ..models import (
    Certificate,
    CertificateType,
    Employee,
    FeeAccount,
    FeeAccrual,
    FeeSpending,
    FeeUse,
    FiveCheck,
    Post,
    RuleBreach,
    SafetyOrganisation,
    SafetyStaff,
    ScoreCycle,
    ScoreDeduction,
    StaffingRule,
    TrainingRecord,
    ViolationType,
)
from . import serializers as s


def read_only(model, serializer, doc):
    return type(
        f"{model.__name__}ViewSet",
        (ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet),
        {"queryset": model.objects.all(), "serializer_class": serializer, "__doc__": doc},
    )


StaffingRuleViewSet = read_only(
    StaffingRule, s.StaffingRuleSerializer, "Staffing rules (安全生产法 第二十四条), as data."
)
CertificateTypeViewSet = read_only(
    CertificateType, s.CertificateTypeSerializer, "Certificate types."
)
ViolationTypeViewSet = read_only(
    ViolationType, s.ViolationTypeSerializer, "The principal-scoring violation catalogue."
)
FeeUseViewSet = read_only(FeeUse, s.FeeUseSerializer, "Permitted uses of safety fees.")
SafetyOrganisationViewSet = read_only(
    SafetyOrganisation, s.SafetyOrganisationSerializer, "Enterprises' safety organisation."
)
SafetyStaffViewSet = read_only(SafetyStaff, s.SafetyStaffSerializer, "Safety staff.")
CertificateViewSet = read_only(Certificate, s.CertificateSerializer, "Certificates.")
PostViewSet = read_only(Post, s.PostSerializer, "Posts and the qualification they require.")
TrainingRecordViewSet = read_only(TrainingRecord, s.TrainingRecordSerializer, "Training.")
RuleBreachViewSet = read_only(RuleBreach, s.RuleBreachSerializer, "反“三违” records.")
FeeAccountViewSet = read_only(FeeAccount, s.FeeAccountSerializer, "Safety fee accounts.")
ScoreDeductionViewSet = read_only(
    ScoreDeduction, s.ScoreDeductionSerializer, "Points recorded against principals."
)


def _review_action(service_call):
    @extend_schema(request=s.ReviewInput)
    @action(detail=True, methods=["get", "post"])
    def review(self, request, pk=None, **kwargs):
        """GET: the entry and its review state. POST (the supervising department): accept,
        or return with a reason."""
        obj = self.get_object()
        if request.method == "POST":
            data = s.ReviewInput(data=request.data)
            data.is_valid(raise_exception=True)
            obj = service_call(request.user, obj, data.validated_data)
        return Response(self.get_serializer(obj).data)

    return review


class FeeAccrualViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly safety fee accruals. POST (the enterprise): the required amount is
    calculated under 财资〔2022〕136号 from the month's output, revenue or cost."""

    queryset = FeeAccrual.objects.all()
    serializer_class = s.FeeAccrualSerializer

    @extend_schema(request=s.AccrualInput, responses={201: s.FeeAccrualSerializer})
    def create(self, request, *args, **kwargs):
        data = s.AccrualInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        row = services.record_accrual(actor=request.user, **data.validated_data)
        return Response(s.FeeAccrualSerializer(row).data, status=status.HTTP_201_CREATED)

    review = _review_action(
        lambda user, obj, d: services.review_fee_entry(
            actor=user, entry=obj, decision=d["decision"], note=d["note"]
        )
    )


class FeeSpendingViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Safety fee spending by permitted use. POST: the enterprise enters."""

    queryset = FeeSpending.objects.all()
    serializer_class = s.FeeSpendingSerializer

    @extend_schema(request=s.SpendingInput, responses={201: s.FeeSpendingSerializer})
    def create(self, request, *args, **kwargs):
        data = s.SpendingInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        row = services.record_spending(actor=request.user, **data.validated_data)
        return Response(s.FeeSpendingSerializer(row).data, status=status.HTTP_201_CREATED)

    review = _review_action(
        lambda user, obj, d: services.review_fee_entry(
            actor=user, entry=obj, decision=d["decision"], note=d["note"]
        )
    )


class FiveCheckViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """五到位 self-checks with their five aspects; review by the supervising department."""

    queryset = FiveCheck.objects.all()
    serializer_class = s.FiveCheckSerializer

    def get_queryset(self):
        return super().get_queryset().prefetch_related("items")

    review = _review_action(
        lambda user, obj, d: services.review_five_check(
            actor=user, check=obj, decision=d["decision"], note=d["note"]
        )
    )


class EmployeeViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Employees and their posts."""

    queryset = Employee.objects.all()
    serializer_class = s.EmployeeSerializer

    @extend_schema(request=s.AssignInput, responses=s.QualificationOutput)
    @action(detail=True, methods=["get", "post"])
    def qualification(self, request, pk=None, **kwargs):
        """GET: whether the employee holds what the post requires. POST {post}: assign a
        post (or none); refused (400) without the required certificate or training."""
        employee = self.get_object()
        if request.method == "POST":
            data = s.AssignInput(data=request.data, context={"request": request})
            data.is_valid(raise_exception=True)
            employee = services.assign_post(
                actor=request.user, employee=employee, post=data.validated_data["post"]
            )
        problems = services.qualification_problems(employee.person, employee.post)
        return Response(
            {
                "employee": employee.pk,
                "post": employee.post_id,
                "qualified": not problems,
                "problems": problems,
            }
        )


class ScoreCycleViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Principals' scoring cycles. POST records a violation (the supervising department)
    and answers with the cycle it counted in."""

    queryset = ScoreCycle.objects.all()
    serializer_class = s.ScoreCycleSerializer

    @extend_schema(request=s.DeductionInput, responses={201: s.ScoreCycleSerializer})
    def create(self, request, *args, **kwargs):
        data = s.DeductionInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        deduction = services.deduct_points(actor=request.user, **data.validated_data)
        return Response(
            s.ScoreCycleSerializer(deduction.cycle).data, status=status.HTTP_201_CREATED
        )


class ComplianceViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Staffing compliance of every enterprise in the caller's scope."""

    queryset = SafetyOrganisation.objects.all()
    serializer_class = s.ComplianceOutput
    pagination_class = None

    @extend_schema(responses=s.ComplianceOutput(many=True))
    def list(self, request, *args, **kwargs):
        rows = services.compliance_table(request.user)
        return Response(
            [
                {
                    "enterprise": r.enterprise.pk,
                    "enterprise_name": r.enterprise.name,
                    "headcount": r.headcount,
                    "requirement": r.needs.requirement,
                    "needs_safety_engineer": r.needs.safety_engineer,
                    "needs_safety_director": r.needs.safety_director,
                    "has_body": r.has_body,
                    "counts": r.counts,
                    "missing": r.missing,
                }
                for r in rows
            ]
        )
