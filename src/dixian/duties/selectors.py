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


def meeting_months(user, count: int = 12) -> list:
    """The committee's last ``count`` months on record (newest first), each met, missed or
    open, for the page's strip of months."""
    from .models import MeetingMonth

    return list(MeetingMonth.objects.restrict(user).order_by("-year", "-month")[:count])


def division_rows(user, year: int) -> list[dict]:
    """The task division table (分工方案): section, item, requirement, lead, co-operating."""
    from .models import AssignmentRole

    tasks = (
        KeyTask.objects.restrict(user)
        .filter(year=year, parent__isnull=True)
        .prefetch_related("assignments__org", "subtasks__assignments__org")
        .order_by("sort", "pk")
    )
    rows = []
    for task in tasks:
        assignments = list(task.assignments.all())
        for sub in task.subtasks.all():
            assignments += list(sub.assignments.all())

        def names(roles, assignments=assignments):
            seen = []
            for a in assignments:
                if a.role in roles:
                    label = (a.org.short_name or a.org.name) if a.org_id else a.name
                    if label not in seen:
                        seen.append(label)
            return "、".join(seen)

        lead = names({AssignmentRole.LEAD, AssignmentRole.JOINT})
        co = names({AssignmentRole.CO, AssignmentRole.SUPERVISE})
        rows.append(
            {
                "section": f"{task.section_number}、{task.section_title}",
                "item": f"{task.item_number}{task.title}",
                "requirement": task.requirement,
                "lead": lead,
                "co": co,
            }
        )
    return rows


# --- for other apps: who guarantees an enterprise (包保) --------------------------------------------


def _active_guarantees(enterprise_ids):
    from .models import Guarantee

    today = clock.now().date()
    return (
        Guarantee.objects.filter(enterprise_id__in=list(enterprise_ids), is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(Q(start_date__lte=today))
    )


def guarantor_people_for(enterprise_ids):
    """The people (county leaders and department heads) of the active 包保 assignments of
    these enterprises: a ``core.Person`` queryset."""
    from dixian.core.models import Person

    active = _active_guarantees(enterprise_ids)
    return Person.objects.filter(
        Q(pk__in=active.values("leader")) | Q(pk__in=active.values("dept_head")),
        is_active=True,
    ).distinct()


def guarantor_users_for(enterprise) -> list:
    """The active user accounts of an enterprise's guarantors (for the outbox)."""
    from dixian.core.models import User

    enterprise_id = getattr(enterprise, "pk", enterprise)
    people = guarantor_people_for([enterprise_id])
    return list(User.objects.filter(person__in=people, is_active=True).order_by("pk"))
