"""Disaster warnings (预警), their 叫应 targets, 回应 feedback and 响应 duties, and CAP feeds.

A ``Warning`` is drafted, approved by a second person and released; release computes its
``WarningTarget`` rows (area × roles) from the 叫应 directory (``ContactEntry``) and the
positions of the org tree, dispatches each through the outbox and starts the wake clock
(``due_at``). A silent target is called again by voice, then the next person on its ladder
(deputy, superior). Every call, acknowledgement and escalation is a ``WarningEvent``
(有叫有应有记录). Targeted enterprises get ``EnterpriseResponse`` duties (停产撤人 …) from the
catalogue; targets report measures as ``Feedback`` (回应).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.choices import Action, Role
from dixian.core.models import Division, Organisation, Person
from dixian.core.scoping import ScopedQuerySet, is_county_wide, may_act, visible_org_ids

from . import catalogue


class Level(models.TextChoices):
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    BLUE = "blue", _("Blue")


class WarningState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    RELEASED = "released", _("Released")
    UPDATED = "updated", _("Superseded by an update")
    CANCELLED = "cancelled", pgettext_lazy("warning", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("warning", "Expired")


OPEN_STATES = (WarningState.RELEASED,)
CLOSED_STATES = (WarningState.UPDATED, WarningState.CANCELLED, WarningState.EXPIRED)


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered here")
    CAP_UPLOAD = "cap_upload", _("CAP file upload")
    CAP_POST = "cap_post", _("CAP posted to the API")
    CAP_FEED = "cap_feed", _("CAP feed")


class TargetRole(models.TextChoices):
    TOWNSHIP_PRINCIPAL = "township_principal", _("Township principal")
    VILLAGE_FLOOD = "village_flood", _("Village flood-control responsible person")
    RESERVOIR = "reservoir", _("Reservoir responsible person")
    CHECK_DAM = "check_dam", _("Check-dam responsible person")
    ENTERPRISE_PRINCIPAL = "enterprise_principal", _("Enterprise principal")
    GUARANTOR = "guarantor", _("Guarantor leader (包保)")
    ESCALATION = "escalation", _("Called on escalation")


# Roles a warning may target (the form's choices); escalation calls are made by the ladder.
TARGETABLE_ROLES = [r for r in TargetRole if r != TargetRole.ESCALATION]


class TargetState(models.TextChoices):
    CALLING = "calling", pgettext_lazy("warning", "Waiting for acknowledgement")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("warning", "Acknowledged")
    COVERED = "covered", _("Answered by the next person on the ladder")
    UNANSWERED = "unanswered", _("Never answered")
    CANCELLED = "cancelled", _("Call withdrawn")


class EventKind(models.TextChoices):
    CALLED = "called", _("Called")
    RECALLED = "recalled", _("Called again by voice")
    ESCALATED = "escalated", _("Escalated to the next person")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("warning", "Acknowledged")
    COVERED = "covered", _("Covered by the ladder")
    UNANSWERED = "unanswered", _("Ladder exhausted")
    CANCELLED = "cancelled", _("Call withdrawn")
    FEEDBACK = "feedback", _("Measures reported")
    RESPONSE = "response", _("Required action confirmed")


class AckChannel(models.TextChoices):
    LINK = "link", _("One-tap link")
    SMS = "sms", _("SMS reply code")
    APP = "app", _("Signed in")
    API = "api", _("API")


def _viewer_q(user, *org_paths: str) -> Q | None:
    """Q for rows whose organisation (through any of ``org_paths``) is in the user's scope."""
    if is_county_wide(user, Action.VIEW):
        return None
    orgs = visible_org_ids(user, Action.VIEW)
    q = Q(pk__in=[])
    for path in org_paths:
        q |= Q(**{f"{path}__in": orgs})
    return q


