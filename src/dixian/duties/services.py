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
    LetterState,
    Milestone,
    MilestoneState,
    ProgressReport,
    ReminderState,
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

# Timers of the escalation ladder (settings.DUTIES_<NAME> overrides each).
DEFAULTS = {
    "REMINDER_DAYS": 7,  # reminder this many days before a milestone is due
    "LETTER_AFTER_DAYS": 3,  # supervision letter this many days after it became overdue
    "LETTER_REPLY_DAYS": 5,  # the letter asks for a reply within this many days
    "ESCALATE_AFTER_DAYS": 7,  # still not reported this long after the letter: 分管县领导
    "LETTER_PREFIX": "平安委办督",  # 平安委办督〔2024〕3号
    "LETTER_ISSUER": "平陆县安全生产委员会办公室",
    "GUARANTEE_REMINDER_DAYS": 7,  # reminder to the guarantors before a visit is due
}


def setting(name: str):
    return getattr(settings, f"DUTIES_{name}", DEFAULTS[name])


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
    remind = dt.timedelta(days=setting("REMINDER_DAYS"))
    for m in new:
        m.remind_at = m.due_at - remind
        m.reminder_state = ReminderState.SCHEDULED
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


check_may = _check


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
        # A supervision letter answered by the report stops its escalation.
        milestone.letters.filter(state=LetterState.ISSUED).update(state=LetterState.ANSWERED)
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


# --- the escalation ladder: reminder → overdue → 督办函 → 分管县领导 ---------------------------


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def _local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(_tz()).date()


def _end_of_day(date: dt.date) -> dt.datetime:
    return dt.datetime.combine(date, dt.time(23, 59, 59), tzinfo=_tz()).astimezone(dt.UTC)


def principal_users(org_id) -> list[User]:
    """Users who are the principal (主要负责人) of an organisation."""
    from dixian.core.choices import PositionKind

    return list(
        User.objects.filter(
            is_active=True,
            person__positions__org_id=org_id,
            person__positions__kind=PositionKind.PRINCIPAL,
        ).distinct()
    )


def leaders_in_charge(org) -> list:
    """The county leaders in charge (分管县领导) of an organisation, or of the nearest
    organisation above it that has one."""
    from .models import LeaderCharge

    node = org
    while node is not None:
        found = [
            c.leader
            for c in LeaderCharge.objects.filter(org=node, is_active=True).select_related("leader")
        ]
        if found:
            return found
        node = node.parent
    return []


def remind_milestone(milestone: Milestone, now: dt.datetime) -> bool:
    """The reminder before a milestone is due (only while it is pending and not yet due)."""
    if milestone.state != MilestoneState.PENDING or milestone.due_at <= now:
        return False
    enqueue(
        subject=(_("Reminder: %(task)s") % {"task": milestone.task})[:200],
        body=_("Please report progress on %(task)s by %(due)s.")
        % {"task": milestone.task, "due": _local_date(milestone.due_at).isoformat()},
        link=f"/duties/milestones/{milestone.pk}/",
        recipients=_users_of([milestone.org_id]),
        channels=(Channel.INAPP, Channel.SMS),
        org=milestone.org,
        dedupe_key=f"duties-remind:{milestone.pk}",
    )
    return True


def letter_number(year: int, serial: int) -> str:
    return f"{setting('LETTER_PREFIX')}〔{year}〕{serial}号"


def letter_text(milestone: Milestone, now: dt.datetime, reply_by: dt.date) -> str:
    """The body of a supervision letter (an official document: always in Chinese)."""
    task = milestone.task
    due = _local_date(milestone.due_at)
    days = max((_local_date(now) - due).days, 1)
    source = f"《{task.doc_number}》" if task.doc_number else "县安委会"
    return (
        (
            f"根据{source}工作部署，你单位承担的“{task.item_number}{task.title}”"
            f"应于{due.year}年{due.month}月{due.day}日前报送工作进展，"
            f"截至{_local_date(now):%Y年%m月%d日}仍未报送，已逾期{days}天。\n"
            f"请你单位高度重视，主要负责人亲自过问，于{reply_by.year}年{reply_by.month}月"
            f"{reply_by.day}日前将工作进展及逾期原因书面报送县安委办。"
            "逾期仍未报送的，将提请分管县领导督办。"
        )
        .replace("年0", "年")
        .replace("月0", "月")
    )


def issue_letter(milestone: Milestone, now: dt.datetime):
    """Issue the supervision letter (督办函) of an overdue milestone: numbered per year, its
    text fixed, sent to the inbox of the organisation and its principal; escalation is
    scheduled."""
    from django.db.models import Max

    from .models import SupervisionLetter

    year = now.astimezone(_tz()).year
    serial = (SupervisionLetter.objects.filter(year=year).aggregate(n=Max("serial"))["n"] or 0) + 1
    reply_by = _local_date(now) + dt.timedelta(days=setting("LETTER_REPLY_DAYS"))
    letter = SupervisionLetter.objects.create(
        year=year,
        serial=serial,
        number=letter_number(year, serial),
        milestone=milestone,
        org=milestone.org,
        addressee=milestone.org.name,
        body=letter_text(milestone, now, reply_by),
        reply_by=reply_by,
        issued_at=now,
        escalate_at=now + dt.timedelta(days=setting("ESCALATE_AFTER_DAYS")),
    )
    audit.record(action="supervisionletter.issue", obj=letter, after=audit.snapshot(letter))
    enqueue(
        subject=(_("Supervision letter %(number)s") % {"number": letter.number})[:200],
        body=_("%(org)s: %(task)s is overdue. Reply by %(date)s.")
        % {"org": milestone.org, "task": milestone.task, "date": reply_by.isoformat()},
        link=f"/duties/letters/{letter.pk}/",
        recipients=_users_of([milestone.org_id]) + principal_users(milestone.org_id),
        channels=(Channel.INAPP, Channel.SMS),
        org=milestone.org,
        dedupe_key=f"duties-letter:{letter.pk}",
    )
    return letter


def escalate_letter(letter, now: dt.datetime) -> bool:
    """Still not reported after the letter: the county leaders in charge (and 安委办) are
    told. A milestone reported meanwhile closes the letter as answered instead."""
    from .models import LetterState

    milestone = Milestone.objects.select_related("task", "org").get(pk=letter.milestone_id)
    if milestone.state in (MilestoneState.REPORTED, MilestoneState.CONFIRMED):
        letter.state = LetterState.ANSWERED
        letter.save(update_fields=["state"])
        return False
    leaders = leaders_in_charge(milestone.org)
    users = list(User.objects.filter(person__in=leaders, is_active=True))
    audit.record(
        action="supervisionletter.escalate",
        obj=letter,
        before={"state": LetterState.ISSUED},
        after={"state": letter.state, "leaders": [p.name for p in leaders]},
    )
    enqueue(
        subject=(_("Escalated: %(number)s not answered") % {"number": letter.number})[:200],
        body=_("%(org)s has still not reported on %(task)s after supervision letter %(number)s.")
        % {"org": milestone.org, "task": milestone.task, "number": letter.number},
        link=f"/duties/letters/{letter.pk}/",
        recipients=users + _safety_office_users(),
        channels=(Channel.INAPP, Channel.SMS),
        org=milestone.org,
        dedupe_key=f"duties-escalate:{letter.pk}",
    )
    return True


# --- the safety committee (县安委会) ---------------------------------------------------------------


def month_end(year: int, month: int) -> dt.datetime:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return _end_of_day(nxt - dt.timedelta(days=1))


def ensure_meeting_month(year: int, month: int):
    """The month the committee must meet in (created on first need); met at once when a
    meeting of that month is on record."""
    from .models import Meeting, MeetingMonth, PeriodState

    period, created = MeetingMonth.objects.get_or_create(
        year=year, month=month, defaults={"due_at": month_end(year, month)}
    )
    if (
        period.state == PeriodState.OPEN
        and Meeting.objects.filter(held_on__year=year, held_on__month=month).exists()
    ):
        MeetingMonth.objects.filter(pk=period.pk, state=PeriodState.OPEN).update(
            state=PeriodState.MET
        )
        period.state = PeriodState.MET
    return period


def ensure_current_meeting_months(now: dt.datetime) -> None:
    local = now.astimezone(_tz())
    ensure_meeting_month(local.year, local.month)


def meeting_save(*, actor, form):
    """Create or change a meeting (through the audited core save); its month is met."""
    from dixian.core.services import object_save

    with transaction.atomic():
        meeting = object_save(actor=actor, instance=form.instance, form=form)
        period = ensure_meeting_month(meeting.held_on.year, meeting.held_on.month)
        from .models import PeriodState

        if period.state == PeriodState.MISSED and meeting.held_on <= _local_date(period.due_at):
            period.state = PeriodState.MET
            period.save(update_fields=["state"])
    return meeting


def month_missed(period) -> None:
    """No meeting by the end of a month: 安委办 and county leaders are told."""
    from .models import Meeting

    if Meeting.objects.filter(held_on__year=period.year, held_on__month=period.month).exists():
        from .models import PeriodState

        period.state = PeriodState.MET
        period.save(update_fields=["state"])
        return
    audit.record(action="meetingmonth.missed", obj=period, after={"state": period.state})
    leaders = list(User.objects.filter(role=Role.COUNTY_LEADER, is_active=True))
    enqueue(
        subject=(_("No safety committee meeting in %(month)s") % {"month": str(period)})[:200],
        body=_("The county safety committee must meet at least once a month."),
        link="/duties/meetings/",
        recipients=_safety_office_users() + leaders,
        channels=(Channel.INAPP,),
        dedupe_key=f"duties-month:{period.pk}",
    )


def decision_to_task(*, actor, decision) -> KeyTask:
    """One click: a meeting decision becomes a key task with its lead and co-operating
    organisations and their milestones (each quarter-end before the due date, and the due
    date itself)."""
    from .models import Decision

    with transaction.atomic():
        decision = (
            Decision.objects.select_for_update().select_related("meeting").get(pk=decision.pk)
        )
        _check(Decision, actor, decision, Action.CHANGE)
        if decision.task_id:
            raise ValidationError(_("This decision is already a key task."))
        if decision.lead_id is None:
            raise ValidationError({"lead": _("Name the lead organisation first.")})
        meeting = decision.meeting
        year = decision.due_date.year
        task = KeyTask.objects.create(
            year=year,
            doc_number=f"安委会{meeting.held_on:%Y%m%d}",
            section_number="会",
            section_title=str(meeting)[:200],
            item_number=f"D{decision.pk}",
            title=decision.text.splitlines()[0][:200],
            requirement=decision.text,
            responsibility_text=decision.lead.name,
            due_date=decision.due_date,
            sort=900000 + decision.pk,
        )
        rows = [(decision.lead_id, AssignmentRole.LEAD, decision.lead.name)]
        rows += [
            (o.pk, AssignmentRole.CO, o.name) for o in decision.co_orgs.exclude(pk=decision.lead_id)
        ]
        TaskAssignment.objects.bulk_create(
            TaskAssignment(task=task, org_id=o, name=n[:200], role=r) for o, r, n in rows
        )
        today = _local_date(clock.now())
        dates = [
            d for d in milestone_dates(year, until=decision.due_date) if _local_date(d) > today
        ]
        dates = sorted(set(dates) | {_end_of_day(decision.due_date)})
        remind = dt.timedelta(days=setting("REMINDER_DAYS"))
        Milestone.objects.bulk_create(
            Milestone(
                task=task,
                org_id=o,
                due_at=d,
                remind_at=d - remind,
                reminder_state=ReminderState.SCHEDULED,
            )
            for o, _r, _n in rows
            for d in dates
        )
        decision.task = task
        decision.save(update_fields=["task"])
        audit.record(
            action="decision.to_task",
            obj=decision,
            actor=actor,
            after={"task": task.pk, "milestones": len(dates) * len(rows)},
        )
        audit.record(action="keytask.create", obj=task, actor=actor, after=audit.snapshot(task))
    return task


