from rest_framework import serializers

from dixian.core.api.serializers import ScopedModelSerializer, ScopedPrimaryKeyRelatedField

from ..models import (
    Decision,
    DutyList,
    Guarantee,
    GuaranteeVisit,
    KeyTask,
    Meeting,
    Milestone,
    ProgressReport,
    TaskAssignment,
)


class TaskAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskAssignment
        fields = ["id", "org", "class_kind", "name", "role"]


class KeyTaskSerializer(serializers.ModelSerializer):
    assignments = TaskAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = KeyTask
        fields = [
            "id",
            "year",
            "doc_number",
            "section_number",
            "section_title",
            "item_number",
            "sub_key",
            "inferred",
            "parent",
            "title",
            "requirement",
            "responsibility_text",
            "unmatched_names",
            "due_date",
            "state",
            "assignments",
        ]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "task", "org", "due_at", "state", "overdue_at"]


class ProgressReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "milestone",
            "org",
            "author",
            "text",
            "percent",
            "state",
            "submitted_at",
            "reviewer",
            "reviewed_at",
            "review_note",
        ]
        read_only_fields = [
            "org",
            "author",
            "state",
            "submitted_at",
            "reviewer",
            "reviewed_at",
            "review_note",
        ]


class ProgressReportCreateSerializer(serializers.Serializer):
    """Input of a progress report: the milestone (one of the caller's organisation's), the
    text and the percentage done."""

    milestone = ScopedPrimaryKeyRelatedField(queryset=Milestone.objects.all())
    text = serializers.CharField(max_length=10000)
    percent = serializers.IntegerField(min_value=0, max_value=100)


class ReviewSerializer(serializers.Serializer):
    """A review note: required to return a report, optional to confirm."""

    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class TaskStateSerializer(serializers.Serializer):
    state = serializers.CharField(read_only=True)


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["id", "text", "lead", "co_orgs", "due_date", "task"]
        read_only_fields = fields


class MeetingSerializer(ScopedModelSerializer):
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "kind",
            "held_on",
            "location",
            "chair",
            "attendees",
            "minutes",
            "decisions",
        ]


class GuaranteeVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = GuaranteeVisit
        fields = ["id", "guarantee", "kind", "visited_on", "visitor", "findings", "hazards_found"]


class GuaranteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Guarantee
        fields = [
            "id",
            "enterprise",
            "leader",
            "department",
            "dept_head",
            "visit_every_months",
            "start_date",
            "end_date",
            "is_active",
            "next_visit_due",
            "visit_state",
        ]


class DutyListSerializer(serializers.ModelSerializer):
    class Meta:
        model = DutyList
        fields = ["id", "org", "kind", "position", "title", "content", "version", "updated_at"]
