from rest_framework import serializers

from dixian.core.api.serializers import ScopedPrimaryKeyRelatedField
from dixian.core.models import Organisation

from ..models import (
    Accident,
    AccidentClock,
    AccountabilityDecision,
    Bulletin,
    BulletinReceipt,
    ClosureEvidence,
    DishonestyListing,
    Investigation,
    SupplementaryReport,
)


class AccidentClockSerializer(serializers.ModelSerializer):
    late = serializers.BooleanField(read_only=True)

    class Meta:
        model = AccidentClock
        fields = ["id", "accident", "kind", "started_at", "due_at", "state", "met_at",
                  "overdue_at", "late", "note"]  # fmt: skip


class AccidentSerializer(serializers.ModelSerializer):
    clocks = AccidentClockSerializer(many=True, read_only=True)

    class Meta:
        model = Accident
        fields = [
            "id", "number", "title", "kind", "category", "unit", "industry", "unit_overview",
            "occurred_at", "place", "scene", "course", "deaths", "missing", "serious_injuries",
            "direct_loss_yuan", "measures", "other", "endangered", "trapped", "evacuated",
            "learned_at", "received_at", "reporter", "reporter_phone", "grade", "report_up_to",
            "investigated_by", "late_reported", "clocks",
        ]  # fmt: skip


class AccidentCreateSerializer(serializers.ModelSerializer):
    """A first report (首报): the six items of 493号令 Art. 12; ``received_at`` defaults to now.
    The grade and the clocks are computed by the server."""

    unit = ScopedPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    received_at = serializers.DateTimeField(required=False, allow_null=True)

    class Meta:
        model = Accident
        fields = [
            "title", "kind", "category", "unit", "unit_overview", "occurred_at", "place", "scene",
            "course", "deaths", "missing", "serious_injuries", "direct_loss_yuan", "measures",
            "other", "endangered", "trapped", "evacuated", "learned_at", "received_at",
            "reporter", "reporter_phone",
        ]  # fmt: skip
        extra_kwargs = {
            "deaths": {"max_value": 100000},
            "missing": {"max_value": 100000},
            "serious_injuries": {"max_value": 100000},
            "endangered": {"max_value": 1000000},
            "trapped": {"max_value": 100000},
            "evacuated": {"max_value": 10000000},
            "direct_loss_yuan": {"min_value": 0},
        }


class ForwardSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True)


class SupplementaryReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupplementaryReport
        fields = ["id", "accident", "reported_at", "deaths", "missing", "serious_injuries",
                  "direct_loss_yuan", "text", "within_window", "grade_before", "grade_after"]  # fmt: skip


class ClosureEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClosureEvidence
        fields = ["id", "item", "evidence", "recorded_at"]


class InvestigationSerializer(serializers.ModelSerializer):
    evidence = ClosureEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Investigation
        fields = [
            "id", "accident", "lead", "members", "started_on", "extension_days",
            "extension_approval", "appraisal_days", "due_on", "state", "course", "causes",
            "nature", "responsibility", "measures", "report_submitted_on", "reply_due_on",
            "replied_on", "follow_up_due_on", "follow_up_done_on", "closed_at", "evidence",
        ]  # fmt: skip


class AccountabilityDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountabilityDecision
        fields = ["id", "accident", "person_name", "person_post", "org", "measure", "fine_yuan",
                  "detail", "decided_on", "decided_by"]  # fmt: skip


class DishonestyListingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DishonestyListing
        fields = ["id", "subject", "person_name", "accident", "reason", "listed_on",
                  "expires_on", "removed_on", "removal_reason"]  # fmt: skip


class BulletinReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = BulletinReceipt
        fields = ["id", "enterprise", "read_at", "read_by"]


class BulletinSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bulletin
        fields = ["id", "accident", "title", "body", "industries", "issuer", "sent_at"]
