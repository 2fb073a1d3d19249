"""Double prevention (双重预防机制): risk points graded and controlled (风险分级管控), and hidden
hazards found, rectified and closed (隐患排查治理), plus major hazard sources (重大危险源).

Every row belongs to an enterprise (a ``core.Organisation`` of kind enterprise) and is scoped
through it. State changes go through ``services.py``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.models import Organisation, Person
from dixian.core.scoping import ScopedQuerySet

# --- risk points ------------------------------------------------------------------------------


class RiskMethod(models.TextChoices):
    LEC = "lec", _("LEC (D = L × E × C)")
    LS = "ls", _("Risk matrix (R = L × S)")


class RiskLevel(models.TextChoices):
    """The four levels of 安委办〔2016〕11号, highest first (codes of standards/risk_bands.json)."""

    MAJOR = "major", _("Major risk (red)")
    CONSIDERABLE = "considerable", _("Considerable risk (orange)")
    GENERAL = "general", _("General risk (yellow)")
    LOW = "low", _("Low risk (blue)")


LEVEL_RANK = {"major": 1, "considerable": 2, "general": 3, "low": 4}
LEVEL_COLOUR = {"major": "red", "considerable": "orange", "general": "yellow", "low": "blue"}


class PointKind(models.TextChoices):
    PLACE = "place", _("Place")
    ACTIVITY = "activity", _("Activity")
    EQUIPMENT = "equipment", _("Equipment or facility")


class ControlLevel(models.TextChoices):
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")
    WORKSHOP = "workshop", _("Workshop")
    TEAM = "team", _("Team")


class SitePlan(models.Model):
    """The site plan image of an enterprise, on which the four-colour map (四色分布图) is drawn."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="site_plans",
    )
    title = models.CharField(_("plan title"), max_length=100)
    image = models.BinaryField(_("image"), editable=False)
    content_type = models.CharField(_("content type"), max_length=40, editable=False)
    width = models.PositiveIntegerField(_("width"), default=0, editable=False)
    height = models.PositiveIntegerField(_("height"), default=0, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "title"]
        verbose_name = _("site plan")
        verbose_name_plural = _("site plans")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.title}"


class ReviewState(models.TextChoices):
    CURRENT = "current", _("Current")
    OVERDUE = "overdue", _("Review overdue")


