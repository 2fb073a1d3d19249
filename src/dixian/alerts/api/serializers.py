from rest_framework import serializers

from dixian.core.api.serializers import ScopedPrimaryKeyRelatedField

from ..models import Feedback, Warning, WarningEvent, WarningTarget


class WarningSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(read_only=True)
    divisions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Warning
        fields = [
            "id",
            "number",
            "kind",
            "kind_label",
            "level",
            "headline",
            "text",
            "instruction",
            "divisions",
            "polygon",
            "area_desc",
            "roles",
            "effective_at",
            "expires_at",
            "wake_minutes",
            "state",
            "issuer",
            "drafted_at",
            "approved_at",
            "released_at",
            "closed_at",
            "close_reason",
            "previous",
            "source",
            "cap_sender",
            "cap_identifier",
        ]


class WarningTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = WarningTarget
        fields = [
            "id",
            "warning",
            "person",
            "name",
            "mobile",
            "role",
            "org",
            "division",
            "escalated_from",
            "state",
            "step",
            "due_at",
            "called_at",
            "recalled_at",
            "escalated_at",
            "acknowledged_at",
            "ack_channel",
            "covered_at",
        ]


class AcknowledgementSerializer(serializers.ModelSerializer):
    class Meta:
        model = WarningEvent
        fields = ["id", "warning", "target", "at", "kind", "channel", "detail"]


class FeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feedback
        fields = [
            "id",
            "warning",
            "target",
            "org",
            "author_name",
            "text",
            "checklist",
            "created_at",
        ]


class FeedbackCreateSerializer(serializers.Serializer):
    """Input of a measures report (回应) on a warning the caller can see."""

    warning = ScopedPrimaryKeyRelatedField(queryset=Warning.objects.all())
    text = serializers.CharField(max_length=5000)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=20
    )


class AckCreateSerializer(serializers.Serializer):
    target = ScopedPrimaryKeyRelatedField(queryset=WarningTarget.objects.all())


class AckResultSerializer(serializers.Serializer):
    acknowledged = serializers.BooleanField()
    target = WarningTargetSerializer()


class CapResultSerializer(serializers.Serializer):
    warning = serializers.IntegerField(allow_null=True)
    action = serializers.CharField()


class CapErrorSerializer(serializers.Serializer):
    valid = serializers.BooleanField()
    errors = serializers.ListField(child=serializers.CharField())
