"""Core models: the county's organisation tree, people, users, audit chain and outbox."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import (
    COUNTY_WIDE_ROLES,
    Channel,
    DivisionLevel,
    MessageState,
    OrgKind,
    PositionKind,
    Role,
)
from .scoping import ScopedQuerySet


class Division(models.Model):
    """Administrative division (行政区划): county, township (乡镇), village (村)."""

    code = models.CharField(_("statistical code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("140829/140829100/"): a subtree is a prefix match.
    path = models.CharField(_("path"), max_length=1000, db_index=True, editable=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        old = self.path
        self.path = (self.parent.path if self.parent_id else "") + f"{self.code}/"
        super().save(*args, **kwargs)
        if old and old != self.path:
            # Moved or re-coded: its subtree moves with it (scoping reads these paths).
            for child in Division.objects.filter(path__startswith=old).exclude(pk=self.pk):
                Division.objects.filter(pk=child.pk).update(path=self.path + child.path[len(old) :])


class Industry(models.Model):
    """Industry catalogue (行业): the unit of 管行业必须管安全."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    high_risk = models.BooleanField(_("high-risk industry"), default=False)
    sort = models.PositiveIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_public = True

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """Any body in the county: government, departments, townships, villages, enterprises, teams."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    aliases = models.CharField(
        _("aliases"),
        max_length=500,
        blank=True,
        help_text=_("Other names, separated by commas (e.g. 县应急局, 县应急管理局)."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    division = models.ForeignKey(
        Division,
        verbose_name=_("located in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    industries = models.ManyToManyField(
        Industry, verbose_name=_("industries"), blank=True, related_name="organisations"
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(_("path"), max_length=1000, db_index=True, editable=False, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "pk"

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["kind", "division"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        path = (self.parent.path if self.parent_id else "") + f"{self.pk:08d}/"
        if path != self.path:
            old = self.path
            self.path = path
            Organisation.objects.filter(pk=self.pk).update(path=path)
            if old:
                # Move the subtree with its root.
                for child in Organisation.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Organisation.objects.filter(pk=child.pk).update(
                        path=path + child.path[len(old) :]
                    )

    @property
    def depth(self) -> int:
        """1 for a root organisation; relative depth is what the tree shows."""
        return max(self.path.count("/"), 1)

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", ",").split(",") if a.strip()]


class Jurisdiction(models.Model):
    """A department's supervisory remit: industries × area (管行业必须管安全)."""

    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="jurisdictions",
    )
    industries = models.ManyToManyField(Industry, verbose_name=_("industries"), related_name="+")
    areas = models.ManyToManyField(
        Division,
        verbose_name=_("areas"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty for the whole county."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "department"

    @classmethod
    def scope_q(cls, user, action):
        """A department reads its own remit; only county-wide editors (安委办, admin) set it —
        otherwise a department could widen what it sees."""
        from .scoping import is_county_wide, visible_org_ids

        if is_county_wide(user, action):
            return None
        if action != "view":
            return models.Q(pk__in=[])
        return models.Q(department__in=visible_org_ids(user, action))

    @classmethod
    def scope_may_create(cls, user) -> bool:
        from .scoping import is_county_wide

        return is_county_wide(user, "change")

    class Meta:
        ordering = ["department__path", "pk"]
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return f"{self.department} · {', '.join(i.name for i in self.industries.all())}"


class Person(models.Model):
    """A person who holds positions: officials, inspectors, enterprise staff, grid workers."""

    name = models.CharField(_("name"), max_length=50)
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="people",
    )
    title = models.CharField(_("title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["org__path", "name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A post held by a person in an organisation (主要负责人, 分管负责人, 网格员 …)."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="positions"
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="positions",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=PositionKind.choices)
    title = models.CharField(_("title"), max_length=100, blank=True)
    start_date = models.DateField(_("since"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["org__path", "kind"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return f"{self.org} · {self.title or self.get_kind_display()} · {self.person}"


class ScopedUserManager(UserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A login, linked to a person and acting in one organisation with one role."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.INSPECTOR)
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    person = models.OneToOneField(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    last_seen = models.DateTimeField(_("last seen"), null=True, blank=True)

    objects = ScopedUserManager()
    scope_org_field = "org"

    @classmethod
    def scope_q(cls, user, action):
        """Administrators manage every account; anyone else sees only their own."""
        from django.db.models import Q

        if user.is_superuser or user.role == Role.ADMIN:
            return None
        return Q(pk=user.pk) if action == "view" else Q(pk__in=[])

    @classmethod
    def scope_may_create(cls, user) -> bool:
        return user.is_superuser or user.role == Role.ADMIN

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def is_county_wide(self) -> bool:
        return self.role in COUNTY_WIDE_ROLES or self.is_superuser


class LoginAttempt(models.Model):
    """Login attempts, for throttling and lockout."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    success = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]


AUDIT_VERBS = {
    "create": pgettext_lazy("audit verb", "created"),
    "update": pgettext_lazy("audit verb", "changed"),
    "delete": pgettext_lazy("audit verb", "deleted"),
}
# Apps add their own workflow actions here (e.g. "hazard.verify").
AUDIT_ACTION_LABELS = {
    "user.login": _("signed in"),
    "user.login_failed": _("failed sign-in"),
    "user.login_locked": _("sign-in refused (locked)"),
    "user.set_password": _("password changed"),
    "user.api_token_create": _("API token issued"),
    "user.api_token_rotate": _("API token reissued"),
    "user.api_token_revoke": _("API token revoked"),
    "demo.seed": _("demo data loaded"),
}


class AuditEvent(models.Model):
    """One link of the hash chain of who did what, when (责任倒查).

    ``hash`` is SHA-256 over the canonical JSON of every other column, including
    ``prev_hash``: altering, deleting or reordering any stored row breaks the chain.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # DO_NOTHING: deleting a user must not rewrite the audit chain (the id stays).
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    org_id_hint = models.BigIntegerField(_("organisation"), null=True, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org_id_hint"

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    @property
    def action_label(self) -> str:
        """The action in words: a registered label, else "<object type> · created/changed/deleted"."""
        from django.apps import apps

        if self.action in AUDIT_ACTION_LABELS:
            return str(AUDIT_ACTION_LABELS[self.action])
        model_name, _sep, verb = self.action.rpartition(".")
        verb_label = AUDIT_VERBS.get(verb)
        if verb_label and self.object_type:
            try:
                model = apps.get_model(self.object_type)
                return f"{model._meta.verbose_name}·{verb_label}"
            except (LookupError, ValueError):
                pass
        return self.action


class Reminder(models.Model):
    """A message to send at a due time (licence expiry, reviews, drills due …)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.SCHEDULED
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        help_text=_("Without a recipient, every user of this organisation is reminded."),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        indexes = [models.Index(fields=["state", "due_at"])]

    def __str__(self) -> str:
        return self.subject


class ChannelEndpoint(models.Model):
    """Where outbox messages go outside the app: an SMS gateway or a group-robot webhook."""

    kind = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret or token"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk/Feishu signing secret, or the SMS gateway's bearer token."),
    )
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="channel_endpoints",
        help_text=_("For group robots: the organisation whose group it posts to."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("channel endpoint")
        verbose_name_plural = _("channel endpoints")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"


class Message(models.Model):
    """An outbox row: written in the service's transaction, delivered by the worker."""

    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
    )
    # People without a login (village cadres, reservoir keepers) are reached by SMS or voice:
    # ``person`` names them and ``address`` holds the number.
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    endpoint = models.ForeignKey(
        ChannelEndpoint,
        verbose_name=_("endpoint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=MessageState.choices, default=MessageState.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    org = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "org"

    @classmethod
    def scope_q(cls, user, action):
        """A user sees the messages addressed to them; administrators see the delivery log."""
        from django.db.models import Q

        from .choices import Role

        if user.is_superuser or user.role == Role.ADMIN:
            return None
        return Q(recipient=user)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class DeliveryAttempt(models.Model):
    """One try at delivering a message: the delivery log."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    at = models.DateTimeField(_("time"))
    success = models.BooleanField(_("success"), default=False)
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
