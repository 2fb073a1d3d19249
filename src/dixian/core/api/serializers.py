from django.utils.translation import gettext_lazy as _
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


COORDINATES = {
    "latitude": {"min_value": -90, "max_value": 90},
    "longitude": {"min_value": -180, "max_value": 180},
}


class TreeSerializerMixin:
    """A node may not become its own ancestor (``parent`` would close a cycle), and a
    materialised ``path`` (when the model keeps one) must fit its column, for the node and for
    every node of the subtree that moves with it. Serializers of models that keep a path
    define ``path_segment(attrs)``: the node's own part of the path."""

    def validate_parent(self, parent):
        node = self.instance
        if parent is not None and node is not None and node.pk is not None:
            ancestor, seen = parent, set()
            while ancestor is not None and ancestor.pk not in seen:
                seen.add(ancestor.pk)
                if ancestor.pk == node.pk:
                    raise serializers.ValidationError(
                        _("An object cannot be placed under itself or its own descendant.")
                    )
                ancestor = ancestor.parent
        return parent

    def check_path_length(self, attrs):
        model = self.Meta.model
        node = self.instance
        parent = attrs["parent"] if "parent" in attrs else getattr(node, "parent", None)
        path = (parent.path if parent is not None else "") + self.path_segment(attrs)
        deepest = 0
        if node is not None and node.pk is not None and node.path:
            below = model._default_manager.filter(path__startswith=node.path).values_list(
                "path", flat=True
            )
            deepest = max((len(p) for p in below), default=len(node.path)) - len(node.path)
        limit = model._meta.get_field("path").max_length
        if len(path) + deepest > limit:
            raise serializers.ValidationError(
                {"parent": [_("The hierarchy would be too deep here.")]}
            )


class DivisionSerializer(TreeSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = Division
        fields = ["id", "code", "name", "level", "parent", "latitude", "longitude"]
        extra_kwargs = COORDINATES

    def path_segment(self, attrs) -> str:
        return f"{attrs.get('code', getattr(self.instance, 'code', ''))}/"

    def validate(self, attrs):
        # Division paths are materialised from the codes of the ancestors and are not
        # rewritten for descendants: re-coding or moving a division with children would leave
        # their paths (and everyone's area scope) stale.
        node = self.instance
        if node is not None and node.children.exists():
            moved = "parent" in attrs and attrs["parent"] != node.parent
            recoded = "code" in attrs and attrs["code"] != node.code
            if moved or recoded:
                raise serializers.ValidationError(
                    {
                        "parent" if moved else "code": [
                            _("A division with subdivisions cannot be moved or re-coded.")
                        ]
                    }
                )
        self.check_path_length(attrs)
        return attrs


class IndustrySerializer(TreeSerializerMixin, ScopedModelSerializer):
    class Meta:
        model = Industry
        fields = ["id", "code", "name", "parent", "high_risk", "sort"]


class OrganisationSerializer(TreeSerializerMixin, ScopedModelSerializer):
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
        extra_kwargs = COORDINATES

    def path_segment(self, attrs) -> str:
        pk = self.instance.pk if self.instance is not None and self.instance.pk else 0
        return f"{pk:08d}/"

    def validate(self, attrs):
        self.check_path_length(attrs)
        return attrs


class PersonSerializer(ScopedModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "org", "title", "mobile", "email", "is_active"]


class PositionSerializer(ScopedModelSerializer):
    class Meta:
        model = Position
        fields = ["id", "person", "org", "kind", "title", "start_date", "end_date"]

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": [_("The end date is before the start date.")]}
            )
        return attrs


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
