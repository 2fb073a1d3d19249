from rest_framework import serializers

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


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """Related objects may only be chosen from what the requesting user can see."""

    def get_queryset(self):
        qs = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(qs, "restrict"):
            return qs.restrict(request.user)
        return qs


class ScopedModelSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPrimaryKeyRelatedField


class DivisionSerializer(ScopedModelSerializer):
    class Meta:
        model = Division
        fields = ["id", "code", "name", "level", "parent", "latitude", "longitude"]


class IndustrySerializer(ScopedModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name", "parent", "high_risk", "sort"]


class OrganisationSerializer(ScopedModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "short_name",
            "aliases",
            "kind",
            "parent",
            "division",
            "industries",
            "credit_code",
            "address",
            "phone",
            "latitude",
            "longitude",
            "is_active",
        ]
        extra_kwargs = {
            "latitude": {"min_value": -90, "max_value": 90},
            "longitude": {"min_value": -180, "max_value": 180},
        }


class PersonSerializer(ScopedModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "org", "title", "mobile", "email", "is_active"]


class PositionSerializer(ScopedModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "person", "org", "kind", "title", "start_date", "end_date"]


class JurisdictionSerializer(ScopedModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["id", "department", "industries", "areas", "note"]


class MessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = ["id", "channel", "subject", "body", "link", "state", "created_at", "read_at"]
        read_only_fields = fields


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "at",
            "actor_name",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields
