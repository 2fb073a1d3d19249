"""Key tasks of the annual work-safety notice (年度重点工作任务), who carries them, and the
progress reports against their milestones (进度报送节点).

A notice such as 平政发〔2024〕1号 becomes one ``KeyTask`` per item, and one per sub-item for
an item split into sub-items (the sub-items carry the departments). Each named body becomes
a ``TaskAssignment`` — a single organisation, or a class of bodies (乡镇人民政府, 县负有安全
监管职责的部门 …) resolved when scoping and when milestones are made. Every assigned
organisation reports against its ``Milestone`` rows (quarterly by default); the lead
organisation (or 安委办) confirms or returns each ``ProgressReport``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dixian.core.choices import Action, OrgKind, Role
from dixian.core.models import Organisation
from dixian.core.scoping import ScopedQuerySet, is_county_wide


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    CO = "co", _("Co-operating")
    JOINT = "joint", _("Jointly responsible")
    SUPERVISE = "supervise", _("Supervises")


class ClassKind(models.TextChoices):
    """Classes of bodies a notice names instead of one organisation."""

    SUPERVISORY_DEPARTMENTS = "supervisory_departments", _("Departments with supervisory duties")
    DEPARTMENTS = "departments", _("Relevant departments")
    TOWNSHIP_GOVERNMENTS = "township_governments", _("Township governments")
    COUNTY_GOVERNMENTS = "county_governments", _("County governments")
    CITY_GOVERNMENTS = "city_governments", _("City governments")
    PROVINCE_GOVERNMENTS = "province_governments", _("Provincial governments")
    ENTERPRISES = "enterprises", _("Enterprises")


def classes_of(org: Organisation | None) -> list[str]:
    """The classes an organisation belongs to (a department with a supervisory remit is
    one of 县负有安全监管职责的部门)."""
    if org is None:
        return []
    if org.kind == OrgKind.TOWNSHIP_GOVERNMENT:
        return [ClassKind.TOWNSHIP_GOVERNMENTS]
    if org.kind == OrgKind.DEPARTMENT:
        kinds = [ClassKind.DEPARTMENTS]
        if org.jurisdictions.exists():
            kinds.append(ClassKind.SUPERVISORY_DEPARTMENTS)
        return kinds
    return []


def class_members(class_kind: str):
    """The organisations a class stands for in this county."""
    qs = Organisation.objects.filter(is_active=True)
    if class_kind == ClassKind.TOWNSHIP_GOVERNMENTS:
        return qs.filter(kind=OrgKind.TOWNSHIP_GOVERNMENT)
    if class_kind == ClassKind.DEPARTMENTS:
        return qs.filter(kind=OrgKind.DEPARTMENT)
    if class_kind == ClassKind.SUPERVISORY_DEPARTMENTS:
        return qs.filter(kind=OrgKind.DEPARTMENT, jurisdictions__isnull=False).distinct()
    # Other levels of government and enterprises are not organisations that report here.
    return qs.none()


def assigned_task_q(user, prefix: str = "") -> Q:
    """Q over KeyTask (through ``prefix``) for the tasks assigned to the user's organisation,
    directly or through one of its classes. Enterprises and users without an organisation
    get nothing."""
    org = user.org
    if org is None or org.kind == OrgKind.ENTERPRISE or user.role == Role.ENTERPRISE_MANAGER:
        return Q(pk__in=[])
    q = Q(**{f"{prefix}assignments__org": org})
    kinds = classes_of(org)
    if kinds:
        q |= Q(**{f"{prefix}assignments__class_kind__in": kinds})
    return q


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")


class KeyTask(models.Model):
    """A key task of the year (年度重点工作任务): one item or sub-item of the notice."""

    year = models.PositiveIntegerField(_("year"), db_index=True)
    doc_number = models.CharField(_("document number"), max_length=60, blank=True)
    section_number = models.CharField(_("section"), max_length=8)
    section_title = models.CharField(_("section title"), max_length=200, blank=True)
    item_number = models.CharField(_("item"), max_length=12)
    sub_key = models.CharField(
        _("sub-item"),
        max_length=40,
        blank=True,
        help_text=_("Empty for an item; the sub-item's title or number otherwise."),
    )
    inferred = models.BooleanField(
        _("number inferred"),
        default=False,
        help_text=_("The item has no number in the notice; its place implies one."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subtasks",
    )
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("requirement"), blank=True)
    responsibility_text = models.TextField(_("responsibility as written"), blank=True)
    unmatched_names = models.JSONField(
        _("unmatched names"),
        default=list,
        blank=True,
        help_text=_("Names in the notice that match no single organisation."),
    )
    due_date = models.DateField(_("due date"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN
    )
    fingerprint = models.CharField(_("source fingerprint"), max_length=64, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "sort", "pk"]
        verbose_name = _("key task")
        verbose_name_plural = _("key tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "doc_number", "item_number", "sub_key"], name="duties_task_unique"
            )
        ]

    def __str__(self) -> str:
        label = f"{self.item_number}{self.title}"
        if self.parent_id:
            label = f"{self.item_number}·{self.title}"
        return label

    @classmethod
    def scope_q(cls, user, action):
        """安委办 and county-wide roles see every task; a department or township sees the
        tasks assigned to it or its class; only 安委办 and administrators change them."""
        if is_county_wide(user, action):
            return None
        if action != Action.VIEW:
            return Q(pk__in=[])
        return assigned_task_q(user)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)

    @property
    def lead_org_ids(self) -> set[int]:
        return {
            a.org_id for a in self.assignments.all() if a.role == AssignmentRole.LEAD and a.org_id
        }


class TaskAssignment(models.Model):
    """A body named for a task: one organisation, a class of bodies, or a name that matched
    nothing (kept, never dropped)."""

    task = models.ForeignKey(
        KeyTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments"
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="task_assignments",
    )
    class_kind = models.CharField(
        _("class of bodies"), max_length=32, choices=ClassKind.choices, blank=True
    )
    name = models.CharField(_("name as written"), max_length=200)
    role = models.CharField(_("role"), max_length=12, choices=AssignmentRole.choices)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["task", "pk"]
        verbose_name = _("task assignment")
        verbose_name_plural = _("task assignments")

    def __str__(self) -> str:
        return f"{self.org or self.name}〔{self.get_role_display()}〕"

    @classmethod
    def scope_q(cls, user, action):
        if is_county_wide(user, action):
            return None
        if action != Action.VIEW:
            return Q(pk__in=[])
        return Q(task__in=KeyTask.objects.restrict(user, action).values("pk"))

    @property
    def unmatched(self) -> bool:
        return self.org_id is None and not self.class_kind

    def key(self) -> tuple:
        return (self.org_id, self.class_kind, self.name, self.role)


class MilestoneState(models.TextChoices):
    PENDING = "pending", _("Pending")
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    OVERDUE = "overdue", _("Overdue")


class Milestone(models.Model):
    """A reporting point (报送节点) of one assigned organisation for one task."""

    task = models.ForeignKey(
        KeyTask, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones"
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="task_milestones",
    )
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=MilestoneState.choices, default=MilestoneState.PENDING
    )
    overdue_at = models.DateTimeField(_("overdue since"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["due_at", "task__sort", "org__path", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [models.Index(fields=["state", "due_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "org", "due_at"], name="duties_milestone_unique"
            )
        ]

    def __str__(self) -> str:
        from django.utils import timezone

        return f"{self.task} · {self.org} · {timezone.localtime(self.due_at):%Y-%m-%d}"

    @classmethod
    def scope_q(cls, user, action):
        """Whoever sees the task sees its milestones; only the organisation a milestone
        belongs to reports on it (``change``)."""
        if action == Action.VIEW:
            if is_county_wide(user, action):
                return None
            return Q(task__in=KeyTask.objects.restrict(user, action).values("pk"))
        if action == Action.CHANGE and user.org_id:
            return Q(org=user.org_id) & Q(
                task__in=KeyTask.objects.filter(assigned_task_q(user)).values("pk")
            )
        return Q(pk__in=[])

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return False


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Returned")


class ProgressReport(models.Model):
    """Progress reported by an assigned organisation against a milestone (进度报送)."""

    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="reports"
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.milestone.task} · {self.org} · {self.percent}%"

    @classmethod
    def scope_q(cls, user, action):
        """Whoever sees the task sees its reports; ``change`` (review) belongs to 安委办 and
        to the task's lead organisation, never for its own reports."""
        if action == Action.VIEW:
            if is_county_wide(user, action):
                return None
            return Q(milestone__task__in=KeyTask.objects.restrict(user, action).values("pk"))
        if action != Action.CHANGE:
            return Q(pk__in=[])
        if user.is_superuser or user.role == Role.ADMIN:
            return None
        if not user.org_id:
            return Q(pk__in=[])
        if user.role == Role.SAFETY_OFFICE:
            return ~Q(org=user.org_id)
        led = TaskAssignment.objects.filter(org=user.org_id, role=AssignmentRole.LEAD)
        return Q(milestone__task__in=led.values("task")) & ~Q(org=user.org_id)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return False
