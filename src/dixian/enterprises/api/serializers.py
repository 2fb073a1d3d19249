from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from dixian.core.choices import OrgKind
from dixian.core.models import Organisation

from ..models import EnterpriseProfile, GradeLevel, Licence, LicenceType, issuing_org_ids


class GradeLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeLevel
        fields = ["id", "code", "name", "min_score", "inspection_interval_days", "colour"]


class EnterpriseSerializer(serializers.ModelSerializer):
    org = serializers.IntegerField(source="org_id", read_only=True)
    name = serializers.CharField(source="org.name", read_only=True)
    credit_code = serializers.CharField(source="org.credit_code", read_only=True)
    township = serializers.IntegerField(source="org.division_id", read_only=True, allow_null=True)
    industries = serializers.SerializerMethodField()
    latitude = serializers.DecimalField(
        source="org.latitude", max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )
    longitude = serializers.DecimalField(
        source="org.longitude", max_digits=9, decimal_places=6, read_only=True, allow_null=True
    )
    grade_code = serializers.CharField(source="grade.code", read_only=True, allow_null=True)
    inspection_interval_days = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseProfile
        fields = [
            "id",
            "org",
            "name",
            "credit_code",
            "township",
            "industries",
            "latitude",
            "longitude",
            "legal_representative",
            "principal",
            "scale",
            "staff_count",
            "status",
            "status_since",
            "major_hazard_source",
            "details",
            "risk_score",
            "computed_grade",
            "override_grade",
            "override_reason",
            "grade",
            "grade_code",
            "inspection_interval_days",
        ]

    def get_industries(self, obj) -> list[str]:
        return [i.code for i in obj.org.industries.all()]

    def get_inspection_interval_days(self, obj) -> int | None:
        return obj.grade.inspection_interval_days if obj.grade else None


class LicenceSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.none())
    type = serializers.PrimaryKeyRelatedField(queryset=LicenceType.objects.all())
    expired = serializers.BooleanField(source="is_expired", read_only=True)

    class Meta:
        model = Licence
        fields = [
            "id",
            "enterprise",
            "type",
            "number",
            "issuer",
            "scope",
            "valid_from",
            "valid_to",
            "status",
            "expired",
            "recorded_by_org",
            "next_reminder_at",
        ]
        read_only_fields = ["recorded_by_org", "next_reminder_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        qs = Organisation.objects.filter(kind=OrgKind.ENTERPRISE)
        if request is not None and request.user.is_authenticated:
            if not issuing_org_ids(request.user):
                qs = qs.restrict(request.user)
        self.fields["enterprise"].queryset = qs

    def validate(self, attrs):
        start = attrs.get("valid_from", getattr(self.instance, "valid_from", None))
        end = attrs.get("valid_to", getattr(self.instance, "valid_to", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"valid_to": _("The end of validity cannot be before its start.")}
            )
        return attrs
