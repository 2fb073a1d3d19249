"""Accidents (事故): first reports and their clocks, supplementary reports, investigation,
the 四不放过 closure, accountability, the serious-dishonesty list and accident bulletins.

Rules come from ``dixian.standards.accident`` (国务院令第493号); every clock is a row of
``AccidentClock`` with an indexed due time, advanced by the deadline sweeper (sweeps.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.choices import Role
from dixian.core.models import Industry, Organisation
from dixian.core.scoping import ScopedQuerySet, is_county_wide, may_act, visible_org_ids


def accident_scope(user, action, path="unit"):
    """Rows of accidents in the user's area; the duty office (值班室) records and forwards
    reports county-wide; enterprises read their own accidents' investigation and decisions but
    change only their own reports."""
    if not may_act(user, action):
        return Q(pk__in=[])
    if user.role == Role.DUTY_OFFICER or is_county_wide(user, action):
        return None
    ids = visible_org_ids(user, action)
    return None if ids is None else Q(**{f"{path}__in": ids})


class Grade(models.TextChoices):
    ESPECIALLY_SERIOUS = "especially_serious", _("Especially serious accident")
    SERIOUS = "serious", _("Serious accident")
    RELATIVELY_SERIOUS = "relatively_serious", _("Relatively serious accident")
    ORDINARY = "ordinary", _("Ordinary accident")


GRADE_BADGES = {
    "especially_serious": "bg-red text-white",
    "serious": "bg-orange text-white",
    "relatively_serious": "bg-yellow text-dark",
    "ordinary": "bg-blue text-white",
}


class Level(models.TextChoices):
    COUNTY = "county", pgettext_lazy("accident", "County")
    CITY = "city", _("Districted city")
    PROVINCE = "province", pgettext_lazy("accident", "Province")
    STATE_COUNCIL = "state_council", _("State Council")


class AccidentKind(models.TextChoices):
    ACCIDENT = "accident", _("Production safety accident")
    NEAR_MISS = "near_miss", _("Relatively serious endangerment (较大涉险事故)")


class Category(models.TextChoices):
    GENERAL = "general", _("Industrial and other")
    ROAD_TRAFFIC = "road_traffic", _("Road traffic")
    FIRE = "fire", _("Fire")


class Accident(models.Model):
    """An accident's first report (首报) with the six items of 493号令 Art. 12."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    title = models.CharField(_("accident title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=AccidentKind.choices, default=AccidentKind.ACCIDENT
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.GENERAL
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("unit where it occurred"),
        on_delete=models.PROTECT,
        related_name="accidents",
    )
    industry = models.ForeignKey(
        Industry,
        verbose_name=_("industry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Art. 12 (1)–(6)
    unit_overview = models.TextField(_("(1) overview of the unit"))
    occurred_at = models.DateTimeField(_("(2) time of occurrence"), db_index=True)
    place = models.CharField(_("(2) place"), max_length=200)
    scene = models.TextField(_("(2) condition of the scene"), blank=True)
    course = models.TextField(_("(3) brief course of events"))
    deaths = models.PositiveIntegerField(_("(4) deaths"), default=0)
    missing = models.PositiveIntegerField(_("(4) missing"), default=0)
    serious_injuries = models.PositiveIntegerField(
        _("(4) serious injuries (incl. acute poisoning)"), default=0
    )
    direct_loss_yuan = models.DecimalField(
        _("(4) estimated direct loss (yuan)"), max_digits=14, decimal_places=2, default=0
    )
    measures = models.TextField(_("(5) measures already taken"))
    other = models.TextField(_("(6) other matters"), blank=True)
    # 较大涉险事故
    endangered = models.PositiveIntegerField(_("persons endangered"), default=0)
    trapped = models.PositiveIntegerField(_("trapped or missing"), default=0)
    evacuated = models.PositiveIntegerField(_("evacuated"), default=0)
    # Times of the chain
    learned_at = models.DateTimeField(_("time the unit learned of it"))
    received_at = models.DateTimeField(_("time the county received the report"))
    reporter = models.CharField(
        pgettext_lazy("accident", "reported by"), max_length=100, blank=True
    )
    reporter_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    # Computed live from the figures (standards.accident.grade)
    grade = models.CharField(
        pgettext_lazy("accident", "grade"), max_length=20, choices=Grade.choices, editable=False
    )
    report_up_to = models.CharField(
        _("must be reported up to"), max_length=16, choices=Level.choices, editable=False
    )
    investigated_by = models.CharField(
        _("investigated by"), max_length=16, choices=Level.choices, editable=False
    )
    late_reported = models.BooleanField(_("late report (迟报)"), default=False, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("accident", "recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "unit"

    @classmethod
    def scope_q(cls, user, action):
        return accident_scope(user, action)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("accident")
        verbose_name_plural = _("accidents")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("accidents:accident_detail", args=[self.pk])

    @property
    def grade_badge(self) -> str:
        return GRADE_BADGES.get(self.grade, "bg-secondary")

    @property
    def road_or_fire(self) -> bool:
        return self.category in (Category.ROAD_TRAFFIC, Category.FIRE)


class ClockKind(models.TextChoices):
    REPORT_COUNTY = "report_county", _("Unit reports to the county (1 h)")
    FORWARD_CITY = "forward_city", _("Forward to the districted city (2 h)")
    FORWARD_PROVINCE = "forward_province", _("Forward to the province (2 h)")
    FORWARD_STATE_COUNCIL = "forward_state_council", _("Forward to the State Council (2 h)")
    INVESTIGATION = "investigation", _("Investigation report (60 days)")
    REPLY = "reply", _("Government reply (15/30 days)")
    FOLLOW_UP = "follow_up", _("Follow-up evaluation (1 year)")


FORWARD_KIND_OF_LEVEL = {
    "city": ClockKind.FORWARD_CITY,
    "province": ClockKind.FORWARD_PROVINCE,
    "state_council": ClockKind.FORWARD_STATE_COUNCIL,
}


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    OVERDUE = "overdue", pgettext_lazy("accident", "Overdue")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class AccidentClock(models.Model):
    """One timer of an accident: a due time, met when the step is done, flagged when missed."""

    accident = models.ForeignKey(
        Accident, verbose_name=_("accident"), on_delete=models.CASCADE, related_name="clocks"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ClockKind.choices)
    started_at = models.DateTimeField(_("started"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ClockState.choices, default=ClockState.RUNNING
    )
    met_at = models.DateTimeField(_("done at"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("flagged late at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "accident__unit"

    @classmethod
    def scope_q(cls, user, action):
        return accident_scope(user, action, "accident__unit")

    class Meta:
        ordering = ["accident", "started_at", "pk"]
        verbose_name = _("accident clock")
        verbose_name_plural = _("accident clocks")
        constraints = [
            models.UniqueConstraint(fields=["accident", "kind"], name="accident_clock_once")
        ]

    def __str__(self) -> str:
        return f"{self.accident.number} · {self.get_kind_display()}"

    @property
    def late(self) -> bool:
        if self.state == ClockState.OVERDUE:
            return True
        return bool(self.met_at and self.met_at > self.due_at)


class SupplementaryReport(models.Model):
    """A 续报 / 补报 (Art. 13): changed figures; within the window they re-grade the accident."""

    accident = models.ForeignKey(
        Accident, verbose_name=_("accident"), on_delete=models.CASCADE, related_name="supplements"
    )
    reported_at = models.DateTimeField(_("reported at"))
    deaths = models.PositiveIntegerField(_("deaths"))
    missing = models.PositiveIntegerField(_("missing"), default=0)
    serious_injuries = models.PositiveIntegerField(_("serious injuries (incl. acute poisoning)"))
    direct_loss_yuan = models.DecimalField(
        _("estimated direct loss (yuan)"), max_digits=14, decimal_places=2
    )
    text = models.TextField(_("new developments"))
    within_window = models.BooleanField(_("within the supplementary window"), default=True)
    grade_before = models.CharField(_("grade before"), max_length=20, choices=Grade.choices)
    grade_after = models.CharField(_("grade after"), max_length=20, choices=Grade.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "accident__unit"

    @classmethod
    def scope_q(cls, user, action):
        return accident_scope(user, action, "accident__unit")

    class Meta:
        ordering = ["accident", "reported_at", "pk"]
        verbose_name = _("supplementary report")
        verbose_name_plural = _("supplementary reports")

    def __str__(self) -> str:
        return f"{self.accident.number} · {self.reported_at:%Y-%m-%d %H:%M}"


class InvestigationState(models.TextChoices):
    OPEN = "open", _("Investigating")
    REPORTED = "reported", _("Report submitted")
    REPLIED = "replied", _("Government replied")
    CLOSED = "closed", pgettext_lazy("case state", "Closed")


class Nature(models.TextChoices):
    LIABILITY = "liability", _("Liability accident")
    NON_LIABILITY = "non_liability", _("Non-liability accident")
    UNDETERMINED = "", _("Not yet determined")


def government_may_create(user) -> bool:
    return user.is_superuser or user.role in (
        Role.SAFETY_OFFICE,
        Role.INSPECTOR,
        Role.DUTY_OFFICER,
        Role.ADMIN,
    )


def _gov_scope(cls, user, action, path):
    """Investigation-side rows: enterprises read them, the government side changes them."""
    q = accident_scope(user, action, path)
    if action != "view" and user.role in (Role.ENTERPRISE_MANAGER, Role.VILLAGE_GRID):
        return Q(pk__in=[])
    return q


class Investigation(models.Model):
    """The investigation (事故调查) of Arts. 19–33: team, period, report, reply, follow-up."""

    accident = models.OneToOneField(
        Accident, verbose_name=_("accident"), on_delete=models.CASCADE, related_name="investigation"
    )
    lead = models.CharField(_("team leader"), max_length=100)
    members = models.TextField(_("team members"), blank=True)
    started_on = models.DateField(_("started on"))
    extension_days = models.PositiveIntegerField(_("approved extension (days)"), default=0)
    extension_approval = models.CharField(_("extension approved by"), max_length=200, blank=True)
    appraisal_days = models.PositiveIntegerField(_("technical appraisal (days)"), default=0)
    due_on = models.DateField(_("report due on"), editable=False)
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=InvestigationState.choices,
        default=InvestigationState.OPEN,
    )
    course = models.TextField(_("course of the accident and rescue"), blank=True)
    causes = models.TextField(_("direct and indirect causes"), blank=True)
    nature = models.CharField(
        _("nature"), max_length=16, choices=Nature.choices, blank=True, default=""
    )
    responsibility = models.TextField(_("responsibility and proposed handling"), blank=True)
    measures = models.TextField(_("prevention and rectification measures"), blank=True)
    report_submitted_on = models.DateField(_("report submitted on"), null=True, blank=True)
    reply_due_on = models.DateField(_("reply due on"), null=True, blank=True, editable=False)
    replied_on = models.DateField(_("replied on"), null=True, blank=True)
    follow_up_due_on = models.DateField(
        _("follow-up evaluation due on"), null=True, blank=True, editable=False
    )
    follow_up_done_on = models.DateField(_("follow-up evaluated on"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "accident__unit"

    @classmethod
    def scope_q(cls, user, action):
        return _gov_scope(cls, user, action, "accident__unit")

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("investigation")
        verbose_name_plural = _("investigations")

    def __str__(self) -> str:
        return f"{self.accident.number} · {self.accident.title}"


class FourNoItem(models.TextChoices):
    """四不放过."""

    CAUSE = "cause", _("Cause identified (原因未查清不放过)")
    PERSONS = "persons", _("Responsible persons dealt with (责任人员未处理不放过)")
    MEASURES = "measures", _("Rectification implemented (整改措施未落实不放过)")
    EDUCATION = "education", _("People concerned educated (有关人员未受到教育不放过)")


class ClosureEvidence(models.Model):
    """Evidence that one 四不放过 item is satisfied."""

    investigation = models.ForeignKey(
        Investigation,
        verbose_name=_("investigation"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    item = models.CharField(
        pgettext_lazy("accident", "item"), max_length=12, choices=FourNoItem.choices
    )
    evidence = models.TextField(pgettext_lazy("accident", "evidence"))
    recorded_at = models.DateTimeField(pgettext_lazy("accident", "recorded"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("accident", "recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "investigation__accident__unit"

    @classmethod
    def scope_q(cls, user, action):
        return _gov_scope(cls, user, action, "investigation__accident__unit")

    class Meta:
        ordering = ["investigation", "item", "pk"]
        verbose_name = _("closure evidence")
        verbose_name_plural = _("closure evidence")

    def __str__(self) -> str:
        return f"{self.get_item_display()}"


class Measure(models.TextChoices):
    PARTY = "party", _("Party discipline")
    ADMINISTRATIVE = "administrative", _("Administrative sanction")
    FINE = "fine", _("Fine")
    CRIMINAL = "criminal", _("Referred to the judicial organs")
    LICENCE = "licence", _("Licence suspended or revoked")
    ADMONITION = "admonition", _("Interview or admonition")
    NOTICE = "notice", _("Circulated criticism")
    OTHER = "other", _("Other")


class AccountabilityDecision(models.Model):
    """A decision on a person or an organisation (责任追究)."""

    accident = models.ForeignKey(
        Accident, verbose_name=_("accident"), on_delete=models.CASCADE, related_name="decisions"
    )
    person_name = models.CharField(pgettext_lazy("accident", "person"), max_length=100, blank=True)
    person_post = models.CharField(pgettext_lazy("accident", "post"), max_length=100, blank=True)
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    measure = models.CharField(_("measure"), max_length=16, choices=Measure.choices)
    fine_yuan = models.DecimalField(
        _("fine (yuan)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    detail = models.TextField(_("detail"), blank=True)
    decided_on = models.DateField(_("decided on"))
    decided_by = models.CharField(_("decided by"), max_length=200)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "accident__unit"

    @classmethod
    def scope_q(cls, user, action):
        return _gov_scope(cls, user, action, "accident__unit")

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return government_may_create(user)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("accountability decision")
        verbose_name_plural = _("accountability decisions")

    def __str__(self) -> str:
        who = self.person_name or (self.org.name if self.org_id else "")
        return f"{who} · {self.get_measure_display()}"


class DishonestyListing(models.Model):
    """An entry of the serious-dishonesty list (严重失信主体名单)."""

    subject = models.ForeignKey(
        Organisation,
        verbose_name=_("listed subject"),
        on_delete=models.PROTECT,
        related_name="dishonesty_listings",
    )
    person_name = models.CharField(_("responsible person listed"), max_length=100, blank=True)
    accident = models.ForeignKey(
        Accident,
        verbose_name=_("accident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listings",
    )
    reason = models.TextField(_("reason"))
    listed_on = models.DateField(_("listed on"))
    expires_on = models.DateField(_("to be removed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "subject"

    @classmethod
    def scope_q(cls, user, action):
        return _gov_scope(cls, user, action, "subject")

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return government_may_create(user)

    class Meta:
        ordering = ["-listed_on", "-pk"]
        verbose_name = _("serious-dishonesty listing")
        verbose_name_plural = _("serious-dishonesty list")

    def __str__(self) -> str:
        return f"{self.subject} · {self.listed_on}"

    @property
    def active(self) -> bool:
        return self.removed_on is None


class Bulletin(models.Model):
    """An accident bulletin (事故通报) sent to the enterprises of the same industries."""

    accident = models.ForeignKey(
        Accident,
        verbose_name=_("accident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bulletins",
    )
    title = models.CharField(_("bulletin title"), max_length=200)
    body = models.TextField(_("text"))
    industries = models.ManyToManyField(Industry, verbose_name=_("industries"), related_name="+")
    issuer = models.ForeignKey(
        Organisation,
        verbose_name=pgettext_lazy("accident", "issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "issuer"

    @classmethod
    def scope_q(cls, user, action):
        """The issuing side sees its bulletins; an enterprise sees the ones it received."""
        if not may_act(user, action):
            return Q(pk__in=[])
        if is_county_wide(user, action) or user.role == Role.DUTY_OFFICER:
            return None
        ids = visible_org_ids(user, action)
        if action != "view":
            return Q(issuer__in=ids) if user.role == Role.INSPECTOR else Q(pk__in=[])
        return Q(issuer__in=ids) | Q(receipts__enterprise__in=ids)

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return government_may_create(user)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("accident bulletin")
        verbose_name_plural = _("accident bulletins")

    def __str__(self) -> str:
        return self.title


class BulletinReceipt(models.Model):
    """One enterprise's copy of a bulletin; read when one of its users opens it."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("bulletin"), on_delete=models.CASCADE, related_name="receipts"
    )
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["bulletin", "enterprise__name"]
        verbose_name = _("bulletin receipt")
        verbose_name_plural = _("bulletin receipts")
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "enterprise"], name="bulletin_receipt_once")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} · {self.enterprise}"