# --- 包保 (leader guarantee) -------------------------------------------------------------------


def add_months(date: dt.date, months: int) -> dt.date:
    import calendar

    month = date.month - 1 + months
    year = date.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def _schedule_visit(guarantee, last: dt.date) -> None:
    from .models import VisitState

    due = _end_of_day(add_months(last, guarantee.visit_every_months))
    guarantee.next_visit_due = due
    guarantee.visit_state = VisitState.ON_TIME
    guarantee.remind_at = due - dt.timedelta(days=setting("GUARANTEE_REMINDER_DAYS"))
    guarantee.reminder_state = ReminderState.SCHEDULED


def guarantee_save(*, actor, form):
    """Create or change a 包保 assignment; the next visit is due one interval after the last
    visit (or the start)."""
    from dixian.core.services import object_save

    with transaction.atomic():
        guarantee = form.save(commit=False)
        last = guarantee.visits.order_by("-visited_on").first() if guarantee.pk else None
        _schedule_visit(guarantee, last.visited_on if last else guarantee.start_date)
        return object_save(actor=actor, instance=guarantee, form=form)


def record_visit(*, actor, guarantee, kind, visited_on, visitor, findings="", hazards_found=0):
    """A guarantor records a visit or underground inspection; the next one is scheduled."""
    from .models import Guarantee, GuaranteeVisit, VisitKind

    errors = {}
    if kind not in VisitKind.values:
        errors["kind"] = _("Unknown kind of visit.")
    if visited_on > _local_date(clock.now()):
        errors["visited_on"] = _("A visit cannot be in the future.")
    if visitor is None or visitor.pk not in {guarantee.leader_id, guarantee.dept_head_id}:
        errors["visitor"] = _("The visitor must be one of the guarantors.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        guarantee = Guarantee.objects.select_for_update().get(pk=guarantee.pk)
        if not Guarantee.objects.restrict(actor).filter(pk=guarantee.pk).exists():
            raise Http404
        if not (
            is_county_wide(actor, Action.CHANGE)
            or (
                actor.person_id and actor.person_id in {guarantee.leader_id, guarantee.dept_head_id}
            )
        ):
            raise PermissionDenied
        visit = GuaranteeVisit.objects.create(
            guarantee=guarantee,
            kind=kind,
            visited_on=visited_on,
            visitor=visitor,
            findings=(findings or "").strip(),
            hazards_found=hazards_found or 0,
            recorded_by=actor,
        )
        before = audit.snapshot(guarantee, ["next_visit_due", "visit_state"])
        latest = guarantee.visits.order_by("-visited_on").first()
        _schedule_visit(guarantee, latest.visited_on)
        guarantee.save()
        audit.record(
            action="guaranteevisit.create",
            obj=visit,
            actor=actor,
            before={"guarantee": before},
            after={
                **audit.snapshot(visit),
                "guarantee": audit.snapshot(guarantee, ["next_visit_due", "visit_state"]),
            },
        )
    return visit


def _guarantor_users(guarantee) -> list[User]:
    ids = [p for p in (guarantee.leader_id, guarantee.dept_head_id) if p]
    return list(User.objects.filter(person_id__in=ids, is_active=True))


def remind_visit(guarantee, now: dt.datetime) -> bool:
    from .models import VisitState

    if (
        not guarantee.is_active
        or guarantee.visit_state != VisitState.ON_TIME
        or not guarantee.next_visit_due
        or guarantee.next_visit_due <= now
    ):
        return False
    enqueue(
        subject=(_("Visit due: %(enterprise)s") % {"enterprise": guarantee.enterprise})[:200],
        body=_("Your next guarantee visit to %(enterprise)s is due by %(date)s.")
        % {
            "enterprise": guarantee.enterprise,
            "date": _local_date(guarantee.next_visit_due).isoformat(),
        },
        link=f"/duties/guarantees/{guarantee.pk}/",
        recipients=_guarantor_users(guarantee),
        channels=(Channel.INAPP, Channel.SMS),
        dedupe_key=f"duties-visit-remind:{guarantee.pk}:{guarantee.next_visit_due:%Y%m%d}",
    )
    return True


def visit_missed(guarantee, now: dt.datetime) -> None:
    audit.record(
        action="guarantee.visit_overdue",
        obj=guarantee,
        after={"visit_state": guarantee.visit_state},
    )
    if not guarantee.is_active:
        return
    enqueue(
        subject=(_("Visit overdue: %(enterprise)s") % {"enterprise": guarantee.enterprise})[:200],
        body=_("The guarantee visit to %(enterprise)s was due by %(date)s.")
        % {
            "enterprise": guarantee.enterprise,
            "date": _local_date(guarantee.next_visit_due).isoformat(),
        },
        link=f"/duties/guarantees/{guarantee.pk}/",
        recipients=_guarantor_users(guarantee) + _safety_office_users(),
        channels=(Channel.INAPP, Channel.SMS),
        dedupe_key=f"duties-visit-overdue:{guarantee.pk}:{guarantee.next_visit_due:%Y%m%d}",
    )


# --- duty lists (动态编制) ---------------------------------------------------------------------


def _normalise_lines(text: str) -> str:
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def duty_list_save(*, actor, form, note: str = ""):
    """Create or change a duty list; every change of its duties is a new version (who,
    when, what). Saving unchanged duties makes no version."""
    from dixian.core.services import object_save

    from .models import DutyList, DutyListVersion

    with transaction.atomic():
        duty_list = form.instance
        duty_list.content = _normalise_lines(form.cleaned_data.get("content", duty_list.content))
        previous = None
        if duty_list.pk:
            previous = DutyList.objects.select_for_update().get(pk=duty_list.pk).content
        changed = previous is None or previous != duty_list.content
        if changed:
            last = duty_list.versions.order_by("-number").first() if duty_list.pk else None
            duty_list.version = (last.number + 1) if last else 1
            duty_list.updated_at = clock.now()
        duty_list = object_save(actor=actor, instance=duty_list, form=form)
        if changed:
            DutyListVersion.objects.create(
                duty_list=duty_list,
                number=duty_list.version,
                content=duty_list.content,
                note=(note or "").strip()[:200],
                changed_by=actor,
                changed_at=duty_list.updated_at or clock.now(),
            )
    return duty_list


def duty_list_diff(old: str, new: str) -> list[dict]:
    """Line differences between two versions: kind is same, added or removed."""
    import difflib

    a, b = old.splitlines(), new.splitlines()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out += [{"kind": "same", "text": line} for line in a[i1:i2]]
            continue
        out += [{"kind": "removed", "text": line} for line in a[i1:i2]]
        out += [{"kind": "added", "text": line} for line in b[j1:j2]]
    return out


def letter_pdf(letter) -> bytes:
    """The supervision letter as an A4 PDF with the red head of the issuing office."""
    from dixian.core.pdf import render_pdf

    issued = letter.issued_at.astimezone(_tz()).date()
    return render_pdf(
        "duties/pdf/supervision_letter.html",
        {
            "letter": letter,
            "issuer": setting("LETTER_ISSUER"),
            "paragraphs": letter.body.splitlines(),
            "issued": f"{issued.year}年{issued.month}月{issued.day}日",
        },
    )
