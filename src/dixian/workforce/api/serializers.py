from decimal import Decimal

from rest_framework import serializers

from dixian.core.api.serializers import ScopedPrimaryKeyRelatedField
from dixian.core.models import Organisation, Person

from ..models import (
    Certificate,
    CertificateType,
    Employee,
    FeeAccount,
    FeeAccrual,
    FeeSpending,
    FeeUse,
    FiveCheck,
    FiveCheckItem,
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


def model_serializer(model, fields, read_only=()):
    meta = type("Meta", (), {"model": model, "fields": fields, "read_only_fields": list(read_only)})
    return type(f"{model.__name__}Serializer", (serializers.ModelSerializer,), {"Meta": meta})


StaffingRuleSerializer = model_serializer(
    StaffingRule,
    [
        "id",
        "name",
        "industry",
        "min_headcount",
        "max_headcount",
        "requirement",
        "needs_safety_engineer",
        "needs_safety_director",
        "clause",
    ],
)
CertificateTypeSerializer = model_serializer(
    CertificateType, ["id", "code", "name", "category", "validity_years", "review_years"]
)
ViolationTypeSerializer = model_serializer(
    ViolationType, ["id", "code", "name", "points", "clause"]
)
FeeUseSerializer = model_serializer(FeeUse, ["id", "code", "name", "sort"])
SafetyOrganisationSerializer = model_serializer(
    SafetyOrganisation, ["id", "enterprise", "has_body", "body_name", "headcount", "note"]
)
SafetyStaffSerializer = model_serializer(
    SafetyStaff, ["id", "enterprise", "person", "role", "appointed_on", "left_on"]
)
CertificateSerializer = model_serializer(
    Certificate,
    [
        "id",
        "person",
        "kind",
        "number",
        "issuer",
        "issued_on",
        "valid_until",
        "review_due",
        "state",
        "lapses_at",
    ],
)
PostSerializer = model_serializer(
    Post,
    [
        "id",
        "enterprise",
        "name",
        "required_certificate",
        "requires_training",
        "training_hours",
        "training_valid_months",
    ],
)
EmployeeSerializer = model_serializer(
    Employee, ["id", "enterprise", "person", "staff_number", "post", "hired_on", "is_active"]
)
TrainingRecordSerializer = model_serializer(
    TrainingRecord,
    ["id", "enterprise", "person", "topic", "trained_on", "hours", "exam_score", "passed"],
)
RuleBreachSerializer = model_serializer(
    RuleBreach,
    [
        "id",
        "enterprise",
        "person",
        "kind",
        "occurred_on",
        "description",
        "corrective_action",
        "due_date",
        "state",
        "closed_at",
        "closing_note",
    ],
)
FeeAccountSerializer = model_serializer(
    FeeAccount, ["id", "enterprise", "sector", "categories", "opening_balance", "opened_on"]
)
FeeAccrualSerializer = model_serializer(
    FeeAccrual,
    [
        "id",
        "account",
        "month",
        "output_t",
        "output_1000m3",
        "revenue_yuan",
        "cost_yuan",
        "required_yuan",
        "accrued_yuan",
        "note",
        "state",
        "review_note",
    ],
)
FeeSpendingSerializer = model_serializer(
    FeeSpending,
    ["id", "account", "spent_on", "use", "amount_yuan", "description", "state", "review_note"],
)
FiveCheckItemSerializer = model_serializer(FiveCheckItem, ["id", "aspect", "in_place", "evidence"])


class FiveCheckSerializer(serializers.ModelSerializer):
    items = FiveCheckItemSerializer(many=True, read_only=True)

    class Meta:
        model = FiveCheck
        fields = [
            "id",
            "enterprise",
            "period",
            "state",
            "submitted_at",
            "reviewed_at",
            "review_note",
            "items",
        ]


ScoreCycleSerializer = model_serializer(
    ScoreCycle,
    [
        "id",
        "enterprise",
        "person",
        "starts_on",
        "ends_on",
        "points",
        "threshold",
        "state",
        "reached_at",
        "retrain_due_at",
        "cleared_at",
    ],
)
ScoreDeductionSerializer = model_serializer(
    ScoreDeduction, ["id", "cycle", "violation", "points", "occurred_on", "note", "recorded_at"]
)

MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal(0), "required": False}


class AccrualInput(serializers.Serializer):
    account = ScopedPrimaryKeyRelatedField(queryset=FeeAccount.objects.all())
    month = serializers.DateField(help_text="Any day of the month.")
    output_t = serializers.DecimalField(allow_null=True, **MONEY)
    output_1000m3 = serializers.DecimalField(allow_null=True, **MONEY)
    revenue_yuan = serializers.DecimalField(allow_null=True, **MONEY)
    cost_yuan = serializers.DecimalField(allow_null=True, **MONEY)
    accrued_yuan = serializers.DecimalField(allow_null=True, **MONEY)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class SpendingInput(serializers.Serializer):
    account = ScopedPrimaryKeyRelatedField(queryset=FeeAccount.objects.all())
    spent_on = serializers.DateField()
    use = serializers.PrimaryKeyRelatedField(queryset=FeeUse.objects.all())
    amount_yuan = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    description = serializers.CharField(max_length=300)


class ReviewInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "return"])
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignInput(serializers.Serializer):
    post = ScopedPrimaryKeyRelatedField(queryset=Post.objects.all(), allow_null=True)


class QualificationOutput(serializers.Serializer):
    employee = serializers.IntegerField()
    post = serializers.IntegerField(allow_null=True)
    qualified = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


class DeductionInput(serializers.Serializer):
    enterprise = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    person = ScopedPrimaryKeyRelatedField(queryset=Person.objects.all())
    violation = serializers.PrimaryKeyRelatedField(queryset=ViolationType.objects.all())
    occurred_on = serializers.DateField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ComplianceOutput(serializers.Serializer):
    enterprise = serializers.IntegerField()
    enterprise_name = serializers.CharField()
    headcount = serializers.IntegerField()
    requirement = serializers.CharField(allow_null=True)
    needs_safety_engineer = serializers.BooleanField()
    needs_safety_director = serializers.BooleanField()
    has_body = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    missing = serializers.ListField(child=serializers.CharField())
