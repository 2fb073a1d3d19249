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


class ReminderState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent")


class LetterStep(models.TextChoices):
    """Where an overdue milestone stands on the way to a supervision letter."""

    NONE = "", _("None")
    SCHEDULED = "scheduled", _("Letter scheduled")
    ISSUED = "issued", _("Letter issued")


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
    remind_at = models.DateTimeField(_("reminder due"), null=True, blank=True)
    reminder_state = models.CharField(
        _("reminder"), max_length=12, choices=ReminderState.choices, blank=True
    )
    letter_due_at = models.DateTimeField(_("supervision letter due"), null=True, blank=True)
    letter_step = models.CharField(
        _("supervision letter"), max_length=12, choices=LetterStep.choices, blank=True
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["due_at", "task__sort", "org__path", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["reminder_state", "remind_at"]),
            models.Index(fields=["letter_step", "letter_due_at"]),
        ]
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


# --- reminders, supervision letters (督办函) and escalation -----------------------------------


class LeaderCharge(models.Model):
    """Which county leader is in charge of which organisation (分管县领导)."""

    leader = models.ForeignKey(
        "core.Person",
        verbose_name=_("county leader"),
        on_delete=models.PROTECT,
        related_name="charges",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation in charge"),
        on_delete=models.CASCADE,
        related_name="leader_charges",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["leader__name", "org__name"]
        verbose_name = _("leader in charge")
        verbose_name_plural = _("leaders in charge")
        constraints = [
            models.UniqueConstraint(fields=["leader", "org"], name="duties_leadercharge_unique")
        ]

    def __str__(self) -> str:
        return f"{self.leader} → {self.org}"

    @classmethod
    def scope_q(cls, user, action):
        """Government users read who is in charge of what; 安委办 and administrators
        change it."""
        if is_county_wide(user, action):
            return None
        if action != Action.VIEW or user.org is None or user.org.kind == OrgKind.ENTERPRISE:
            return Q(pk__in=[])
        return Q()

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)


class LetterState(models.TextChoices):
    ISSUED = "issued", _("Issued")
    ANSWERED = "answered", _("Answered")
    ESCALATED = "escalated", _("Escalated")


class SupervisionLetter(models.Model):
    """A supervision letter (督办函) for an overdue milestone, numbered per year
    (平安委办督〔2024〕3号). Its text is fixed when issued; the PDF is printed from it."""

    year = models.PositiveIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial number"))
    number = models.CharField(_("document number"), max_length=60, unique=True)
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        on_delete=models.PROTECT,
        related_name="letters",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="supervision_letters",
    )
    addressee = models.CharField(_("addressee"), max_length=200)
    body = models.TextField(_("text"))
    reply_by = models.DateField(_("reply by"))
    issued_at = models.DateTimeField(_("issued"))
    state = models.CharField(
        _("state"), max_length=12, choices=LetterState.choices, default=LetterState.ISSUED
    )
    escalate_at = models.DateTimeField(_("escalation due"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-serial"]
        verbose_name = _("supervision letter")
        verbose_name_plural = _("supervision letters")
        indexes = [models.Index(fields=["state", "escalate_at"])]
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="duties_letter_serial")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.org}"

    @classmethod
    def scope_q(cls, user, action):
        """Issued by the system; read by 安委办, county leaders and the organisation."""
        if action != Action.VIEW:
            return Q(pk__in=[])
        if is_county_wide(user, action):
            return None
        if user.org_id is None:
            return Q(pk__in=[])
        return Q(org=user.org_id)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return False


# --- the county safety committee (县安委会) ------------------------------------------------------


def government_reader_q(user, action) -> Q | None:
    """County-wide roles everything; other government users read; only 安委办 and
    administrators change."""
    if is_county_wide(user, action):
        return None
    if action != Action.VIEW or user.org is None or user.org.kind == OrgKind.ENTERPRISE:
        return Q(pk__in=[])
    if user.role == Role.ENTERPRISE_MANAGER:
        return Q(pk__in=[])
    return Q()


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary meeting")
    MONTHLY = "monthly", _("Monthly dispatch meeting")
    SPECIAL = "special", _("Special meeting")


class Meeting(models.Model):
    """A meeting of the county safety committee (县安委会会议), at least monthly."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=MeetingKind.choices, default=MeetingKind.MONTHLY
    )
    held_on = models.DateField(_("held on"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(
        "core.Person",
        verbose_name=_("chair"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chaired_meetings",
    )
    attendees = models.ManyToManyField(
        "core.Person", verbose_name=_("attendees"), blank=True, related_name="meetings"
    )
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"

    scope_q = classmethod(lambda cls, user, action: government_reader_q(user, action))

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)


class Decision(models.Model):
    """A decision of a meeting (会议议定事项); one click turns it into a key task."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    lead = models.ForeignKey(
        Organisation,
        verbose_name=_("lead organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_orgs = models.ManyToManyField(
        Organisation, verbose_name=_("co-operating organisations"), blank=True, related_name="+"
    )
    due_date = models.DateField(_("due date"))
    task = models.OneToOneField(
        KeyTask,
        verbose_name=_("key task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decision",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "pk"]
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")

    def __str__(self) -> str:
        return self.text[:60]

    scope_q = classmethod(lambda cls, user, action: government_reader_q(user, action))

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)


