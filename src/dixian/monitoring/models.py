"""Monitoring: monitored objects, gateways, points, rules, readings, rollups and alarms.

Readings are keyed by (point, time) with a composite primary key; on PostgreSQL the table
is range-partitioned by month (see ``storage.py``). ``LatestValue`` holds each point's last
reading for the live pages; ``Rollup`` holds one-minute and one-hour aggregates for charts.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dixian.core.scoping import ScopedQuerySet


class ObjectKind(models.TextChoices):
    COAL_MINE = "coal_mine", _("Coal mine")
    NONCOAL_MINE = "noncoal_mine", _("Non-coal mine")
    TAILINGS = "tailings", _("Tailings pond or red-mud yard")
    MAJOR_HAZARD = "major_hazard", _("Major hazard source unit")
    SLOPE = "slope", _("Open-pit slope")
    GAS_NETWORK = "gas_network", _("Gas network")


class PointKind(models.TextChoices):
    CH4 = "ch4", _("Methane (CH4)")
    CO = "co", _("Carbon monoxide (CO)")
    O2 = "o2", _("Oxygen (O2)")
    WIND = "wind", _("Wind speed")
    TEMPERATURE = "temperature", _("Temperature")
    PRESSURE = "pressure", _("Pressure")
    LIQUID_LEVEL = "liquid_level", _("Liquid level")
    TOXIC = "toxic", _("Toxic gas")
    COMBUSTIBLE = "combustible", _("Combustible gas")
    DAM_DISPLACEMENT = "dam_displacement", _("Dam displacement")
    PHREATIC = "phreatic", _("Phreatic line depth")
    DRY_BEACH = "dry_beach", _("Dry beach length")
    POND_LEVEL = "pond_level", _("Reservoir water level")
    RAINFALL = "rainfall", _("Rainfall")
    GNSS = "gnss", _("GNSS slope displacement")


DEFAULT_UNITS = {
    PointKind.CH4: "%CH4",
    PointKind.CO: "ppm",
    PointKind.O2: "%",
    PointKind.WIND: "m/s",
    PointKind.TEMPERATURE: "°C",
    PointKind.PRESSURE: "MPa",
    PointKind.LIQUID_LEVEL: "m",
    PointKind.TOXIC: "ppm",
    PointKind.COMBUSTIBLE: "%LEL",
    PointKind.DAM_DISPLACEMENT: "mm",
    PointKind.PHREATIC: "m",
    PointKind.DRY_BEACH: "m",
    PointKind.POND_LEVEL: "m",
    PointKind.RAINFALL: "mm/h",
    PointKind.GNSS: "mm",
}


class Level(models.IntegerChoices):
    NORMAL = 0, _("Normal")
    BLUE = 1, _("Blue")
    YELLOW = 2, _("Yellow")
    ORANGE = 3, _("Orange")
    RED = 4, _("Red")


LEVEL_CSS = {0: "success", 1: "blue", 2: "yellow", 3: "orange", 4: "red"}


class LinkState(models.TextChoices):
    NEW = "new", _("Never reported")
    ONLINE = "online", _("Online")
    OFFLINE = "offline", _("Offline")


class MonitoredObject(models.Model):
    """Something watched by sensors: a mine, a tailings pond, a hazard source, a gas network."""

    enterprise = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="monitored_objects",
        limit_choices_to={"kind": "enterprise"},
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ObjectKind.choices)
    location = models.CharField(pgettext_lazy("monitoring", "location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__name", "name"]
        verbose_name = _("monitored object")
        verbose_name_plural = _("monitored objects")

    def __str__(self) -> str:
        return self.name


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Gateway(models.Model):
    """A data gateway (数据采集网关) of an enterprise; it authenticates with its own token.

    Only the SHA-256 of the token is stored (tokens are 32 random bytes, so a fast hash is
    enough). ``silence_due_at`` is the deadline column of the offline rule.
    """

    enterprise = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="gateways",
        limit_choices_to={"kind": "enterprise"},
    )
    code = models.SlugField(pgettext_lazy("monitoring", "code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False, default="")
    interval_s = models.PositiveIntegerField(_("expected interval (s)"), default=10)
    silence_factor = models.PositiveSmallIntegerField(
        _("offline after k intervals"), default=3, help_text=_("k × interval without data")
    )
    link_state = models.CharField(
        _("connection"), max_length=10, choices=LinkState.choices, default=LinkState.NEW
    )
    last_seen_at = models.DateTimeField(_("last data"), null=True, blank=True)
    silence_due_at = models.DateTimeField(_("offline due"), null=True, blank=True, db_index=True)
    remind_at = models.DateTimeField(_("next reminder"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["enterprise__name", "code"]
        verbose_name = _("gateway")
        verbose_name_plural = _("gateways")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def set_token(self, token: str | None = None) -> str:
        token = token or secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

    def check_token(self, token: str) -> bool:
        return bool(self.token_hash) and secrets.compare_digest(self.token_hash, hash_token(token))


class Point(models.Model):
    """A measuring point (测点): one sensor channel."""

    object = models.ForeignKey(
        MonitoredObject,
        verbose_name=_("monitored object"),
        on_delete=models.PROTECT,
        related_name="points",
    )
    gateway = models.ForeignKey(
        Gateway,
        verbose_name=_("gateway"),
        on_delete=models.PROTECT,
        related_name="points",
    )
    code = models.SlugField(pgettext_lazy("monitoring", "code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=PointKind.choices)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    location = models.CharField(
        _("sensor location"),
        max_length=40,
        blank=True,
        help_text=_("For methane: T0, T1, T2 … (decides the default thresholds)."),
    )
    item = models.CharField(
        _("monitoring item"),
        max_length=60,
        blank=True,
        help_text=_("Points of one item are aggregated (tailings: 4 blue ⇒ yellow …)."),
    )
    range_min = models.FloatField(_("range from"), null=True, blank=True)
    range_max = models.FloatField(_("range to"), null=True, blank=True)
    interval_s = models.PositiveIntegerField(_("expected interval (s)"), default=10)
    enabled = models.BooleanField(_("enabled"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "object__enterprise"

    class Meta:
        ordering = ["object", "code"]
        verbose_name = _("measuring point")
        verbose_name_plural = _("measuring points")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class RuleKind(models.TextChoices):
    THRESHOLD = "threshold", _("Level thresholds")
    RATE = "rate", _("Rate of change")
    STUCK = "stuck", _("Stuck value (sensor fault)")
    RANGE = "range", _("Out of range (sensor fault)")


class Direction(models.TextChoices):
    ABOVE = "above", _("at or above")
    BELOW = "below", _("at or below")


class Rule(models.Model):
    """A rule of a point, evaluated on every batch in the ingest path. Editable.

    Threshold rules carry up to four level limits (blue, yellow, orange, red); the highest
    one crossed gives the level. Rate rules fire above ``rate_per_min`` (units per minute);
    stuck rules when a value has not changed for ``stuck_minutes``; range rules outside
    the point's range.
    """

    point = models.ForeignKey(
        Point, verbose_name=_("point"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("rule"), max_length=12, choices=RuleKind.choices)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.ABOVE
    )
    blue = models.FloatField(_("blue"), null=True, blank=True)
    yellow = models.FloatField(_("yellow"), null=True, blank=True)
    orange = models.FloatField(_("orange"), null=True, blank=True)
    red = models.FloatField(_("red"), null=True, blank=True)
    rate_per_min = models.FloatField(_("max. change per minute"), null=True, blank=True)
    stuck_minutes = models.PositiveIntegerField(_("stuck after (min)"), null=True, blank=True)
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=Level.choices,
        default=Level.YELLOW,
        help_text=_("for non-threshold rules"),
    )
    source = models.CharField(_("basis"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "point__object__enterprise"

    class Meta:
        ordering = ["point", "kind"]
        verbose_name = _("alarm rule")
        verbose_name_plural = _("alarm rules")
        constraints = [
            models.UniqueConstraint(fields=["point", "kind"], name="monitoring_rule_point_kind")
        ]

    def __str__(self) -> str:
        return f"{self.point.code} · {self.get_kind_display()}"


class Reading(models.Model):
    """One measured value. Keyed by (point, ts); stored once however often it arrives."""

    pk = models.CompositePrimaryKey("point", "ts")
    # No separate index on point: the primary key (point, ts) leads with it.
    point = models.ForeignKey(Point, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    ts = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"))
    quality = models.SmallIntegerField(_("quality"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "point__object__enterprise"

    class Meta:
        verbose_name = _("reading")
        verbose_name_plural = _("readings")


class LatestValue(models.Model):
    """Each point's last reading (by time), its level and its link state (for the pages)."""

    point = models.OneToOneField(
        Point, primary_key=True, on_delete=models.CASCADE, related_name="latest"
    )
    ts = models.DateTimeField(_("time"))
    value = models.FloatField(_("value"))
    quality = models.SmallIntegerField(_("quality"), default=0)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=0)
    changed_at = models.DateTimeField(_("value changed at"))
    # Point silence (the offline rule per point): deadline columns for the sweeper.
    # ``silence_due_at`` moves with every newer reading, so it has NO index: an index on it
    # would make every per-batch upsert of this row a non-HOT update. The minute sweep scans
    # this table (one row per point) instead.
    link_state = models.CharField(
        _("connection"), max_length=10, choices=LinkState.choices, default=LinkState.ONLINE
    )
    silence_due_at = models.DateTimeField(_("offline due"), null=True, blank=True)
    remind_at = models.DateTimeField(_("next reminder"), null=True, blank=True, db_index=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "point__object__enterprise"

    class Meta:
        verbose_name = _("latest value")
        verbose_name_plural = _("latest values")


class Rollup(models.Model):
    """One-minute ('m') and one-hour ('h') aggregates of a point, for the history charts."""

    pk = models.CompositePrimaryKey("point", "period", "bucket")
    point = models.ForeignKey(Point, on_delete=models.CASCADE, db_constraint=False, db_index=False)
    period = models.CharField(max_length=1)
    bucket = models.DateTimeField()
    n = models.IntegerField(default=0)
    total = models.FloatField(default=0)
    vmin = models.FloatField()
    vmax = models.FloatField()

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "point__object__enterprise"

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")

    @property
    def avg(self) -> float:
        return self.total / self.n if self.n else 0.0


class AlarmKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold exceeded")
    RATE = "rate", _("Rapid change")
    STUCK = "stuck", _("Sensor fault: stuck value")
    RANGE = "range", _("Sensor fault: out of range")
    OFFLINE = "offline", _("Gateway offline")
    AGGREGATE = "aggregate", _("Aggregated warning")


class AlarmState(models.TextChoices):
    OPEN = "open", pgettext_lazy("alarm state", "Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISPOSING = "disposing", _("Disposing")
    FEEDBACK = "feedback", _("Checked and fed back")
    CLOSED = "closed", _("Closed")


class Escalation(models.TextChoices):
    PENDING = "pending", _("Waiting for acknowledgement")
    ESCALATED = "escalated", pgettext_lazy("monitoring", "Escalated")
    NONE = "none", _("Not needed")


class Alarm(models.Model):
    """An alarm (报警): open → acknowledged → disposing → feedback → closed.

    While not closed, a second trigger of the same point and rule (``dedupe_key``) updates
    the count, the peak and the level instead of opening another alarm.
    ``ack_due_at`` is the deadline column of the escalation rule.
    """

    enterprise = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="monitoring_alarms",
    )
    point = models.ForeignKey(
        Point,
        verbose_name=_("point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    gateway = models.ForeignKey(
        Gateway,
        verbose_name=_("gateway"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    object = models.ForeignKey(
        MonitoredObject,
        verbose_name=_("monitored object"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alarms",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AlarmKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=AlarmState.choices, default=AlarmState.OPEN
    )
    dedupe_key = models.CharField(max_length=80, editable=False)
    message = models.CharField(_("alarm text"), max_length=300)
    opened_at = models.DateTimeField(_("opened"), db_index=True)
    first_value = models.FloatField(_("first value"), null=True, blank=True)
    peak_value = models.FloatField(_("peak value"), null=True, blank=True)
    last_value = models.FloatField(_("last value"), null=True, blank=True)
    last_at = models.DateTimeField(_("last triggered"))
    count = models.PositiveIntegerField(_("count"), default=1)
    recovered_at = models.DateTimeField(_("back to normal"), null=True, blank=True)
    ack_due_at = models.DateTimeField(_("acknowledge by"), null=True, blank=True, db_index=True)
    escalation = models.CharField(
        _("escalation"), max_length=10, choices=Escalation.choices, default=Escalation.PENDING
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposing_at = models.DateTimeField(_("disposal started"), null=True, blank=True)
    disposing_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("disposal by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    disposal_note = models.TextField(_("disposal"), blank=True)
    feedback_at = models.DateTimeField(_("fed back"), null=True, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fed back by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cause = models.TextField(_("cause"), blank=True)
    measures = models.TextField(_("measures taken"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_note = models.TextField(_("closing note"), blank=True)
    hazard_ref = models.CharField(_("hidden hazard"), max_length=60, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarms")
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(state="closed"),
                name="monitoring_alarm_one_open_per_key",
            )
        ]
        indexes = [models.Index(fields=["state", "level"], name="monitoring_alarm_state_lvl")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.message}"

    @property
    def level_css(self) -> str:
        return LEVEL_CSS.get(self.level, "secondary")


class DeadLetter(models.Model):
    """A payload (or part of one) that could not be ingested: reason and raw bytes."""

    received_at = models.DateTimeField(_("received"), db_index=True)
    source = models.CharField(_("source"), max_length=10)  # http | mqtt
    topic = models.CharField(_("topic or path"), max_length=200, blank=True)
    gateway = models.ForeignKey(
        Gateway,
        verbose_name=_("gateway"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dead_letters",
    )
    enterprise = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(pgettext_lazy("monitoring", "reason"), max_length=500)
    raw = models.BinaryField(_("raw bytes"))

    objects = ScopedQuerySet.as_manager()
    scope_org_field = "enterprise"

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.reason[:60]}"


class Housekeeping(models.Model):
    """One row per housekeeping job (partitions ahead, retention); ``due_at`` is its timer."""

    name = models.CharField(max_length=40, unique=True)
    due_at = models.DateTimeField(db_index=True)
    state = models.CharField(max_length=10, default="idle")
    last_result = models.CharField(max_length=300, blank=True)
