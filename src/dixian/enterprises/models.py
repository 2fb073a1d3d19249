"""Enterprise registry (企业台账), classified and graded supervision (分类分级监管), licences.

An enterprise IS a ``core.Organisation`` (kind=enterprise): name, township (division),
position, industries and credit code stay there. ``EnterpriseProfile`` adds what only
enterprises have; ``details`` holds the industry sections (mine, tailings pond, hazardous
chemicals, construction project, gas, crowded place), each validated by its own form in
``details.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.models import Organisation
from dixian.core.scoping import ScopedQuerySet, is_county_wide, visible_org_ids


class Scale(models.TextChoices):
    ABOVE = "above", _("Above designated size (规上)")
    BELOW = "below", _("Below designated size (规下)")


class OperatingStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    CONSTRUCTION = "construction", _("Under construction")
    CLOSED = "closed", _("Closed")


class GradeLevel(models.Model):
    """One step of the supervision grade scale (A–D by default; 安委办 edits the scale).

    An enterprise whose risk score reaches ``min_score`` (and not the next level's) gets
    this grade; the grade sets how often it is routinely inspected.
    """

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=40)
    min_score = models.PositiveIntegerField(_("minimum risk score"), default=0)
    inspection_interval_days = models.PositiveIntegerField(
        _("routine inspection every (days)"), default=365
    )
    colour = models.CharField(
        _("colour"), max_length=7, default="#1f77b4", help_text=_("e.g. #d63939")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["min_score", "code"]
        verbose_name = _("supervision grade")
        verbose_name_plural = _("supervision grades")

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class RuleFactor(models.TextChoices):
    HIGH_RISK_INDUSTRY = "high_risk_industry", _("High-risk industry")
    MAJOR_HAZARD_SOURCE = "major_hazard_source", _("Major hazard source")
    OPEN_HAZARDS = "open_hazards", _("Open hidden hazards (per hazard)")
    OPEN_MAJOR_HAZARDS = "open_major_hazards", _("Open major hidden hazards (per hazard)")
    ACCIDENTS = "accidents", _("Accidents in the look-back period (per accident)")
    ABOVE_SCALE = "above_scale", _("Above designated size")
    STAFF_AT_LEAST = "staff_at_least", _("Staff count at least the threshold")
    TAILINGS_POND = "tailings_pond", _("Tailings pond or red-mud yard")


class GradeRule(models.Model):
    """A scoring rule: when the factor applies, its points add to the risk score."""

    factor = models.CharField(_("factor"), max_length=32, choices=RuleFactor.choices, unique=True)
    points = models.PositiveIntegerField(_("points"))
    max_points = models.PositiveIntegerField(
        _("at most (points)"),
        null=True,
        blank=True,
        help_text=_("For per-item factors: a cap on the points. Empty: no cap."),
    )
    threshold = models.PositiveIntegerField(
        _("threshold"),
        null=True,
        blank=True,
        help_text=_("Staff threshold, or the look-back period in days for accidents."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["factor"]
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")

    def __str__(self) -> str:
        return f"{self.get_factor_display()} +{self.points}"


class EnterpriseProfile(models.Model):
    """What the county records about an enterprise beyond its organisation row."""

    org = models.OneToOneField(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="enterprise_profile",
    )
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    principal = models.CharField(_("principal (主要负责人)"), max_length=50, blank=True)
    principal_phone = models.CharField(_("principal's phone"), max_length=40, blank=True)
    scale = models.CharField(_("scale"), max_length=8, choices=Scale.choices, default=Scale.BELOW)
    staff_count = models.PositiveIntegerField(_("staff count"), default=0)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
        db_index=True,
    )
    status_since = models.DateField(_("status since"), null=True, blank=True)
    established_on = models.DateField(_("established"), null=True, blank=True)
    major_hazard_source = models.BooleanField(_("major hazard source"), default=False)
    details = models.JSONField(_("industry details"), default=dict, blank=True)
    # Classified and graded supervision.
    risk_score = models.PositiveIntegerField(_("risk score"), default=0)
    computed_grade = models.ForeignKey(
        GradeLevel,
        verbose_name=_("computed grade"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_grade = models.ForeignKey(
        GradeLevel,
        verbose_name=_("grade set by hand"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    override_reason = models.CharField(_("reason for the manual grade"), max_length=500, blank=True)
    grade = models.ForeignKey(
        GradeLevel,
        verbose_name=_("supervision grade"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    graded_at = models.DateTimeField(_("graded"), null=True, blank=True)
    score_breakdown = models.JSONField(_("score breakdown"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["org__name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.org.name

    @classmethod
    def scope_q(cls, user, action):
        """As the organisation, plus the action ``grade`` (a manual supervision grade): the
        government side only — an enterprise or a grid worker does not grade."""
        from dixian.core.choices import Role

        if action == "grade":
            if user.role in (Role.ENTERPRISE_MANAGER, Role.VILLAGE_GRID):
                return Q(pk__in=[])
            action = "change"
        if is_county_wide(user, action):
            return None
        return Q(org__in=visible_org_ids(user, action))

    @classmethod
    def scope_may_create(cls, user) -> bool:
        """Registering a new enterprise: 安委办/admin, a department or a township (the
        enterprise they register must fall inside their scope, which the service checks)."""
        from dixian.core.choices import Role

        return user.is_superuser or user.role in {
            Role.SAFETY_OFFICE,
            Role.ADMIN,
            Role.INSPECTOR,
            Role.TOWNSHIP_OFFICER,
        }


class LicenceType(models.Model):
    """Kinds of licence (许可证照): a configurable list. ``issuers`` are the bodies that
    record them (县行政审批局): their users see and record this type county-wide."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    industries = models.ManyToManyField(
        "core.Industry", verbose_name=_("industries"), blank=True, related_name="+"
    )
    issuers = models.ManyToManyField(
        Organisation,
        verbose_name=_("recording bodies"),
        blank=True,
        related_name="issued_licence_types",
    )
    validity_years = models.PositiveIntegerField(_("usual validity (years)"), null=True, blank=True)
    sort = models.PositiveIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("licence type")
        verbose_name_plural = _("licence types")

    def __str__(self) -> str:
        return self.name


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")


