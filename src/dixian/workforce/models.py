"""Enterprise safety staff and workforce (notice items （三）（四）, and 考核记分 of （二）).

- Safety organisation (安全管理机构, 安全总监, 专兼职安全管理人员, 注册安全工程师) with the
  staffing rules of 安全生产法 第二十四条/第二十七条 kept as data (``StaffingRule``).
- Safety fees ledger (安全生产费用, 财资〔2022〕136号): monthly accruals computed with the
  standards calculator, spending by permitted use, running balance.
- 五到位 self-checks with evidence, reviewed by the supervising department.
- Principal scoring (主要负责人安全生产考核记分): 12-point cycles, violation catalogue.
- Workforce: posts, employees, training, special-operation certificates, the training gate
  (未经培训合格不得上岗) and 反“三违” records.

Every model is scoped through the owning enterprise (``core.Organisation``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.choices import OrgKind
from dixian.core.models import Industry, Organisation, Person
from dixian.core.scoping import ScopedQuerySet

ENTERPRISE = {"kind": OrgKind.ENTERPRISE}
MONEY = {"max_digits": 16, "decimal_places": 2}


# --- reference data (county-wide, editable by 安委办 and administrators) ---------------------


class StaffingRequirement(models.TextChoices):
    BODY_OR_FULL_TIME = "body_or_full_time", _("Safety body or full-time safety staff")
    STAFF = "staff", _("Full-time or part-time safety staff")


class StaffingRule(models.Model):
    """One staffing rule (安全生产法 第二十四条、第二十七条), as data.

    A rule applies to an enterprise when the enterprise is in ``industry`` (or one of its
    sub-industries; empty means any industry) and its headcount lies within
    [``min_headcount``, ``max_headcount``] (empty bounds are open). All rules that apply are
    combined: the strictest requirement wins.
    """

    name = models.CharField(_("name"), max_length=120)
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for every industry."),
    )
    min_headcount = models.PositiveIntegerField(_("from headcount"), null=True, blank=True)
    max_headcount = models.PositiveIntegerField(_("up to headcount"), null=True, blank=True)
    requirement = models.CharField(
        _("requirement"), max_length=24, choices=StaffingRequirement.choices
    )
    needs_safety_engineer = models.BooleanField(_("registered safety engineer required"))
    needs_safety_director = models.BooleanField(_("safety director required"), default=False)
    clause = models.CharField(_("legal basis"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["pk"]
        verbose_name = _("staffing rule")
        verbose_name_plural = _("staffing rules")

    def __str__(self) -> str:
        return self.name


class CertificateCategory(models.TextChoices):
    SPECIAL_OPERATION = "special_operation", _("Special operation (特种作业)")
    SAFETY_QUALIFICATION = (
        "safety_qualification",
        _("Safety qualification (安全生产知识和管理能力)"),
    )
    REGISTERED_ENGINEER = "registered_engineer", _("Registered safety engineer")
    OTHER = "other", _("Other")


class CertificateType(models.Model):
    """A kind of certificate (特种作业操作证 by operation, 安全合格证, 注册安全工程师 …)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=24, choices=CertificateCategory.choices)
    validity_years = models.PositiveSmallIntegerField(_("valid for (years)"), default=6)
    review_years = models.PositiveSmallIntegerField(
        _("review every (years)"), null=True, blank=True
    )

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("certificate type")
        verbose_name_plural = _("certificate types")

    def __str__(self) -> str:
        return self.name