class PeriodState(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Meeting held")
    MISSED = "missed", _("No meeting")


class MeetingMonth(models.Model):
    """One calendar month the committee must meet in; missed at the month's end."""

    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=8, choices=PeriodState.choices, default=PeriodState.OPEN
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("meeting month")
        verbose_name_plural = _("meeting months")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="duties_meetingmonth_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    scope_q = classmethod(lambda cls, user, action: government_reader_q(user, action))


# --- 包保 (leader guarantee) ----------------------------------------------------------------------


class VisitState(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    OVERDUE = "overdue", _("Visit overdue")


class Guarantee(models.Model):
    """A 包保 assignment: a county leader and a department head guarantee an enterprise
    (coal mine, underground metal/non-metal mine, tailings pond) and visit it regularly."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="guarantees",
        limit_choices_to={"kind": OrgKind.ENTERPRISE},
    )
    leader = models.ForeignKey(
        "core.Person",
        verbose_name=_("county leader"),
        on_delete=models.PROTECT,
        related_name="guarantees_led",
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dept_head = models.ForeignKey(
        "core.Person",
        verbose_name=_("department head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guarantees_held",
    )
    visit_every_months = models.PositiveSmallIntegerField(
        _("visit every (months)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    start_date = models.DateField(_("since"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    next_visit_due = models.DateTimeField(_("next visit due"), null=True, blank=True)
    visit_state = models.CharField(
        _("visit state"), max_length=8, choices=VisitState.choices, default=VisitState.ON_TIME
    )
    remind_at = models.DateTimeField(_("reminder due"), null=True, blank=True)
    reminder_state = models.CharField(
        _("reminder"), max_length=12, choices=ReminderState.choices, blank=True
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__name", "pk"]
        verbose_name = _("guarantee assignment")
        verbose_name_plural = _("guarantee assignments")
        indexes = [
            models.Index(fields=["visit_state", "next_visit_due"]),
            models.Index(fields=["reminder_state", "remind_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.leader}"

    @classmethod
    def scope_q(cls, user, action):
        """Whoever sees the enterprise sees who guarantees it; the guarantors see their
        own assignments; only 安委办 and administrators change them."""
        from dixian.core.scoping import visible_org_ids

        if is_county_wide(user, action):
            return None
        if action != Action.VIEW:
            return Q(pk__in=[])
        q = Q(department=user.org_id) if user.org_id else Q(pk__in=[])
        if user.person_id:
            q |= Q(leader=user.person_id) | Q(dept_head=user.person_id)
        ids = visible_org_ids(user, action)
        return q if ids is None else q | Q(enterprise__in=ids)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)


class VisitKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    UNDERGROUND = "underground", _("Underground inspection")


class GuaranteeVisit(models.Model):
    """A visit (or underground inspection, 下井检查) by a guarantor."""

    guarantee = models.ForeignKey(
        Guarantee, verbose_name=_("guarantee"), on_delete=models.CASCADE, related_name="visits"
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=VisitKind.choices, default=VisitKind.VISIT
    )
    visited_on = models.DateField(_("visited on"))
    visitor = models.ForeignKey(
        "core.Person", verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="+"
    )
    findings = models.TextField(_("findings"), blank=True)
    hazards_found = models.PositiveIntegerField(_("hazards found"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = _("guarantee visit")
        verbose_name_plural = _("guarantee visits")

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.guarantee.enterprise} · {self.visitor}"

    @classmethod
    def scope_q(cls, user, action):
        if action == Action.VIEW:
            inner = Guarantee.scope_q(user, action)
            return None if inner is None else Q(guarantee__in=Guarantee.objects.filter(inner))
        if is_county_wide(user, Action.CHANGE):
            return None
        if action == Action.CHANGE and user.person_id:
            return Q(guarantee__leader=user.person_id) | Q(guarantee__dept_head=user.person_id)
        return Q(pk__in=[])


# --- duty lists (安全生产职责清单, 权责清单) ----------------------------------------------------


class DutyListKind(models.TextChoices):
    SAFETY = "safety", _("Work-safety duty list")
    POWERS = "powers", _("Powers and responsibilities list")


class DutyList(models.Model):
    """A duty list of a department or of one position in it; every change is a version."""

    org = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=DutyListKind.choices)
    position = models.CharField(
        _("position"),
        max_length=100,
        blank=True,
        help_text=_("Empty for the organisation's own list."),
    )
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("duties"), help_text=_("One duty per line."))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["org__name", "kind", "position", "pk"]
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind", "position"], name="duties_dutylist_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def scope_q(cls, user, action):
        """County-wide roles read every list; an organisation reads and edits its own;
        安委办 edits all."""
        if is_county_wide(user, action):
            return None
        if user.org_id is None or user.role == Role.ENTERPRISE_MANAGER:
            return Q(pk__in=[])
        return Q(org=user.org_id)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        if is_county_wide(user, Action.CHANGE):
            return True
        return bool(user.org_id) and user.org.kind in (
            OrgKind.DEPARTMENT,
            OrgKind.TOWNSHIP_GOVERNMENT,
            OrgKind.COMMITTEE_OFFICE,
        )


class DutyListVersion(models.Model):
    """One version of a duty list: who changed it, when, why, and the text then."""

    duty_list = models.ForeignKey(
        DutyList, verbose_name=_("duty list"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    content = models.TextField(_("duties"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["duty_list", "-number"]
        verbose_name = _("duty list version")
        verbose_name_plural = _("duty list versions")
        constraints = [
            models.UniqueConstraint(
                fields=["duty_list", "number"], name="duties_dutyversion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.duty_list} v{self.number}"

    @classmethod
    def scope_q(cls, user, action):
        if action != Action.VIEW:
            return Q(pk__in=[])
        inner = DutyList.scope_q(user, action)
        return None if inner is None else Q(duty_list__in=DutyList.objects.filter(inner))