class Warning(models.Model):
    """A disaster warning (预警信息) from draft to cancellation or expiry."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("warning type"), max_length=32)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    headline = models.CharField(_("headline"), max_length=200)
    text = models.TextField(_("text"))
    instruction = models.TextField(_("instructions"), blank=True)
    divisions = models.ManyToManyField(
        Division, verbose_name=_("area (divisions)"), blank=True, related_name="+"
    )
    polygon = models.JSONField(
        _("area (polygon)"),
        null=True,
        blank=True,
        help_text=_("WGS 84 points [latitude, longitude], first equals last."),
    )
    area_desc = models.CharField(_("area description"), max_length=500, blank=True)
    roles = models.JSONField(_("target roles"), default=list)
    effective_at = models.DateTimeField(_("effective from"))
    expires_at = models.DateTimeField(pgettext_lazy("warning", "expires"), db_index=True)
    wake_minutes = models.PositiveIntegerField(_("wake target (minutes)"), default=5)
    state = models.CharField(
        _("state"), max_length=12, choices=WarningState.choices, default=WarningState.DRAFT
    )
    issuer = models.ForeignKey(
        Organisation,
        verbose_name=pgettext_lazy("warning", "issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drafted_at = models.DateTimeField(_("drafted"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("warning", "closed"), null=True, blank=True)
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("updates warning"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="updates",
    )
    source = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.MANUAL
    )
    cap_sender = models.CharField(_("CAP sender"), max_length=200, blank=True)
    cap_identifier = models.CharField(_("CAP identifier"), max_length=200, blank=True)
    cap_sent = models.CharField(_("CAP sent"), max_length=40, blank=True)
    cap_xml = models.TextField(_("CAP message received"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "issuer"

    @classmethod
    def scope_q(cls, user, action):
        """Issuers change their warnings (安委办 any); people see the warnings that reach
        their organisations (as targets or as enterprises with required actions)."""
        if action != Action.VIEW:
            if is_county_wide(user, action):
                return None
            return Q(issuer__in=visible_org_ids(user, action))
        return _viewer_q(user, "issuer", "targets__org", "responses__enterprise")

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return may_act(user, Action.CHANGE) and (
            user.is_superuser
            or user.role in {Role.SAFETY_OFFICE, Role.DUTY_OFFICER, Role.ADMIN}
            or (user.role == Role.INSPECTOR and user.org_id is not None)
        )

    class Meta:
        ordering = ["-drafted_at", "-pk"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        indexes = [models.Index(fields=["state", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.number} {self.headline}"

    @property
    def type_entry(self) -> dict | None:
        return catalogue.warning_type(self.kind)

    @property
    def kind_label(self) -> str:
        return catalogue.label(self.type_entry) or self.kind

    @property
    def level_label(self) -> str:
        return catalogue.label(catalogue.level(self.level)) or self.level

    def get_kind_display(self) -> str:
        return self.kind_label

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ContactEntry(models.Model):
    """The 叫应 directory: who answers for a division in a role, with the ladder above them."""

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("role"), max_length=24, choices=TargetRole.choices)
    facility = models.CharField(
        _("facility"), max_length=100, blank=True, help_text=_("Reservoir or check dam name.")
    )
    person = models.ForeignKey(
        Person, verbose_name=_("responsible person"), on_delete=models.CASCADE, related_name="+"
    )
    deputy = models.ForeignKey(
        Person,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superior = models.ForeignKey(
        Person,
        verbose_name=_("superior"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The township government or village committee the person answers for."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["division__path", "role", "pk"]
        verbose_name = _("call-and-answer directory entry")
        verbose_name_plural = _("Call-and-answer directory")

    def __str__(self) -> str:
        return f"{self.division} · {self.get_role_display()} · {self.person}"


class WarningTarget(models.Model):
    """One person called for a warning (叫应): the dispatch row and its wake clock."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="targets"
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(pgettext_lazy("warning", "name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    role = models.CharField(_("role"), max_length=24, choices=TargetRole.choices)
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deputy = models.ForeignKey(
        Person,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    superior = models.ForeignKey(
        Person,
        verbose_name=_("superior"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    escalated_from = models.ForeignKey(
        "self",
        verbose_name=_("escalated from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=TargetState.choices, default=TargetState.CALLING
    )
    step = models.PositiveSmallIntegerField(_("ladder step"), default=0)
    due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    called_at = models.DateTimeField(_("called"))
    recalled_at = models.DateTimeField(_("called again"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(
        pgettext_lazy("warning", "acknowledged"), null=True, blank=True
    )
    ack_channel = models.CharField(
        _("acknowledged through"), max_length=8, choices=AckChannel.choices, blank=True
    )
    covered_at = models.DateTimeField(_("covered"), null=True, blank=True)
    reply_code = models.CharField(_("reply code"), max_length=8, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    @classmethod
    def scope_q(cls, user, action):
        if action != Action.VIEW:
            if is_county_wide(user, action):
                return None
            return Q(warning__issuer__in=visible_org_ids(user, action))
        return _viewer_q(user, "org", "warning__issuer")

    class Meta:
        ordering = ["warning", "pk"]
        verbose_name = _("warning target")
        verbose_name_plural = _("warning targets")
        indexes = [
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["warning", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_role_display()}"

    @property
    def is_original(self) -> bool:
        return self.escalated_from_id is None

    @property
    def seconds_to_answer(self) -> float | None:
        answered = self.acknowledged_at or self.covered_at
        if answered is None:
            return None
        return max((answered - self.called_at).total_seconds(), 0.0)


class WarningEvent(models.Model):
    """The 叫应 record: every call, recall, escalation and acknowledgement, timestamped."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="events"
    )
    target = models.ForeignKey(
        WarningTarget,
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("event"), max_length=12, choices=EventKind.choices)
    channel = models.CharField(_("channel"), max_length=12, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "warning__issuer"

    @classmethod
    def scope_q(cls, user, action):
        if action != Action.VIEW:
            return Q(pk__in=[])
        return _viewer_q(user, "target__org", "warning__issuer")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("call-and-answer record")
        verbose_name_plural = _("call-and-answer records")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target or ''}"


class ResponseState(models.TextChoices):
    PENDING = "pending", _("Not yet confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("No longer required")


class EnterpriseResponse(models.Model):
    """A required action (响应) of a targeted enterprise, e.g. 停产撤人, and its confirmation."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="responses"
    )
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    action_code = models.CharField(_("action code"), max_length=40)
    action = models.CharField(_("required action"), max_length=300)
    needs_headcount = models.BooleanField(_("people withdrawn to be reported"), default=False)
    state = models.CharField(
        _("state"), max_length=12, choices=ResponseState.choices, default=ResponseState.PENDING
    )
    people_withdrawn = models.PositiveIntegerField(_("people withdrawn"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["warning", "enterprise__name", "pk"]
        verbose_name = _("required action")
        verbose_name_plural = _("required actions")
        constraints = [
            models.UniqueConstraint(
                fields=["warning", "enterprise", "action_code"], name="alerts_response_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.action_label}"

    @property
    def action_label(self) -> str:
        return catalogue.label(catalogue.response(self.action_code)) or self.action


class Feedback(models.Model):
    """Measures a target reports (回应): text, a checklist, a photo."""

    warning = models.ForeignKey(
        Warning, verbose_name=_("warning"), on_delete=models.CASCADE, related_name="feedback"
    )
    target = models.ForeignKey(
        WarningTarget,
        verbose_name=_("target"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_name = models.CharField(_("reported by"), max_length=50)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("measures taken"))
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    photo = models.ImageField(_("photo"), upload_to="alerts/feedback/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("reported"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    @classmethod
    def scope_q(cls, user, action):
        if action != Action.VIEW:
            return Q(pk__in=[])
        return _viewer_q(user, "org", "warning__issuer")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("measures report")
        verbose_name_plural = _("measures reports")

    def __str__(self) -> str:
        return f"{self.author_name} · {self.created_at:%Y-%m-%d %H:%M}"


class FeedMode(models.TextChoices):
    DRAFT = "draft", _("Create a draft for approval")
    AUTO = "auto", _("Release automatically")


class CapFeed(models.Model):
    """A CAP source an administrator configures; fetched periodically (``next_fetch_at``)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    mode = models.CharField(_("on arrival"), max_length=8, choices=FeedMode.choices)
    auto_min_level = models.CharField(
        _("release automatically from level"),
        max_length=8,
        choices=Level.choices,
        default=Level.RED,
        help_text=_("In automatic mode, lower levels still become drafts."),
    )
    interval_minutes = models.PositiveIntegerField(_("fetch every (minutes)"), default=5)
    enabled = models.BooleanField(_("enabled"), default=True)
    next_fetch_at = models.DateTimeField(_("next fetch"), null=True, blank=True, db_index=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "pk"

    @classmethod
    def scope_q(cls, user, action):
        return None if is_county_wide(user, Action.CHANGE) else Q(pk__in=[])

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return is_county_wide(user, Action.CHANGE)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CAP feed")
        verbose_name_plural = _("CAP feeds")

    def __str__(self) -> str:
        return self.name
