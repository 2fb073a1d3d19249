"""The audit chain: every service write appends a hash-chained event in its transaction.

Each event stores the previous event's hash and its own SHA-256 over the canonical JSON of
all its columns. ``verify_chain`` recomputes the chain and names the first broken event.
Writers are serialised (PostgreSQL advisory lock; SQLite's write lock with IMMEDIATE
transactions) so the sequence has no gaps and no forks under concurrency.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile

from . import clock
from .context import actor_var, request_id_var

GENESIS = "0" * 64
_LOCK_KEY = 0x64697869  # "dixi"


def _jsonable(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(instance: models.Model | None, fields: list[str] | None = None) -> dict | None:
    """JSON-safe dict of a model instance's concrete and many-to-many fields."""
    if instance is None:
        return None
    data = {}
    opts = instance._meta
    for field in opts.concrete_fields:
        if fields and field.name not in fields:
            continue
        if field.name in {"password"}:
            continue
        data[field.attname] = _jsonable(field.value_from_object(instance))
    if instance.pk:
        for field in opts.many_to_many:
            if fields and field.name not in fields:
                continue
            data[field.name] = sorted(o.pk for o in field.value_from_object(instance))
    return data


def _canonical(event) -> bytes:
    payload = {
        "seq": event.seq,
        "at": _jsonable(event.at),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "request_id": event.request_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "org_id_hint": event.org_id_hint,
        "before": _jsonable(event.before),
        "after": _jsonable(event.after),
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(event) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def _org_hint(obj) -> int | None:
    if obj is None:
        return None
    from .models import Organisation

    if isinstance(obj, Organisation):
        return obj.pk
    field = getattr(type(obj), "scope_org_field", None)
    if field and field != "pk":
        value = obj
        for part in field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value.pk if isinstance(value, models.Model) else value
    return None


def record(
    *,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    actor=None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    org_id: int | None = None,
):
    """Append one event to the chain, inside the caller's transaction."""
    from .models import AuditEvent

    if actor is None:
        actor = actor_var.get()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            at=clock.now(),
            actor_id=getattr(actor, "pk", None),
            actor_name=(getattr(actor, "username", "") or "system")[:150],
            request_id=request_id_var.get()[:64],
            action=action[:64],
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            object_repr=object_repr[:255],
            org_id_hint=org_id if org_id is not None else _org_hint(obj),
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


@dataclass
class ChainBreak:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit event #{self.seq}: {self.reason}"


def verify_chain(batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in sequence order. Returns (events checked, first break or None)."""
    from .models import AuditEvent

    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return checked, ChainBreak(
                    expected_seq,
                    f"missing (deleted?): the next stored event is #{event.seq}",
                )
            return checked, ChainBreak(event.seq, f"out of order: expected #{expected_seq}")
        if event.prev_hash != prev_hash:
            return checked, ChainBreak(
                event.seq,
                "previous-hash does not match the hash of the event before it "
                "(events removed, inserted or reordered)",
            )
        actual = compute_hash(event)
        if actual != event.hash:
            return checked, ChainBreak(
                event.seq,
                f"content altered: stored hash {event.hash[:12]}… but content hashes to "
                f"{actual[:12]}…",
            )
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return checked, None
