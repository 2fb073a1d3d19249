from __future__ import annotations

import base64
import binascii

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from dixian.core.api.serializers import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from dixian.core.choices import OrgKind
from dixian.core.models import Organisation, User

from .. import services
from ..models import (
    Filing,
    Hazard,
    HazardLevel,
    Inventory,
    MajorHazardSource,
    PublicReport,
    RiskCheck,
    RiskPoint,
)


class RiskPointSerializer(ScopedModelSerializer):
    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "enterprise",
            "name",
            "kind",
            "location",
            "hazard_factors",
            "possible_accidents",
            "method",
            "factor_l",
            "factor_e",
            "factor_c",
            "factor_s",
            "score",
            "level",
            "measures_engineering",
            "measures_management",
            "measures_training",
            "measures_ppe",
            "measures_emergency",
            "control_level",
            "responsible",
            "check_items",
            "review_due",
            "review_state",
            "site_plan",
            "plan_x",
            "plan_y",
        ]
        read_only_fields = ["score", "level", "review_state", "site_plan", "plan_x", "plan_y"]

    def validate_enterprise(self, value):
        if value.kind != OrgKind.ENTERPRISE:
            raise serializers.ValidationError("not an enterprise")
        return value

    def validate(self, attrs):
        point = RiskPoint()
        if self.instance is not None:
            for f in ("method", "factor_l", "factor_e", "factor_c", "factor_s"):
                setattr(point, f, getattr(self.instance, f))
        for k, v in attrs.items():
            if k in ("method", "factor_l", "factor_e", "factor_c", "factor_s"):
                setattr(point, k, v)
        try:
            services.grade_point(point)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        attrs["score"] = point.score
        attrs["level"] = point.level
        return attrs


class CheckResultSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=500)
    ok = serializers.BooleanField()
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class RiskCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskCheck
        fields = [
            "id",
            "point",
            "enterprise",
            "checked_by",
            "checked_at",
            "results",
            "failed",
            "note",
        ]
        read_only_fields = fields


class RiskCheckCreateSerializer(serializers.Serializer):
    point = ScopedPrimaryKeyRelatedField(queryset=RiskPoint.objects.all())
    results = CheckResultSerializer(many=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class MajorHazardSourceSerializer(ScopedModelSerializer):
    class Meta:
        model = MajorHazardSource
        fields = [
            "id",
            "enterprise",
            "name",
            "unit_type",
            "exposed_people",
            "s_value",
            "alpha",
            "r_value",
            "is_major",
            "grade",
            "assessment_error",
            "principal",
            "technical",
            "operational",
        ]
        read_only_fields = ["s_value", "alpha", "r_value", "is_major", "grade", "assessment_error"]
        extra_kwargs = {"exposed_people": {"max_value": 10_000_000}}

    def validate_enterprise(self, value):
        if value.kind != OrgKind.ENTERPRISE:
            raise serializers.ValidationError("not an enterprise")
        return value


class InventorySerializer(ScopedModelSerializer):
    class Meta:
        model = Inventory
        fields = ["id", "source", "substance", "cas", "categories", "quantity_t"]
        extra_kwargs = {"quantity_t": {"min_value": 0}}

    def validate(self, attrs):
        merged = {
            **(
                {}
                if self.instance is None
                else {
                    "substance": self.instance.substance,
                    "cas": self.instance.cas,
                    "categories": self.instance.categories,
                }
            ),
            **attrs,
        }
        if not (merged.get("substance") or merged.get("cas") or merged.get("categories")):
            raise serializers.ValidationError("give substance, cas or categories")
        return attrs


class FilingSerializer(ScopedModelSerializer):
    class Meta:
        model = Filing
        fields = ["id", "source", "filed_on", "authority", "number", "valid_until", "note"]


class HazardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hazard
        fields = [
            "id",
            "enterprise",
            "title",
            "description",
            "location",
            "source",
            "source_ref",
            "level",
            "criteria",
            "state",
            "is_open",
            "department",
            "assignee",
            "rectified_by",
            "verified_by",
            "found_at",
            "due_at",
            "rectified_at",
            "closed_at",
            "closed_on_time",
            "rectification_note",
            "plan_responsibility",
            "plan_measures",
            "plan_funds",
            "plan_deadline",
            "plan_emergency",
            "completion_report",
            "escalation_level",
        ]
        read_only_fields = fields


class Base64ImageField(serializers.CharField):
    """A photo as base64 text (the API is JSON only)."""

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return base64.b64decode(text.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("not base64") from None


class HazardCreateSerializer(serializers.Serializer):
    enterprise = ScopedPrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrgKind.ENTERPRISE)
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=10000, required=False, allow_blank=True, default=""
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    level = serializers.ChoiceField(choices=HazardLevel.choices, default=HazardLevel.GENERAL)
    criteria = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=100
    )
    photos = serializers.ListField(
        child=Base64ImageField(), required=False, default=list, max_length=10
    )


class TransitionSerializer(serializers.Serializer):
    """Input of a transition; which fields are needed depends on the action."""

    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    due_date = serializers.DateField(required=False)
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True
    )
    photos = serializers.ListField(child=Base64ImageField(), required=False, max_length=10)
    deadline = serializers.DateField(required=False)
    requirements = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    responsibility = serializers.CharField(max_length=200, required=False, allow_blank=True)
    measures = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    funds = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True
    )
    emergency = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    report = serializers.CharField(max_length=10000, required=False, allow_blank=True)


class PublicReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicReport
        fields = [
            "id",
            "township",
            "industry",
            "enterprise",
            "place",
            "description",
            "routed_to",
            "received_at",
            "state",
            "hazard",
            "handling_note",
        ]
        read_only_fields = fields


class PublicReportActionSerializer(serializers.Serializer):
    """Input of a public-report action: ``accept`` (optional ``enterprise``, else the one
    named in the report; optional ``note``), ``dismiss`` (``note``: why), ``forward``
    (``to``: a department, township government or 安委办; ``note``: why)."""

    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=OrgKind.ENTERPRISE),
        required=False,
        allow_null=True,
    )
    to = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TransitionCheckSerializer(serializers.Serializer):
    action = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