class FeeUse(models.Model):
    """A permitted use of safety fees (安全生产费用使用范围, 财资〔2022〕136号)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("permitted fee use")
        verbose_name_plural = _("permitted fee uses")

    def __str__(self) -> str:
        return self.name


class ViolationType(models.Model):
    """A violation of the principal-scoring catalogue (考核记分 事项) with its points."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("violation"), max_length=300)
    points = models.PositiveSmallIntegerField(_("points"), validators=[MinValueValidator(1)])
    clause = models.CharField(_("basis"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["-points", "code"]
        verbose_name = _("scored violation")
        verbose_name_plural = _("scored violations")

    def __str__(self) -> str:
        return f"{self.name}（{self.points}）"


class ScoringPolicy(models.Model):
    """The scoring cycle and its consequence (configurable; the latest row applies)."""

    threshold = models.PositiveSmallIntegerField(_("points that trigger"), default=12)
    cycle_start_month = models.PositiveSmallIntegerField(_("cycle starts in month"), default=1)
    cycle_start_day = models.PositiveSmallIntegerField(_("cycle starts on day"), default=1)
    retraining_days = models.PositiveSmallIntegerField(_("days to retrain and pass"), default=30)
    consequence = models.CharField(
        _("consequence"),
        max_length=300,
        default="暂停履职，参加安全生产知识和管理能力再培训并考试合格",
    )

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("scoring policy")
        verbose_name_plural = _("scoring policies")

    def __str__(self) -> str:
        return f"{self.threshold} · {self.cycle_start_month}-{self.cycle_start_day}"

    @classmethod
    def current(cls) -> ScoringPolicy:
        return cls.objects.first() or cls()

    def cycle_for(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The cycle (start, end inclusive) that contains ``day``."""
        start = dt.date(day.year, self.cycle_start_month, self.cycle_start_day)
        if start > day:
            start = dt.date(day.year - 1, self.cycle_start_month, self.cycle_start_day)
        nxt = dt.date(start.year + 1, self.cycle_start_month, self.cycle_start_day)
        return start, nxt - dt.timedelta(days=1)


# --- safety organisation -------------------------------------------------------------------


class SafetyOrganisation(models.Model):
    """An enterprise's safety management set-up (安全生产管理机构) and headcount."""

    enterprise = models.OneToOneField(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="safety_organisation",
        limit_choices_to=ENTERPRISE,
    )
    has_body = models.BooleanField(_("has a safety management body"), default=False)
    body_name = models.CharField(_("name of the body"), max_length=120, blank=True)
    headcount = models.PositiveIntegerField(_("employees (headcount)"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path"]
        verbose_name = _("safety organisation")
        verbose_name_plural = _("safety organisations")

    def __str__(self) -> str:
        return str(self.enterprise)


class StaffRole(models.TextChoices):
    SAFETY_DIRECTOR = "safety_director", _("Safety director (安全总监)")
    FULL_TIME = "full_time", _("Full-time safety staff")
    PART_TIME = "part_time", _("Part-time safety staff")
    SAFETY_ENGINEER = "safety_engineer", _("Registered safety engineer")


class SafetyStaff(models.Model):
    """A person appointed to a safety role at an enterprise."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="safety_staff",
        limit_choices_to=ENTERPRISE,
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="safety_roles"
    )
    role = models.CharField(_("role"), max_length=24, choices=StaffRole.choices)
    appointed_on = models.DateField(_("appointed on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "role", "pk"]
        verbose_name = _("safety staff member")
        verbose_name_plural = _("safety staff")

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"


class CertificateState(models.TextChoices):
    VALID = "valid", _("Valid")
    LAPSED = "lapsed", _("Expired or review overdue")


class Certificate(models.Model):
    """A person's certificate (特种作业操作证, 安全合格证, 注册安全工程师执业证 …)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="certificates"
    )
    kind = models.ForeignKey(
        CertificateType, verbose_name=_("certificate type"), on_delete=models.PROTECT
    )
    number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issued by"), max_length=120)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    review_due = models.DateField(_("review due"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=CertificateState.choices, default=CertificateState.VALID
    )
    # Deadline column: the end (local time) of the earlier of valid_until and review_due.
    lapses_at = models.DateTimeField(_("lapses at"), db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "person__org"

    class Meta:
        ordering = ["valid_until", "pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")

    def __str__(self) -> str:
        return f"{self.person} · {self.kind} · {self.number}"

    @property
    def last_valid_day(self) -> dt.date:
        days = [self.valid_until] + ([self.review_due] if self.review_due else [])
        return min(days)

    def is_valid_on(self, day: dt.date) -> bool:
        return self.issued_on <= day <= self.last_valid_day


class Post(models.Model):
    """A post (岗位) at an enterprise and the qualification it requires."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="posts",
        limit_choices_to=ENTERPRISE,
    )
    name = models.CharField(_("post"), max_length=100)
    required_certificate = models.ForeignKey(
        CertificateType,
        verbose_name=_("required certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    requires_training = models.BooleanField(_("requires passed safety training"), default=True)
    training_hours = models.PositiveSmallIntegerField(
        _("minimum training hours"), default=0, help_text=_("Passed training within the period.")
    )
    training_valid_months = models.PositiveSmallIntegerField(
        _("training valid for (months)"), default=12
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "name"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="workforce_post_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Employee(models.Model):
    """A person employed at an enterprise, on a post (or none yet)."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="employees",
        limit_choices_to=ENTERPRISE,
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="employments"
    )
    staff_number = models.CharField(_("staff number"), max_length=40, blank=True)
    post = models.ForeignKey(
        Post,
        verbose_name=_("post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employees",
    )
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    is_active = models.BooleanField(_("employed"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "person__name"]
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "person"], name="workforce_employee_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.person)


class TrainingRecord(models.Model):
    """Safety training taken by a person (hours, topic, exam)."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="training_records",
        limit_choices_to=ENTERPRISE,
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="trainings"
    )
    topic = models.CharField(_("topic"), max_length=200)
    trained_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    exam_score = models.DecimalField(
        _("exam score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("passed"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-trained_on", "pk"]
        verbose_name = _("training record")
        verbose_name_plural = _("training records")

    def __str__(self) -> str:
        return f"{self.person} · {self.topic}"


class BreachKind(models.TextChoices):
    COMMAND = "command", _("Unlawful command (违章指挥)")
    OPERATION = "operation", _("Unsafe operation (违章作业)")
    DISCIPLINE = "discipline", _("Breach of labour discipline (违反劳动纪律)")


class BreachState(models.TextChoices):
    OPEN = "open", _("Open")
    OVERDUE = "overdue", _("Overdue")
    CLOSED = "closed", _("Closed")


class RuleBreach(models.Model):
    """A 反“三违” record: what happened, the corrective action and its follow-up."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="rule_breaches",
        limit_choices_to=ENTERPRISE,
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BreachKind.choices)
    occurred_on = models.DateField(_("date"))
    description = models.TextField(_("what happened"))
    corrective_action = models.TextField(_("corrective action"))
    due_date = models.DateField(_("correct by"))
    state = models.CharField(
        _("state"), max_length=12, choices=BreachState.choices, default=BreachState.OPEN
    )
    due_at = models.DateTimeField(_("due"), db_index=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    closing_note = models.CharField(_("closing note"), max_length=300, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("rule breach (三违)")
        verbose_name_plural = _("rule breaches (三违)")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.occurred_on}"


# --- safety fees ----------------------------------------------------------------------------


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class FeeAccount(models.Model):
    """An enterprise's safety fee account: how the fee is calculated (财资〔2022〕136号)."""

    enterprise = models.OneToOneField(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="fee_account",
        limit_choices_to=ENTERPRISE,
    )
    sector = models.CharField(_("sector"), max_length=24)
    categories = models.CharField(
        _("categories"),
        max_length=200,
        blank=True,
        help_text=_("Category codes, separated by commas (empty for revenue-tier sectors)."),
    )
    opening_balance = models.DecimalField(_("opening balance (yuan)"), default=0, **MONEY)
    opened_on = models.DateField(_("balance as of"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path"]
        verbose_name = _("safety fee account")
        verbose_name_plural = _("safety fee accounts")

    def __str__(self) -> str:
        return str(self.enterprise)

    @property
    def sector_name(self) -> str:
        from dixian.standards import safety_fee

        found = safety_fee.sectors().get(self.sector)
        return found.name_cn if found else self.sector

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.replace("，", ",").split(",") if c.strip()]


class FeeAccrual(models.Model):
    """A monthly accrual (月度提取): the base, the amount required, the amount accrued."""

    account = models.ForeignKey(
        FeeAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="accruals"
    )
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    output_t = models.DecimalField(_("output (t)"), null=True, blank=True, **MONEY)
    output_1000m3 = models.DecimalField(_("output (1000 m³)"), null=True, blank=True, **MONEY)
    revenue_yuan = models.DecimalField(
        _("previous-year revenue (yuan)"), null=True, blank=True, **MONEY
    )
    cost_yuan = models.DecimalField(
        _("construction cost this month (yuan)"), null=True, blank=True, **MONEY
    )
    required_yuan = models.DecimalField(_("required (yuan)"), **MONEY)
    accrued_yuan = models.DecimalField(_("accrued (yuan)"), **MONEY)
    note = models.CharField(_("note"), max_length=300, blank=True)
    state = models.CharField(
        _("review"), max_length=12, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "account__enterprise"

    class Meta:
        ordering = ["account", "month"]
        verbose_name = _("fee accrual")
        verbose_name_plural = _("fee accruals")
        constraints = [
            models.UniqueConstraint(fields=["account", "month"], name="workforce_accrual_month")
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.month:%Y-%m}"

    @property
    def under_extracted(self) -> bool:
        return self.accrued_yuan < self.required_yuan


class FeeSpending(models.Model):
    """A use of safety fees, by permitted use (安全生产费用使用)."""

    account = models.ForeignKey(
        FeeAccount, verbose_name=_("account"), on_delete=models.CASCADE, related_name="spendings"
    )
    spent_on = models.DateField(_("date"))
    use = models.ForeignKey(FeeUse, verbose_name=_("permitted use"), on_delete=models.PROTECT)
    amount_yuan = models.DecimalField(
        _("amount (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    description = models.CharField(_("description"), max_length=300)
    state = models.CharField(
        _("review"), max_length=12, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "account__enterprise"

    class Meta:
        ordering = ["account", "spent_on", "pk"]
        verbose_name = _("fee spending")
        verbose_name_plural = _("fee spendings")

    def __str__(self) -> str:
        return f"{self.account} · {self.spent_on} · {self.amount_yuan}"


# --- 五到位 -----------------------------------------------------------------------------------


class FiveAspect(models.TextChoices):
    RESPONSIBILITY = "responsibility", _("Responsibility in place (责任到位)")
    INVESTMENT = "investment", _("Investment in place (投入到位)")
    TRAINING = "training", _("Training in place (培训到位)")
    MANAGEMENT = "management", _("Management in place (管理到位)")
    EMERGENCY = "emergency", _("Emergency rescue in place (应急救援到位)")


class FiveCheck(models.Model):
    """An enterprise's 五到位 self-check for a period, reviewed by its department."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="five_checks",
        limit_choices_to=ENTERPRISE,
    )
    period = models.CharField(_("period"), max_length=10, help_text=_("e.g. 2024 or 2024-H1"))
    state = models.CharField(
        _("review"), max_length=12, choices=ReviewState.choices, default=ReviewState.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-period", "enterprise__path"]
        verbose_name = _("five-in-place self-check")
        verbose_name_plural = _("five-in-place self-checks")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "period"], name="workforce_five_period")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.period}"


def evidence_path(instance, filename: str) -> str:
    return f"workforce/evidence/{instance.self_check.enterprise_id}/{filename}"


class FiveCheckItem(models.Model):
    """One aspect of a 五到位 self-check: in place or not, with evidence."""

    self_check = models.ForeignKey(
        FiveCheck, verbose_name=_("self-check"), on_delete=models.CASCADE, related_name="items"
    )
    aspect = models.CharField(_("aspect"), max_length=16, choices=FiveAspect.choices)
    in_place = models.BooleanField(_("in place"))
    evidence = models.TextField(_("evidence"))
    file = models.FileField(_("evidence file"), upload_to=evidence_path, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "self_check__enterprise"

    class Meta:
        ordering = ["self_check", "pk"]
        verbose_name = _("self-check item")
        verbose_name_plural = _("self-check items")

    def __str__(self) -> str:
        return self.get_aspect_display()


# --- principal scoring ------------------------------------------------------------------------


class CycleState(models.TextChoices):
    OPEN = "open", _("Open")
    REACHED = "reached", _("Threshold reached: retraining required")
    OVERDUE = "overdue", _("Retraining overdue")
    CLEARED = "cleared", _("Retrained and passed")


class ScoreCycle(models.Model):
    """A principal's scoring cycle (记分周期) at an enterprise."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="score_cycles",
        limit_choices_to=ENTERPRISE,
    )
    person = models.ForeignKey(
        Person, verbose_name=_("principal"), on_delete=models.CASCADE, related_name="score_cycles"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    points = models.PositiveSmallIntegerField(_("points"), default=0)
    threshold = models.PositiveSmallIntegerField(
        pgettext_lazy("workforce", "threshold"), default=12
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CycleState.choices, default=CycleState.OPEN
    )
    reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)
    retrain_due_at = models.DateTimeField(
        _("retrain and pass by"), null=True, blank=True, db_index=True
    )
    cleared_at = models.DateTimeField(_("retrained"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-starts_on", "enterprise__path", "pk"]
        verbose_name = _("scoring cycle")
        verbose_name_plural = _("scoring cycles")

    def __str__(self) -> str:
        return f"{self.person} · {self.starts_on:%Y}"


class ScoreDeduction(models.Model):
    """Points recorded against a principal for a violation of the catalogue."""

    cycle = models.ForeignKey(
        ScoreCycle, verbose_name=_("cycle"), on_delete=models.CASCADE, related_name="deductions"
    )
    violation = models.ForeignKey(
        ViolationType, verbose_name=_("violation"), on_delete=models.PROTECT
    )
    points = models.PositiveSmallIntegerField(_("points"))
    occurred_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("workforce", "recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(pgettext_lazy("workforce", "recorded"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "cycle__enterprise"

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("score deduction")
        verbose_name_plural = _("score deductions")

    def __str__(self) -> str:
        return f"{self.cycle.person} · {self.violation.code} · {self.points}"
