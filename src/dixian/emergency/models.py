"""Emergency preparedness (notice part 六): plans, drills, teams and reserves, duty.

Rules that vary by place are data: ``PlanRule`` (evaluation cycle per plan level/kind) and
``DrillRule`` (who must drill what, how often), with defaults from the rules (88号令 / 2号令,
国务院令第708号 Art. 8, the county notice item 二十七).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.models import Organisation
from dixian.core.scoping import ScopedQuerySet


def _org_fk(verbose, related="+"):
    return models.ForeignKey(
        Organisation, verbose_name=verbose, on_delete=models.PROTECT, related_name=related
    )


def _coords():
    return (
        models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True),
        models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True),
    )


# Plans ---------------------------------------------------------------------------------------


class PlanLevel(models.TextChoices):
    COUNTY_GENERAL = "county_general", _("County general plan")
    COUNTY_SPECIAL = "county_special", _("County special plan")
    DEPARTMENT = "department", _("Department plan")
    TOWNSHIP = "township", _("Township plan")
    ENTERPRISE = "enterprise", _("Enterprise plan")


class PlanKind(models.TextChoices):
    """88号令 Art. 6."""

    COMPREHENSIVE = "comprehensive", _("Comprehensive plan (综合应急预案)")
    SPECIAL = "special", _("Special plan (专项应急预案)")
    ON_SITE = "on_site", _("On-site disposal plan (现场处置方案)")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    OVERDUE = "overdue", _("Overdue")


class PlanRule(models.Model):
    """How often a plan of a level (and kind) must be evaluated (定期评估, 88号令 Art. 35)."""

    level = models.CharField(_("plan level"), max_length=20, choices=PlanLevel.choices)
    kind = models.CharField(
        _("plan kind"), max_length=16, choices=PlanKind.choices, blank=True, default=""
    )
    evaluation_months = models.PositiveIntegerField(_("evaluation every (months)"), default=36)
    basis = models.CharField(_("basis"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["level", "kind"]
        verbose_name = _("plan evaluation rule")
        verbose_name_plural = _("plan evaluation rules")
        constraints = [models.UniqueConstraint(fields=["level", "kind"], name="plan_rule_once")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_kind_display()} · {self.evaluation_months}"


class Plan(models.Model):
    """An emergency plan (应急预案) of the county, a department, a township or an enterprise."""

    owner = _org_fk(_("organisation"), "emergency_plans")
    title = models.CharField(pgettext_lazy("emergency", "plan title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    level = models.CharField(_("plan level"), max_length=20, choices=PlanLevel.choices)
    kind = models.CharField(_("plan kind"), max_length=16, choices=PlanKind.choices)
    hazards = models.CharField(_("accident types covered"), max_length=300, blank=True)
    published_on = models.DateField(_("published on"))
    in_force = models.BooleanField(_("in force"), default=True)
    evaluated_on = models.DateField(_("last evaluated on"), null=True, blank=True)
    evaluation_due_at = models.DateTimeField(
        _("next evaluation due"), null=True, blank=True, editable=False, db_index=True
    )
    evaluation_state = models.CharField(
        _("evaluation clock"),
        max_length=12,
        choices=ClockState.choices,
        default=ClockState.RUNNING,
        editable=False,
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "owner"

    class Meta:
        ordering = ["owner__path", "title"]
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        # The evaluation clock is derived: (last evaluation or publication) + the rule's cycle.
        from .services import plan_evaluation_due

        due = plan_evaluation_due(self)
        if due != self.evaluation_due_at:
            self.evaluation_due_at = due
            self.evaluation_state = ClockState.RUNNING
        super().save(*args, **kwargs)


MAX_PLAN_BYTES = 20 * 1024 * 1024


class PlanVersion(models.Model):
    """One version of a plan's document (PDF, Word or OFD), checked by content and size."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=30)
    file = models.FileField(_("file"), upload_to="plans/%Y/")
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "plan__owner"

    class Meta:
        ordering = ["plan", "-uploaded_at"]
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")

    def __str__(self) -> str:
        return f"{self.plan} · {self.version}"


class RecordKind(models.TextChoices):
    REVIEW = "review", _("Review (评审)")
    FILING = "filing", _("Filing (备案)")
    EVALUATION = "evaluation", _("Evaluation (评估)")
    REVISION = "revision", _("Revision (修订)")


