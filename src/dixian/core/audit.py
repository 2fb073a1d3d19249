"""The audit chain: every service write appends a hash-chained event in its transaction.

Each event stores the previous event's hash and its own SHA-256 over the canonical JSON of
all its columns. ``verify_chain`` recomputes the chain and names the first broken event.
Writers are serialised (PostgreSQL advisory lock; SQLite's write lock with IMMEDIATE
transactions) so the sequence has no gaps and no forks under concurrency.

The hash is computed over the values as they come back from the database, so what is stored
must survive the round trip unchanged on every backend. ``_storable`` normalises the few
values that do not (PostgreSQL ``jsonb`` turns ``1e+16`` into ``10000000000000000`` and
``-0.0`` into ``0.0``, rejects ``NaN`` and NUL characters), and ``record`` re-reads the row
it wrote and refuses to commit an event that would not verify.

Known limit: a chain alone cannot show that events were cut off its end, nor that the whole
chain was recomputed by someone with write access to the database. Anchor the head hash
outside the database (print it, send it to another system) to catch that.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import uuid
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

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
        if timezone.is_naive(value):
            # As Django saves it: naive values are in the default time zone, not the OS's.
            value = timezone.make_aware(value, timezone.get_default_timezone())
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [_jsonable(v) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def _clean_text(value: str) -> str:
    """Text every backend stores and gives back unchanged: no NUL, no lone surrogates."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode()
    except UnicodeEncodeError:  # lone surrogates, e.g. from "\\ud800" in a JSON body
        value = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in value)
    return value


def _storable(value):
    """``_jsonable`` plus what it takes for the value to read back identically everywhere.

    PostgreSQL ``jsonb`` keeps numbers as ``numeric``: a float written with a positive
    exponent (``1e+16``, every float from 10**16 up) comes back as an integer, ``-0.0`` as
    ``0.0``, and ``NaN``/``Infinity`` and ``\\u0000`` are refused. Store what comes back.
    """
    value = _jsonable(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        if value == 0:
            return 0.0
        if "e+" in repr(value):  # what numeric makes of "1.5e+300": 15 and 299 zeros
            return int(decimal.Decimal(repr(value)))
        return value
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {_clean_text(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    return value


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
            actor_name=_clean_text((getattr(actor, "username", "") or "system")[:150]),
            request_id=_clean_text(request_id_var.get()[:64]),
            action=_clean_text(action[:64]),
            object_type=_clean_text(object_type[:100]),
            object_id=_clean_text(str(object_id)[:64]),
            object_repr=_clean_text(object_repr[:255]),
            org_id_hint=org_id if org_id is not None else _org_hint(obj),
            before=_storable(before),
            after=_storable(after),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        # Hash what the database gives back: an event that would not verify must not be
        # committed (it would break the chain for good and hide later tampering).
        stored = AuditEvent.objects.get(pk=event.pk)
        if compute_hash(stored) != event.hash:
            raise AuditError(
                f"audit event #{event.seq} ({event.action}) does not survive the database "
                "round trip unchanged; refusing to write it"
            )
    return event


class AuditError(RuntimeError):
    """An audit event could not be appended faithfully."""


@dataclass
class ChainBreak:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"audit event #{self.seq}: {self.reason}"


def verify_chain(batch_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Walk the chain in sequence order. Returns (events checked, first break or None)."""
    expected_seq = 1
    prev_hash = GENESIS
    checked = 0
    for seq, event in _stored_events(batch_size):
        if isinstance(event, Exception):
            if isinstance(seq, int) and seq > expected_seq:
                return checked, _missing(expected_seq, seq)
            return checked, ChainBreak(
                seq if isinstance(seq, int) else expected_seq,
                f"unreadable row ({type(event).__name__}: {event})",
            )
        broken = _check_link(event, expected_seq, prev_hash)
        if broken is not None:
            return checked, broken
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
    return checked, None


def _stored_events(batch_size: int):
    """Yield ``(seq, event)`` in sequence order, in batches.

    A hand-edited value the ORM cannot even load (SQLite takes any text in any column) fails
    a whole batch; from there on rows are loaded one at a time and the first one that does
    not load is yielded as ``(seq, exception)``.
    """
    from .models import AuditEvent

    done = None
    try:
        for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
            yield event.seq, event
            done = event.seq
        return
    except Exception:
        pass
    rest = AuditEvent.objects.order_by("seq")
    if done is not None:
        rest = rest.filter(seq__gt=done)
    for seq in rest.values_list("seq", flat=True):
        try:
            event = AuditEvent.objects.get(seq=seq)
        except Exception as exc:
            yield seq, exc
            return
        yield seq, event


def _missing(expected_seq: int, found_seq: int) -> ChainBreak:
    return ChainBreak(expected_seq, f"missing (deleted?): the next stored event is #{found_seq}")


def _check_link(event, expected_seq: int, prev_hash: str) -> ChainBreak | None:
    if not isinstance(event.seq, int) or isinstance(event.seq, bool):
        return ChainBreak(expected_seq, f"row with an invalid sequence number {event.seq!r}")
    if event.seq != expected_seq:
        if event.seq > expected_seq:
            return _missing(expected_seq, event.seq)
        return ChainBreak(event.seq, f"out of order: expected #{expected_seq}")
    if event.prev_hash != prev_hash:
        return ChainBreak(
            event.seq,
            "previous-hash does not match the hash of the event before it "
            "(events removed, inserted, reordered or rewritten)",
        )
    try:
        actual = compute_hash(event)
    except Exception as exc:  # e.g. a hand-written value that is not valid text
        return ChainBreak(event.seq, f"content altered: cannot be hashed ({exc})")
    if actual != event.hash:
        return ChainBreak(
            event.seq,
            f"content altered: stored hash {str(event.hash)[:12]}... but content hashes to "
            f"{actual[:12]}...",
        )
    return None
