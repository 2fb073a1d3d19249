from rest_framework import serializers

from dixian.core.api.serializers import ScopedModelSerializer

from ..models import Alarm, Gateway, LatestValue, MonitoredObject, Point, Rule


class MonitoredObjectSerializer(ScopedModelSerializer):
    class Meta:
        model = MonitoredObject
        fields = ["id", "enterprise", "name", "kind", "location", "latitude", "longitude", "note"]


class LatestSerializer(serializers.ModelSerializer):
    class Meta:
        model = LatestValue
        fields = ["ts", "value", "quality", "level"]


class PointSerializer(serializers.ModelSerializer):
    latest = LatestSerializer(read_only=True)

    class Meta:
        model = Point
        fields = [
            "id",
            "object",
            "gateway",
            "code",
            "name",
            "kind",
            "unit",
            "location",
            "item",
            "range_min",
            "range_max",
            "interval_s",
            "enabled",
            "latest",
        ]


class GatewaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Gateway
        fields = [
            "id",
            "enterprise",
            "code",
            "name",
            "interval_s",
            "silence_factor",
            "link_state",
            "last_seen_at",
        ]


class RuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rule
        fields = [
            "id",
            "point",
            "kind",
            "direction",
            "blue",
            "yellow",
            "orange",
            "red",
            "rate_per_min",
            "stuck_minutes",
            "level",
            "source",
            "enabled",
        ]
        read_only_fields = ["point", "kind"]


class AlarmSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alarm
        fields = [
            "id",
            "enterprise",
            "point",
            "gateway",
            "object",
            "kind",
            "level",
            "state",
            "message",
            "opened_at",
            "first_value",
            "peak_value",
            "last_value",
            "last_at",
            "count",
            "recovered_at",
            "ack_due_at",
            "escalation",
            "escalated_at",
            "acknowledged_at",
            "acknowledged_by",
            "disposing_at",
            "disposing_by",
            "disposal_note",
            "feedback_at",
            "feedback_by",
            "cause",
            "measures",
            "closed_at",
            "closed_by",
            "close_note",
            "hazard_ref",
        ]


class TransitionSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=["acknowledge", "dispose", "feedback", "close"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    cause = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    measures = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReadingSerializer(serializers.Serializer):
    point = serializers.IntegerField(source="point_id")
    ts = serializers.DateTimeField()
    value = serializers.FloatField()
    quality = serializers.IntegerField()


class ReadingInSerializer(serializers.Serializer):
    point = serializers.CharField(max_length=60)
    ts = serializers.CharField(max_length=40, help_text="ISO 8601 with offset, or epoch seconds")
    value = serializers.FloatField()
    quality = serializers.IntegerField(required=False, min_value=0, max_value=255)


class BatchSerializer(serializers.Serializer):
    """A gateway's batch. Authenticate with the header ``Authorization: Gateway <token>``."""

    gateway = serializers.CharField(max_length=60)
    readings = ReadingInSerializer(many=True)


class BatchResultSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    accepted = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rejected = serializers.ListField(child=serializers.DictField())
    alarms_opened = serializers.IntegerField()
