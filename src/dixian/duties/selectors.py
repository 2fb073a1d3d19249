"""Reads of the duties: the task board and a user's own tasks."""

from __future__ import annotations

from django.db.models import Count, Q

from dixian.core import clock

from .models import KeyTask, Milestone, MilestoneState, TaskState, assigned_task_q


def task_years(user) -> list[int]:
    return sorted(set(KeyTask.objects.restrict(user).values_list("year", flat=True)), reverse=True)


def default_year(user) -> int:
    years = task_years(user)
    now_year = clock.now().year
    return now_year if now_year in years or not years else years[0]


def my_tasks(user):
    """Tasks assigned to the user's organisation (directly or through its class)."""
    return KeyTask.objects.restrict(user).filter(assigned_task_q(user)).distinct()


def board(user, year: int) -> dict:
    """Per organisation: tasks, completed and overdue; per notice section the same."""
    task_ids = list(KeyTask.objects.restrict(user).filter(year=year).values_list("pk", flat=True))
    tasks = KeyTask.objects.filter(pk__in=task_ids)
    per_org = (
        Milestone.objects.filter(task__in=task_ids)
        .values("org_id", "org__name", "org__short_name")
        .annotate(
            tasks=Count("task", distinct=True),
            completed=Count("task", filter=Q(task__state=TaskState.COMPLETED), distinct=True),
            overdue=Count("task", filter=Q(state=MilestoneState.OVERDUE), distinct=True),
        )
        .order_by("-tasks", "org__name")
    )
    orgs = [
        {
            "org_id": row["org_id"],
            "name": row["org__short_name"] or row["org__name"],
            "full_name": row["org__name"],
            "tasks": row["tasks"],
            "completed": row["completed"],
            "overdue": row["overdue"],
        }
        for row in per_org
    ]
    sections = list(
        tasks.values("section_number", "section_title")
        .annotate(
            total=Count("pk", distinct=True),
            completed=Count("pk", filter=Q(state=TaskState.COMPLETED), distinct=True),
            overdue=Count("pk", filter=Q(milestones__state=MilestoneState.OVERDUE), distinct=True),
        )
        .order_by("section_number")
    )
    order = "一二三四五六七八九十"
    sections.sort(key=lambda s: order.find(s["section_number"]))
    return {
        "total": len(task_ids),
        "completed": tasks.filter(state=TaskState.COMPLETED).count(),
        "overdue": tasks.filter(milestones__state=MilestoneState.OVERDUE).distinct().count(),
        "orgs": orgs,
        "sections": sections,
        "chart": {"labels": [o["name"] for o in orgs], "values": [o["tasks"] for o in orgs]},
    }