class PlanRecord(models.Model):
    """A review, filing, evaluation or revision of a plan."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="records"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RecordKind.choices)
    on = models.DateField(_("date"))
    authority = models.CharField(_("authority or experts"), max_length=200, blank=True)
    reference = models.CharField(_("reference number"), max_length=60, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "plan__owner"

    class Meta:
        ordering = ["plan", "-on", "-pk"]
        verbose_name = _("plan record")
        verbose_name_plural = _("plan records")

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_kind_display()} {self.on}"


# Drills --------------------------------------------------------------------------------------


class DrillScope(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive drill")
    SPECIAL = "special", _("Special drill")
    ON_SITE = "on_site", _("On-site disposal drill")


class DrillForm(models.TextChoices):
    TABLETOP = "tabletop", _("Tabletop")
    FUNCTIONAL = "functional", _("Functional")
    FULL_SCALE = "full_scale", _("Full scale")


class Drill(models.Model):
    """An emergency drill (应急演练) and its evaluation."""

    organiser = _org_fk(_("organiser"), "drills")
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drills",
    )
    title = models.CharField(_("drill title"), max_length=200)
    held_on = models.DateField(pgettext_lazy("emergency", "held on"), db_index=True)
    scope = models.CharField(_("drill kind"), max_length=16, choices=DrillScope.choices)
    form = models.CharField(_("form"), max_length=16, choices=DrillForm.choices)
    location = models.CharField(_("place"), max_length=200, blank=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    participant_orgs = models.ManyToManyField(
        Organisation, verbose_name=_("participating organisations"), blank=True, related_name="+"
    )
    evaluation = models.TextField(_("evaluation report"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "organiser"

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("drill")
        verbose_name_plural = _("drills")

    def __str__(self) -> str:
        return self.title


class ActionState(models.TextChoices):
    OPEN = "open", _("Not done")
    OVERDUE = "overdue", _("Overdue")
    CLOSED = "closed", _("Done")


class DrillAction(models.Model):
    """An improvement action from a drill's evaluation, tracked to closure."""

    drill = models.ForeignKey(
        Drill, verbose_name=_("drill"), on_delete=models.CASCADE, related_name="actions"
    )
    text = models.CharField(_("improvement action"), max_length=300)
    owner = _org_fk(_("responsible organisation"))
    due_on = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("due at"), editable=False, db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ActionState.choices, default=ActionState.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.CharField(_("how it was done"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "drill__organiser"

    class Meta:
        ordering = ["state", "due_on", "pk"]
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs):
        from .services import end_of_day

        self.due_at = end_of_day(self.due_on)
        super().save(*args, **kwargs)


class DrillSubject(models.TextChoices):
    COUNTY = "county", _("The county (government and its departments)")
    GOVERNMENT = "government", _("Each government body (county, departments, townships)")
    HIGH_RISK = "high_risk", _("Each high-risk enterprise")
    ENTERPRISE = "enterprise", _("Each enterprise")


class RuleScope(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive drill")
    COMPREHENSIVE_OR_SPECIAL = "comprehensive_or_special", _("Comprehensive or special drill")
    ON_SITE = "on_site", _("On-site disposal drill")
    ANY = "any", _("Any drill")


class DrillRule(models.Model):
    """Who must drill what and how often (configurable data)."""

    name = models.CharField(_("name"), max_length=200)
    subject = models.CharField(_("applies to"), max_length=16, choices=DrillSubject.choices)
    scope = models.CharField(_("drill kind"), max_length=30, choices=RuleScope.choices)
    period_months = models.PositiveIntegerField(
        _("every (months)"), help_text=_("12 with “calendar year” means once each year.")
    )
    calendar_year = models.BooleanField(_("calendar year"), default=False)
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    active = models.BooleanField(pgettext_lazy("emergency", "active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["pk"]
        verbose_name = _("drill rule")
        verbose_name_plural = _("drill rules")

    def __str__(self) -> str:
        return self.name


# Teams and reserves --------------------------------------------------------------------------


class TeamKind(models.TextChoices):
    PROFESSIONAL = "professional", _("Professional")
    ENTERPRISE = "enterprise", _("Enterprise")
    VOLUNTEER = "volunteer", _("Volunteer")


class RescueTeam(models.Model):
    """A rescue team (救援队伍)."""

    org = _org_fk(_("organisation"), "rescue_teams")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=TeamKind.choices)
    specialties = models.CharField(_("specialties"), max_length=300, blank=True)
    leader = models.CharField(_("leader"), max_length=50, blank=True)
    phone = models.CharField(_("24-hour phone"), max_length=40, blank=True)
    latitude, longitude = _coords()

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("rescue team")
        verbose_name_plural = _("rescue teams")

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(
        RescueTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members"
    )
    name = models.CharField(_("name"), max_length=50)
    role = models.CharField(_("duty in the team"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    skills = models.CharField(_("skills and certificates"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "team__org"

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")

    def __str__(self) -> str:
        return self.name


class TeamEquipment(models.Model):
    team = models.ForeignKey(
        RescueTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="equipment"
    )
    name = models.CharField(_("name"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit = models.CharField(_("unit of measure"), max_length=10, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "team__org"

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("team equipment")
        verbose_name_plural = _("team equipment")

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class Warehouse(models.Model):
    """A material reserve warehouse (物资储备库)."""

    org = _org_fk(_("organisation"), "warehouses")
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    keeper = models.CharField(_("keeper"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude, longitude = _coords()

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["name"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")

    def __str__(self) -> str:
        return self.name


class ReserveItem(models.Model):
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="items"
    )
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=50, blank=True)
    unit = models.CharField(_("unit of measure"), max_length=10)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=2, default=0, editable=False
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "warehouse__org"

    class Meta:
        ordering = ["warehouse", "name"]
        verbose_name = _("reserve item")
        verbose_name_plural = _("reserve items")

    def __str__(self) -> str:
        return f"{self.name}（{self.warehouse}）"


class StockMovement(models.Model):
    item = models.ForeignKey(
        ReserveItem,
        verbose_name=pgettext_lazy("emergency", "item"),
        on_delete=models.CASCADE,
        related_name="movements",
    )
    at = models.DateTimeField(_("time"))
    delta = models.DecimalField(_("change"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("emergency", "by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "item__warehouse__org"

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.item.name} {self.delta:+}"


class Expert(models.Model):
    """An expert of the county's expert pool (专家库)."""

    org = _org_fk(_("registered by"), "experts")
    name = models.CharField(_("name"), max_length=50)
    specialty = models.CharField(_("specialty"), max_length=100)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude, longitude = _coords()

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["specialty", "name"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")

    def __str__(self) -> str:
        return f"{self.name}（{self.specialty}）"


# Duty ----------------------------------------------------------------------------------------


class DutyShift(models.Model):
    """One shift of the duty roster (值班表): the leader on duty and the duty officers."""

    org = _org_fk(_("duty office"), "duty_shifts")
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    leader = models.CharField(_("leader on duty"), max_length=50)
    officers = models.CharField(_("duty officers"), max_length=200)
    phone = models.CharField(_("duty phone"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.leader}"


class Handover(models.Model):
    """A handover log entry (交接班记录)."""

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="handovers"
    )
    at = models.DateTimeField(_("time"))
    handed_by = models.CharField(_("handed over by"), max_length=50)
    taken_by = models.CharField(_("taken over by"), max_length=50)
    open_matters = models.TextField(_("open matters"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "shift__org"

    class Meta:
        ordering = ["-at"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.handed_by} → {self.taken_by}"


class CallCategory(models.TextChoices):
    ACCIDENT = "accident", _("Accident report")
    DISASTER = "disaster", _("Disaster or danger")
    TIP_OFF = "tip_off", _("Tip-off")
    INSTRUCTION = "instruction", _("Instruction from above")
    INQUIRY = "inquiry", _("Inquiry")
    OTHER = "other", _("Other")


class DutyCall(models.Model):
    """An incoming call or report received on duty (来电来报登记)."""

    org = _org_fk(_("duty office"), "duty_calls")
    at = models.DateTimeField(_("time"), db_index=True)
    caller = models.CharField(_("caller"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    category = models.CharField(_("category"), max_length=16, choices=CallCategory.choices)
    summary = models.TextField(_("summary"))
    action_taken = models.TextField(_("action taken"), blank=True)
    accident = models.ForeignKey(
        "accidents.Accident",
        verbose_name=_("accident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["-at"]
        verbose_name = _("incoming call")
        verbose_name_plural = _("incoming calls and reports")

    def __str__(self) -> str:
        return f"{self.at:%m-%d %H:%M} {self.caller}"
