"""Duties services: every state change of the key tasks goes through here.

- ``plan_import`` / ``import_notice``: a parsed notice becomes key tasks, assignments and
  milestones; importing the same notice again changes nothing, a revised one is applied as
  a difference (shown first with ``dry_run``).
- ``report_progress``: an assigned organisation reports on its milestone (进度报送).
- ``review_report``: the lead organisation or 安委办 confirms (确认) or returns (退回) it.
- ``task_set_state``: 安委办 closes or reopens a task.

Each service checks scope, writes the audit event in the same transaction and queues
messages through the outbox.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from dixian.core import audit, clock
from dixian.core.choices import Action, Channel, Role
from dixian.core.models import User
from dixian.core.notify import enqueue
from dixian.core.scoping import is_county_wide

from .matching import OrgIndex, annotate
from .models import (
    AssignmentRole,
    ClassKind,
    KeyTask,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReportState,
    TaskAssignment,
    TaskState,
    class_members,
)
from .notice_parser import NoticeError, parse_notice_bytes

__all__ = [
    "ImportResult",
    "NoticeError",
    "import_notice",
    "milestone_dates",
    "plan_import",
    "report_progress",
    "review_report",
    "task_set_state",
]

# Month-days of the reporting points (quarterly); settings.DUTIES_MILESTONE_DAYS overrides.
DEFAULT_MILESTONE_DAYS = ("03-31", "06-30", "09-30", "12-31")
_ROLE_STRENGTH = {
    AssignmentRole.LEAD: 3,
    AssignmentRole.CO: 2,
    AssignmentRole.JOINT: 2,
    AssignmentRole.SUPERVISE: 1,
}
_TASK_FIELDS = ("section_title", "inferred", "title", "requirement", "responsibility_text")


def milestone_days() -> tuple[str, ...]:
    return tuple(getattr(settings, "DUTIES_MILESTONE_DAYS", DEFAULT_MILESTONE_DAYS))


def milestone_dates(year: int, days=None, until: dt.date | None = None) -> list[dt.datetime]:
    """The reporting points of a year: the end (23:59:59 local time) of each month-day,
    returned in UTC; none after ``until``."""
    tz = ZoneInfo(settings.TIME_ZONE)
    out = []
    for md in days or milestone_days():
        month, day = (int(x) for x in str(md).split("-"))
        date = dt.date(year, month, day)
        if until is not None and date > until:
            continue
        local = dt.datetime.combine(date, dt.time(23, 59, 59), tzinfo=tz)
        out.append(local.astimezone(dt.UTC))
    return sorted(out)


# --- import -----------------------------------------------------------------------------------


def _class_kind(entry: dict) -> str:
    kind = entry.get("class_kind", "")
    if kind == "departments" and ("监管职责" in entry["name"] or "负有" in entry["name"]):
        return ClassKind.SUPERVISORY_DEPARTMENTS
    return kind if kind in ClassKind.values else ClassKind.DEPARTMENTS


def _assignments(entries: list[dict]) -> list[tuple]:
    """(org_id, class_kind, name, role) per body, each body once with its strongest role."""
    found: dict[tuple, tuple] = {}
    for e in entries:
        if e.get("class"):
            key = ("class", _class_kind(e))
            row = (None, key[1], e["name"], e["role"])
        elif e.get("org_id"):
            key = ("org", e["org_id"])
            row = (e["org_id"], "", e["name"], e["role"])
        else:
            key = ("name", e["name"])
            row = (None, "", e["name"], e["role"])
        if key not in found or _ROLE_STRENGTH[row[3]] > _ROLE_STRENGTH[found[key][3]]:
            found[key] = row
    return list(found.values())


def _fingerprint(fields: dict, assignments: list[tuple]) -> str:
    payload = {
        **{k: fields[k] for k in _TASK_FIELDS},
        "bodies": sorted([a[2], a[1], a[3]] for a in assignments),
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


@dataclass
class PlannedTask:
    key: tuple  # (item_number, sub_key)
    fields: dict
    assignments: list[tuple]
    unmatched: list[str]
    parent_key: tuple | None
    sort: int
    fingerprint: str = ""
    existing: KeyTask | None = None
    changes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        number, sub = self.key
        return f"{number}{'·' + sub if sub else ''} {self.fields['title']}"


@dataclass
class ImportResult:
    year: int
    doc_number: str
    title: str
    created: list[PlannedTask] = field(default_factory=list)
    changed: list[PlannedTask] = field(default_factory=list)
    unchanged: list[PlannedTask] = field(default_factory=list)
    missing: list[KeyTask] = field(default_factory=list)
    unmatched: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    milestones_created: int = 0

    @property
    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.changed)} changed, {len(self.unchanged)} unchanged"

    def lines(self) -> list[str]:
        out = [f"{self.doc_number or '-'} {self.title} ({self.year}): {self.summary}"]
        out += [f"  + {p.label}" for p in self.created]
        for p in self.changed:
            out.append(f"  ~ {p.label}: {'; '.join(p.changes)}")
        out += [f"  ? not in the notice any more: {t}" for t in self.missing]
        return out


def _plan_tasks(notice: dict, year: int) -> list[PlannedTask]:
    due = dt.date(year, 12, 31)
    planned: list[PlannedTask] = []
    sort = 0
    for section in notice["sections"]:
        for item in section["items"]:
            sort += 1
            if item["subitems"]:
                intro = [c for c in item["clauses"] if c["subitem"] is None]
            else:
                intro = item["clauses"]
            entries = [e for c in intro for e in c["responsible"]]
            assignments = _assignments(entries)
            fields = {
                "section_number": section["number"],
                "section_title": section["title"][:200],
                "inferred": item["inferred"],
                "title": item["title"][:200],
                "requirement": item["text"],
                "responsibility_text": "；".join(
                    c["parenthesis"] for c in intro if c["parenthesis"]
                ),
                "due_date": due,
            }
            key = (item["number"], "")
            planned.append(
                PlannedTask(
                    key,
                    fields,
                    assignments,
                    sorted({a[2] for a in assignments if a[0] is None and not a[1]}),
                    None,
                    sort * 100,
                )
            )
            for n, sub in enumerate(item["subitems"], 1):
                sub_entries = [e for c in sub["clauses"] for e in c["responsible"]]
                sub_assignments = _assignments(sub_entries)
                sub_key = (sub["title"] or sub["number"] or str(n))[:40]
                sub_fields = {
                    **fields,
                    "inferred": item["inferred"],
                    "title": (sub["title"] or f"{item['title']}（{sub_key}）")[:200],
                    "requirement": sub["text"],
                    "responsibility_text": "；".join(
                        c["parenthesis"] for c in sub["clauses"] if c["parenthesis"]
                    ),
                }
                planned.append(
                    PlannedTask(
                        (item["number"], sub_key),
                        sub_fields,
                        sub_assignments,
                        sorted({a[2] for a in sub_assignments if a[0] is None and not a[1]}),
                        key,
                        sort * 100 + n,
                    )
                )
    for p in planned:
        p.fingerprint = _fingerprint(p.fields, p.assignments)
    return planned


def _read_notice(data: bytes | dict) -> dict:
    if isinstance(data, dict):
        return data
    return parse_notice_bytes(data)


def plan_import(data: bytes | dict, *, year: int, index: OrgIndex | None = None) -> ImportResult:
    """What importing ``data`` (a notice's bytes or its parsed form) for ``year`` would do."""
    notice = _read_notice(data)
    if not notice["sections"] or not any(s["items"] for s in notice["sections"]):
        raise NoticeError("the notice has no numbered items")
    unmatched = annotate(notice, index or OrgIndex.from_db())
    doc_number = notice["doc_number"][:60]
    result = ImportResult(
        year=year,
        doc_number=doc_number,
        title=notice["title"],
        unmatched=unmatched,
        warnings=list(notice["warnings"]),
    )
    existing = {
        (t.item_number, t.sub_key): t
        for t in KeyTask.objects.filter(year=year, doc_number=doc_number).prefetch_related(
            "assignments"
        )
    }
    seen = set()
    for p in _plan_tasks(notice, year):
        seen.add(p.key)
        task = existing.get(p.key)
        if task is None:
            result.created.append(p)
            continue
        p.existing = task
        for name in _TASK_FIELDS:
            if getattr(task, name) != p.fields[name]:
                p.changes.append(f"{name} changed")
        if task.sort != p.sort:
            p.changes.append("order changed")
        have = {a.key() for a in task.assignments.all()}
        want = set(p.assignments)
        for a in sorted(want - have, key=str):
            p.changes.append(f"adds {a[2]}〔{a[3]}〕")
        for a in sorted(have - want, key=str):
            p.changes.append(f"drops {a[2]}〔{a[3]}〕")
        (result.changed if p.changes else result.unchanged).append(p)
    result.missing = [t for k, t in existing.items() if k not in seen]
    return result


def _resolved_orgs(assignments) -> set[int]:
    ids = set()
    for org_id, class_kind, _name, _role in assignments:
        if org_id:
            ids.add(org_id)
        elif class_kind:
            ids.update(class_members(class_kind).values_list("pk", flat=True))
    return ids


def _sync_milestones(task: KeyTask, assignments, days) -> int:
    """Milestones for every organisation the task resolves to; pending milestones without
    reports of organisations no longer assigned are removed (the others are history)."""
    orgs = _resolved_orgs(assignments)
    dates = milestone_dates(task.year, days, until=task.due_date)
    have = set(task.milestones.values_list("org_id", "due_at"))
    new = [
        Milestone(task=task, org_id=org_id, due_at=due)
        for org_id in sorted(orgs)
        for due in dates
        if (org_id, due) not in have
    ]
    Milestone.objects.bulk_create(new)
    task.milestones.exclude(org_id__in=orgs).filter(
        state=MilestoneState.PENDING, reports__isnull=True
    ).delete()
    return len(new)


def import_notice(
    data: bytes | dict,
    *,
    actor,
    year: int,
    dry_run: bool = False,
    days=None,
) -> ImportResult:
    """Import (or re-import) a notice's items as key tasks of ``year``.

    One task per item and per sub-item (an item with sub-items keeps only the bodies of its
    introduction; the sub-items carry theirs). Tasks are identified by (year, document
    number, item number, sub-item); an unchanged notice changes nothing; a revised one
    updates text and assignments of the tasks that differ. Names that match no organisation
    are kept (assignment without organisation, and ``unmatched_names``). With ``dry_run``
    nothing is written. Only 安委办 and administrators (or the system) import.
    """
    if actor is not None and not is_county_wide(actor, Action.CHANGE):
        raise PermissionDenied
    with transaction.atomic():
        result = plan_import(data, year=year)
        if dry_run or not (result.created or result.changed):
            return result
        by_key: dict[tuple, KeyTask] = {
            p.key: p.existing for p in result.changed + result.unchanged if p.existing
        }
        for p in result.created:
            task = KeyTask(
                year=year,
                doc_number=result.doc_number,
                item_number=p.key[0],
                sub_key=p.key[1],
                parent=by_key.get(p.parent_key) if p.parent_key else None,
                unmatched_names=p.unmatched,
                fingerprint=p.fingerprint,
                sort=p.sort,
                **p.fields,
            )
            task.save()
            by_key[p.key] = task
            TaskAssignment.objects.bulk_create(
                TaskAssignment(task=task, org_id=o, class_kind=c, name=n[:200], role=r)
                for o, c, n, r in p.assignments
            )
            result.milestones_created += _sync_milestones(task, p.assignments, days)
            audit.record(
                action="keytask.create",
                obj=task,
                actor=actor,
                after={**audit.snapshot(task), "assignments": [list(a) for a in p.assignments]},
            )
        for p in result.changed:
            task = p.existing
            before = {
                **audit.snapshot(task),
                "assignments": [list(a.key()) for a in task.assignments.all()],
            }
            for name in _TASK_FIELDS:
                setattr(task, name, p.fields[name])
            task.unmatched_names = p.unmatched
            task.fingerprint = p.fingerprint
            task.sort = p.sort
            task.save()
            want = set(p.assignments)
            for a in list(task.assignments.all()):
                if a.key() not in want:
                    a.delete()
            have = {a.key() for a in task.assignments.all()}
            TaskAssignment.objects.bulk_create(
                TaskAssignment(task=task, org_id=o, class_kind=c, name=n[:200], role=r)
                for o, c, n, r in p.assignments
                if (o, c, n, r) not in have
            )
            result.milestones_created += _sync_milestones(task, p.assignments, days)
            audit.record(
                action="keytask.update",
                obj=task,
                actor=actor,
                before=before,
                after={**audit.snapshot(task), "assignments": [list(a) for a in p.assignments]},
            )
        audit.record(
            action="keytask.import",
            object_type="duties.keytask",
            object_repr=f"{result.doc_number} {result.year}"[:255],
            actor=actor,
            after={
                "year": year,
                "doc_number": result.doc_number,
                "created": len(result.created),
                "changed": len(result.changed),
                "unchanged": len(result.unchanged),
                "unmatched": sorted(result.unmatched),
            },
        )
        result.applied = True
    return result


# --- progress -----------------------------------------------------------------------------


def _users_of(org_ids) -> list[User]:
    return list(User.objects.filter(org_id__in=list(org_ids), is_active=True))


def _safety_office_users() -> list[User]:
    return list(User.objects.filter(role=Role.SAFETY_OFFICE, is_active=True))


def _check(model, actor, obj, action) -> None:
    """404 for what the actor does not see; 403 for what it sees but may not change."""
    manager = model._default_manager
    if not manager.restrict(actor, Action.VIEW).filter(pk=obj.pk).exists():
        raise Http404
    if not manager.restrict(actor, action).filter(pk=obj.pk).exists():
        raise PermissionDenied


def report_progress(*, actor, milestone: Milestone, text: str, percent: int) -> ProgressReport:
    """An assigned organisation reports progress on its own milestone (进度报送); a pending or
    overdue milestone becomes reported. The task's lead organisations (else 安委办) are told."""
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = _("Describe the progress.")
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        errors["percent"] = _("Enter a percentage between 0 and 100.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        milestone = (
            Milestone.objects.select_for_update().select_related("task", "org").get(pk=milestone.pk)
        )
        _check(Milestone, actor, milestone, Action.CHANGE)
        if milestone.state not in (MilestoneState.PENDING, MilestoneState.OVERDUE):
            raise ValidationError(
                _("This milestone has already been reported; wait for the review.")
                if milestone.state == MilestoneState.REPORTED
                else _("This milestone is already confirmed.")
            )
        before = audit.snapshot(milestone)
        report = ProgressReport.objects.create(
            milestone=milestone,
            org=milestone.org,
            author=actor,
            text=text,
            percent=percent,
            submitted_at=clock.now(),
        )
        milestone.state = MilestoneState.REPORTED
        milestone.save(update_fields=["state"])
        audit.record(
            action="progressreport.submit",
            obj=report,
            actor=actor,
            before={"milestone": before},
            after={**audit.snapshot(report), "milestone_state": milestone.state},
        )
        leads = milestone.task.lead_org_ids - {milestone.org_id}
        recipients = _users_of(leads) if leads else _safety_office_users()
        enqueue(
            subject=(_("Progress reported: %(task)s") % {"task": milestone.task})[:200],
            body=_("%(org)s reported %(percent)s%% on %(task)s.")
            % {"org": milestone.org, "percent": percent, "task": milestone.task},
            link=f"/duties/reports/{report.pk}/",
            recipients=[u for u in recipients if u.pk != actor.pk],
            channels=(Channel.INAPP,),
        )
    return report


def review_report(
    *, actor, report: ProgressReport, decision: str, note: str = ""
) -> ProgressReport:
    """The lead organisation or 安委办 confirms (确认) or returns (退回, with a note) a
    submitted report. Confirming confirms the milestone (and completes the task when every
    milestone is confirmed); returning puts the milestone back to pending (the sweeper marks
    it overdue when its time has passed). The reporting organisation is told."""
    note = (note or "").strip()
    if decision not in ("confirm", "return"):
        raise ValidationError({"decision": _("Choose confirm or return.")})
    if decision == "return" and not note:
        raise ValidationError({"note": _("Say why the report is returned.")})
    with transaction.atomic():
        report = ProgressReport.objects.select_for_update().get(pk=report.pk)
        _check(ProgressReport, actor, report, Action.CHANGE)
        if report.state != ReportState.SUBMITTED:
            raise ValidationError(_("This report has already been reviewed."))
        milestone = Milestone.objects.select_related("task").get(pk=report.milestone_id)
        before = audit.snapshot(report)
        report.state = ReportState.CONFIRMED if decision == "confirm" else ReportState.RETURNED
        report.reviewer = actor
        report.reviewed_at = clock.now()
        report.review_note = note
        report.save()
        milestone.state = (
            MilestoneState.CONFIRMED if decision == "confirm" else MilestoneState.PENDING
        )
        milestone.save(update_fields=["state"])
        audit.record(
            action=f"progressreport.{decision}",
            obj=report,
            actor=actor,
            before=before,
            after={**audit.snapshot(report), "milestone_state": milestone.state},
        )
        task = milestone.task
        if (
            decision == "confirm"
            and task.state == TaskState.OPEN
            and not task.milestones.exclude(state=MilestoneState.CONFIRMED).exists()
        ):
            _set_task_state(actor, task, TaskState.COMPLETED)
        if decision == "confirm":
            subject = _("Progress report confirmed: %(task)s") % {"task": task}
        else:
            subject = _("Progress report returned: %(task)s") % {"task": task}
        enqueue(
            subject=subject[:200],
            body=note,
            link=f"/duties/reports/{report.pk}/",
            recipients=_users_of([report.org_id]),
            channels=(Channel.INAPP,),
            org=report.org,
        )
    return report


def _set_task_state(actor, task: KeyTask, state: str) -> None:
    before = audit.snapshot(task, ["state"])
    task.state = state
    task.save(update_fields=["state"])
    audit.record(
        action="keytask.complete" if state == TaskState.COMPLETED else "keytask.reopen",
        obj=task,
        actor=actor,
        before=before,
        after=audit.snapshot(task, ["state"]),
    )


def task_set_state(*, actor, task: KeyTask, state: str) -> KeyTask:
    """安委办 (or an administrator) closes a task as completed or reopens it."""
    if state not in TaskState.values:
        raise ValidationError({"state": _("Unknown state.")})
    with transaction.atomic():
        task = KeyTask.objects.select_for_update().get(pk=task.pk)
        _check(KeyTask, actor, task, Action.CHANGE)
        if task.state != state:
            _set_task_state(actor, task, state)
    return task


def notify_overdue(milestone: Milestone) -> None:
    """In-app messages for an overdue milestone: its organisation's users and 安委办."""
    recipients = _users_of([milestone.org_id]) + _safety_office_users()
    enqueue(
        subject=(_("Overdue: %(task)s") % {"task": milestone.task})[:200],
        body=_("%(org)s has not reported on %(task)s, due %(due)s.")
        % {
            "org": milestone.org,
            "task": milestone.task,
            "due": milestone.due_at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d"),
        },
        link=f"/duties/milestones/{milestone.pk}/",
        recipients=recipients,
        channels=(Channel.INAPP,),
        org=milestone.org,
        dedupe_key=f"duties-overdue:{milestone.pk}",
    )
