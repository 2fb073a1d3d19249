from rest_framework import serializers

from dixian.core.api.serializers import ScopedPrimaryKeyRelatedField

from ..models import KeyTask, Milestone, ProgressReport, TaskAssignment


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