def issuing_org_ids(user) -> list[int]:
    """The organisations the user records licences for: its own, if it is a recording body."""
    if user.org_id is None:
        return []
    if LicenceType.objects.filter(issuers=user.org_id).exists():
        return [user.org_id]
    return []


class Licence(models.Model):
    """A licence held by an enterprise, with the reminders of its expiry (90/30/7 days)."""

    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.CASCADE,
        related_name="licences",
    )
    type = models.ForeignKey(
        LicenceType, verbose_name=_("licence type"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("licence number"), max_length=80)
    issuer = models.CharField(_("issued by"), max_length=100)
    scope = models.CharField(_("licensed scope"), max_length=500, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=LicenceStatus.choices,
        default=LicenceStatus.VALID,
        db_index=True,
    )
    recorded_by_org = models.ForeignKey(
        Organisation,
        verbose_name=pgettext_lazy("enterprise", "recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The next reminder that is due (the deadline column) and which stage it is: 90, 30, 7
    # days before expiry, then 0 = expiry itself. Null: nothing left to remind.
    next_reminder_at = models.DateTimeField(
        _("next reminder"), null=True, blank=True, db_index=True
    )
    next_reminder_stage = models.PositiveSmallIntegerField(null=True, blank=True)
    reminders_sent = models.JSONField(_("reminders sent"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["valid_to", "pk"]
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        constraints = [
            models.UniqueConstraint(fields=["type", "number"], name="licence_type_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.number}"

    @classmethod
    def scope_q(cls, user, action):
        """Those who see the enterprise see its licences; only 安委办/admin and the recording
        bodies (县行政审批局) record or change them — the latter county-wide."""
        if is_county_wide(user, action):
            return None
        issuers = issuing_org_ids(user)
        if issuers:
            return Q(type__issuers__in=issuers) | Q(recorded_by_org__in=issuers)
        if action != "view":
            return Q(pk__in=[])
        return Q(enterprise__in=visible_org_ids(user, action))

    @classmethod
    def scope_may_create(cls, user) -> bool:
        from dixian.core.scoping import may_act

        if not may_act(user, "change"):
            return False
        return is_county_wide(user, "change") or bool(issuing_org_ids(user))

    @property
    def is_expired(self) -> bool:
        return self.days_left < 0 or self.status == LicenceStatus.EXPIRED

    @property
    def days_left(self) -> int:
        from django.utils import timezone

        from dixian.core import clock

        return (self.valid_to - timezone.localtime(clock.now()).date()).days