class RiskPoint(models.Model):
    """A risk point (风险点): a place, activity or equipment, its hazards, grade and controls."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="risk_points",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=PointKind.choices)
    location = models.CharField(pgettext_lazy("prevention", "location"), max_length=200, blank=True)
    hazard_factors = models.TextField(pgettext_lazy("prevention", "hazards found"), blank=True)
    possible_accidents = models.CharField(_("possible accidents"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=4, choices=RiskMethod.choices)
    factor_l = models.DecimalField(_("L (likelihood)"), max_digits=6, decimal_places=2)
    factor_e = models.DecimalField(
        _("E (exposure)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    factor_c = models.DecimalField(
        _("C (consequence)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    factor_s = models.DecimalField(
        _("S (severity)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=2, editable=False)
    level = models.CharField(
        _("risk level"), max_length=14, choices=RiskLevel.choices, editable=False, db_index=True
    )
    measures_engineering = models.TextField(_("engineering measures"), blank=True)
    measures_management = models.TextField(_("management measures"), blank=True)
    measures_training = models.TextField(_("training measures"), blank=True)
    measures_ppe = models.TextField(_("personal protective equipment"), blank=True)
    measures_emergency = models.TextField(_("emergency measures"), blank=True)
    control_level = models.CharField(
        _("control level"), max_length=12, choices=ControlLevel.choices
    )
    responsible = models.ForeignKey(
        Person,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    check_items = models.TextField(
        _("check items"), blank=True, help_text=_("One check item per line.")
    )
    review_due = models.DateTimeField(
        pgettext_lazy("prevention", "review due"), null=True, blank=True, db_index=True
    )
    review_state = models.CharField(
        pgettext_lazy("prevention", "review"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.CURRENT,
    )
    site_plan = models.ForeignKey(
        SitePlan,
        verbose_name=_("site plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="points",
    )
    plan_x = models.FloatField(_("x on the plan"), null=True, blank=True)
    plan_y = models.FloatField(_("y on the plan"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "name"]
        verbose_name = _("risk point")
        verbose_name_plural = _("risk points")

    def __str__(self) -> str:
        return self.name

    @property
    def colour(self) -> str:
        return LEVEL_COLOUR.get(self.level, "blue")

    @property
    def items(self) -> list[str]:
        return [line.strip() for line in self.check_items.splitlines() if line.strip()]


class RiskCheck(models.Model):
    """A patrol check (巡检) of a risk point against its check items."""

    point = models.ForeignKey(
        RiskPoint, verbose_name=_("risk point"), on_delete=models.CASCADE, related_name="checks"
    )
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"))
    results = models.JSONField(_("results"), default=list)
    failed = models.PositiveIntegerField(_("failed items"), default=0)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("patrol check")
        verbose_name_plural = _("patrol checks")

    def __str__(self) -> str:
        return f"{self.point} · {self.checked_at:%Y-%m-%d %H:%M}"


# --- major hazard sources (GB 18218-2018) -----------------------------------------------------


class UnitType(models.TextChoices):
    STORAGE = "storage", _("Storage unit")
    PRODUCTION = "production", _("Production unit")


class MajorHazardSource(models.Model):
    """A unit identified under GB 18218-2018 (危险化学品重大危险源), with S, R and grade."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="major_hazard_sources",
    )
    name = models.CharField(_("unit name"), max_length=100)
    unit_type = models.CharField(_("unit type"), max_length=12, choices=UnitType.choices)
    exposed_people = models.PositiveIntegerField(
        _("people within 500 m"),
        default=0,
        help_text=_("Residents within 500 m of the plant boundary (GB 18218-2018 Table 5)."),
    )
    s_value = models.DecimalField(
        _("S"), max_digits=14, decimal_places=4, null=True, editable=False
    )
    r_value = models.DecimalField(
        _("R"), max_digits=14, decimal_places=4, null=True, editable=False
    )
    alpha = models.DecimalField(_("α"), max_digits=4, decimal_places=2, null=True, editable=False)
    is_major = models.BooleanField(_("major hazard source"), default=False, editable=False)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, editable=False)
    assessment_error = models.CharField(_("assessment problem"), max_length=500, blank=True)
    principal = models.ForeignKey(
        Person,
        verbose_name=_("principal responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    technical = models.ForeignKey(
        Person,
        verbose_name=_("technical responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    operational = models.ForeignKey(
        Person,
        verbose_name=_("operational responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__path", "name"]
        verbose_name = _("major hazard source")
        verbose_name_plural = _("major hazard sources")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.name}"


class Inventory(models.Model):
    """A chemical held in a unit and its design maximum quantity (GB 18218-2018 §4.2.2)."""

    source = models.ForeignKey(
        MajorHazardSource,
        verbose_name=_("major hazard source"),
        on_delete=models.CASCADE,
        related_name="inventory",
    )
    substance = models.CharField(_("substance"), max_length=100, blank=True)
    cas = models.CharField(_("CAS number"), max_length=20, blank=True)
    categories = models.CharField(
        _("hazard categories"),
        max_length=60,
        blank=True,
        help_text=_("GB 18218-2018 Table 2 symbols, e.g. W5.3 (for chemicals not in Table 1)."),
    )
    quantity_t = models.DecimalField(_("quantity (t)"), max_digits=14, decimal_places=3)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "source__enterprise"

    class Meta:
        ordering = ["source", "pk"]
        verbose_name = _("inventory line")
        verbose_name_plural = _("inventory")

    def __str__(self) -> str:
        return f"{self.substance or self.cas or self.categories} {self.quantity_t} t"


class Filing(models.Model):
    """A filing (备案) of a major hazard source with the authority."""

    source = models.ForeignKey(
        MajorHazardSource,
        verbose_name=_("major hazard source"),
        on_delete=models.CASCADE,
        related_name="filings",
    )
    filed_on = models.DateField(_("filed on"))
    authority = models.CharField(_("authority"), max_length=100)
    number = models.CharField(_("filing number"), max_length=60, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "source__enterprise"

    class Meta:
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("filing")
        verbose_name_plural = _("filings")

    def __str__(self) -> str:
        return f"{self.authority} {self.number or self.filed_on}"


# --- hidden hazards ---------------------------------------------------------------------------


class HazardSource(models.TextChoices):
    SELF_CHECK = "self_check", _("Self-check")
    PATROL = "patrol", _("Patrol")
    INSPECTION = "inspection", _("Inspection")
    SENSOR_ALARM = "sensor_alarm", _("Sensor alarm")
    PUBLIC = "public", _("Public report")
    OTHER = "other", _("Other")


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("General hazard")
    MAJOR = "major", _("Major hazard")


class HazardState(models.TextChoices):
    FOUND = "found", _("Found")
    ASSIGNED = "assigned", _("Assigned")
    RECTIFYING = "rectifying", _("Rectifying")
    RECTIFIED = "rectified", _("Rectified")
    VERIFIED = "verified", _("Verified")
    REPORTED = "reported", _("Double-reported")
    LISTED = "listed", _("Listed for supervision")
    COMPLETED = "completed", _("Completion reported")
    CLOSED = "closed", pgettext_lazy("hazard state", "Closed")


OPEN_STATES = [s for s in HazardState.values if s != HazardState.CLOSED]


class Hazard(models.Model):
    """A hidden hazard (事故隐患, 16号令 第三条): general or major, with its closed loop."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="hazards",
    )
    title = models.CharField(_("hazard title"), max_length=200)
    description = models.TextField(pgettext_lazy("prevention", "description"), blank=True)
    location = models.CharField(pgettext_lazy("prevention", "location"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=14, choices=HazardSource.choices)
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True)
    level = models.CharField(
        _("hazard level"), max_length=8, choices=HazardLevel.choices, default=HazardLevel.GENERAL
    )
    criteria = models.JSONField(_("major-hazard criteria"), default=list, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=HazardState.choices, default=HazardState.FOUND
    )
    is_open = models.BooleanField(_("open"), default=True)
    risk_point = models.ForeignKey(
        RiskPoint,
        verbose_name=_("risk point"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hazards",
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("supervising department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_hazards",
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectifier"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rectified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    found_at = models.DateTimeField(_("found"))
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("prevention", "closed"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("closed on time"), null=True, blank=True)
    rectification_note = models.TextField(_("rectification"), blank=True)
    # 五落实 of a major hazard's plan (16号令 第十五条).
    plan_responsibility = models.CharField(_("responsibility"), max_length=200, blank=True)
    plan_measures = models.TextField(_("measures"), blank=True)
    plan_funds = models.DecimalField(
        _("funds (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    plan_deadline = models.DateField(_("plan deadline"), null=True, blank=True)
    plan_emergency = models.TextField(_("emergency plan"), blank=True)
    completion_report = models.TextField(_("completion report"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("hidden hazard")
        verbose_name_plural = _("hidden hazards")
        indexes = [
            # The 动态清零 board and the overdue counts read only open hazards.
            models.Index(
                fields=["enterprise", "level", "due_at", "found_at", "department"],
                name="prev_hazard_open_idx",
                condition=Q(is_open=True),
            ),
            # Today's deadlines on the board (overdue is worked out against the clock): an
            # index-only scan.
            models.Index(
                fields=["due_at", "enterprise", "department", "level"],
                name="prev_hazard_open_due_idx",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["next_escalation_at"],
                name="prev_hazard_escalate_idx",
                condition=Q(is_open=True),
            ),
            models.Index(fields=["enterprise", "-id"], name="prev_hazard_ent_idx"),
            models.Index(fields=["found_at"], name="prev_hazard_found_idx"),
            models.Index(fields=["closed_at"], name="prev_hazard_closed_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_major(self) -> bool:
        return self.level == HazardLevel.MAJOR


class HazardPhoto(models.Model):
    """A photo of a hazard: as found (before) or after rectification."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("As found")
        AFTER = "after", _("After rectification")

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hidden hazard"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("stage"), max_length=8, choices=Stage.choices)
    image = models.BinaryField(_("image"), editable=False)
    content_type = models.CharField(_("content type"), max_length=40)
    uploaded_at = models.DateTimeField(_("uploaded"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "hazard__enterprise"

    class Meta:
        ordering = ["hazard", "pk"]
        verbose_name = _("hazard photo")
        verbose_name_plural = _("hazard photos")

    def __str__(self) -> str:
        return f"{self.hazard} · {self.get_stage_display()}"


class HazardStep(models.Model):
    """One transition of a hazard, in words (the timeline on its page)."""

    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hidden hazard"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(
        pgettext_lazy("prevention", "from"), max_length=12, blank=True, choices=HazardState.choices
    )
    to_state = models.CharField(
        pgettext_lazy("prevention", "to"), max_length=12, choices=HazardState.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "hazard__enterprise"

    class Meta:
        ordering = ["hazard", "at", "pk"]
        verbose_name = _("hazard step")
        verbose_name_plural = _("hazard steps")

    def __str__(self) -> str:
        return f"{self.hazard} · {self.action}"


class SupervisionNotice(models.Model):
    """挂牌督办 notice of a major hazard, numbered per department and year."""

    hazard = models.OneToOneField(
        Hazard,
        verbose_name=_("hidden hazard"),
        on_delete=models.CASCADE,
        related_name="supervision",
    )
    department = models.ForeignKey(
        Organisation, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    number = models.CharField(_("notice number"), max_length=60)
    issued_at = models.DateTimeField(pgettext_lazy("prevention", "issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("prevention", "issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("rectification deadline"))
    requirements = models.TextField(_("requirements"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "hazard__enterprise"

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "year", "serial"], name="prev_notice_serial_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.number


class WorkforceNotice(models.Model):
    """A notice to the enterprise's workforce (职工公示): the second half of the double report
    of a major hazard (安全生产法 第四十一条)."""

    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    hazard = models.ForeignKey(
        Hazard, verbose_name=_("hidden hazard"), on_delete=models.CASCADE, related_name="notices"
    )
    title = models.CharField(_("notice title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("workforce notice")
        verbose_name_plural = _("workforce notices")

    def __str__(self) -> str:
        return self.title


class PublicReportLog(models.Model):
    """When and from where anonymous reports came (rate limiting; no personal data kept)."""

    ip_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)


class PublicReportState(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted as a hazard")
    DISMISSED = "dismissed", _("Dismissed")


class PublicReport(models.Model):
    """An anonymous report from the public (群众举报), routed to the department whose remit
    covers the place (industry × township), else to the township government."""

    township = models.ForeignKey(
        "core.Division", verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    industry = models.ForeignKey(
        "core.Industry",
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200)
    description = models.TextField(_("what you saw"))
    contact = models.CharField(_("contact (optional)"), max_length=60, blank=True)
    photo = models.BinaryField(_("photo"), null=True, editable=False)
    photo_type = models.CharField(_("photo type"), max_length=40, blank=True)
    routed_to = models.ForeignKey(
        Organisation,
        verbose_name=_("routed to"),
        on_delete=models.PROTECT,
        related_name="public_reports",
    )
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=PublicReportState.choices,
        default=PublicReportState.RECEIVED,
    )
    hazard = models.ForeignKey(
        Hazard,
        verbose_name=_("hidden hazard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handling_note = models.TextField(_("handling note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "routed_to"

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")

    def __str__(self) -> str:
        return f"{self.place} · {self.received_at:%Y-%m-%d}"


# --- the 动态清零 board's summary -----------------------------------------------------------

# The deadline day of an open hazard without a deadline: never overdue.
NO_DEADLINE = dt.date(9999, 12, 31)


class HazardOpenCount(models.Model):
    """Open hazards counted per (enterprise, supervising department, level, local deadline
    day), kept in step with the hazards by the services in the same transaction as each
    create and transition (``summary.move``), and recomputable from the hazards
    (``summary.rebuild``). The board reads these rows restricted to the user's scope; the
    township and the industries come from the enterprise.

    Overdue is worked out when read: every row whose deadline day is before today is
    overdue, none after today, and today's rows are counted from the hazards themselves
    against the current time. ``oldest_found_at`` is the earliest discovery among the
    row's hazards (the age shown on the board)."""

    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    # The supervising department's id, 0 for none (a plain number, so that the unique key
    # has no NULL in it).
    department_key = models.PositiveIntegerField(_("supervising department"), default=0)
    level = models.CharField(_("hazard level"), max_length=8, choices=HazardLevel.choices)
    due_day = models.DateField(_("deadline day"))
    n = models.IntegerField(_("open hazards"), default=0)
    oldest_found_at = models.DateTimeField(_("oldest found"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        verbose_name = _("open hazard count")
        verbose_name_plural = _("open hazard counts")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "department_key", "level", "due_day"],
                name="prev_opencount_key_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.department_key}/{self.level}/{self.due_day}: {self.n}"


class HazardDailySnapshot(models.Model):
    """The hazards of one enterprise at the end of one local day (Asia/Shanghai), written
    by the daily task for the board's trend: open, major and overdue at the end of the day,
    found and closed in the seven days ending that day. A row with no enterprise is the
    county total; it is always written, so its presence says the day was taken."""

    day = models.DateField(_("day"))
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    open = models.PositiveIntegerField(_("open"), default=0)
    major = models.PositiveIntegerField(_("major"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    found_7d = models.PositiveIntegerField(_("found in 7 days"), default=0)
    closed_7d = models.PositiveIntegerField(_("closed in 7 days"), default=0)
    taken_at = models.DateTimeField(_("taken"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["day", "enterprise"]
        verbose_name = _("daily hazard snapshot")
        verbose_name_plural = _("daily hazard snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "enterprise"], name="prev_snapshot_day_uniq"),
            models.UniqueConstraint(
                fields=["day"],
                condition=Q(enterprise__isnull=True),
                name="prev_snapshot_county_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.enterprise_id or 'county'}"


class HazardScopeSnapshot(models.Model):
    """The daily figures of ``HazardDailySnapshot`` summed over one scope: the set of
    enterprises a government user (department inspector, township officer, grid worker)
    sees. ``scope`` is a digest of the sorted enterprise ids, so a row is found only by
    someone whose scope is that same set today (worked out through ``restrict``); a scope
    that changed since simply has no row and the trend sums the enterprise rows instead."""

    day = models.DateField(_("day"))
    scope = models.CharField(_("scope"), max_length=64)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    open = models.PositiveIntegerField(_("open"), default=0)
    major = models.PositiveIntegerField(_("major"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    found_7d = models.PositiveIntegerField(_("found in 7 days"), default=0)
    closed_7d = models.PositiveIntegerField(_("closed in 7 days"), default=0)
    taken_at = models.DateTimeField(_("taken"))

    class Meta:
        verbose_name = _("scope hazard snapshot")
        verbose_name_plural = _("scope hazard snapshots")
        constraints = [models.UniqueConstraint(fields=["scope", "day"], name="prev_scopesnap_uniq")]

    def __str__(self) -> str:
        return f"{self.day} · {self.scope[:8]}"
