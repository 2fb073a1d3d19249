"""Outbox: write messages in the caller's transaction, deliver with retries and backoff.

- ``enqueue`` writes one ``Message`` per recipient × channel and per robot endpoint, in the
  caller's transaction. In-app messages are the inbox: delivered at once. The others are
  handed to the worker after commit.
- ``deliver_message`` makes one attempt: it *claims* the row with a conditional UPDATE (a
  lease), sends, then records a ``DeliveryAttempt`` (the delivery log) and moves the row to
  delivered, to failed after ``OUTBOX_MAX_ATTEMPTS``, or back to pending with exponential
  backoff (``OUTBOX_BACKOFF_SECONDS`` × 2^(attempts-1)).
- ``deliver_batch`` does the same for many rows at once (the worker's path after commit
  and the sweeper's): one claim per chunk, phone messages sent concurrently over kept-alive
  connections (or in gateway batches), the delivery log written in bulk.
- ``deliver_due`` is the sweeper's outbox handler: it attempts every due pending row.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import logging
import os
import threading

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q

from .. import clock
from ..choices import Channel, MessageState
from ..models import ChannelEndpoint, DeliveryAttempt, Message
from .channels import ROBOT_CHANNELS, DeliveryError, send, send_phone_batch

# Channels delivered to a phone number through an HTTP gateway endpoint of the same kind.
PHONE_CHANNELS = frozenset({Channel.SMS, Channel.VOICE})

log = logging.getLogger(__name__)

# How long a claim keeps other workers off a message. A worker that dies mid-send leaves the
# row pending; it becomes due again when the lease runs out (longer than any HTTP timeout).
LEASE = dt.timedelta(minutes=5)
# Upper bound of one backoff step, whatever OUTBOX_MAX_ATTEMPTS says.
MAX_BACKOFF = dt.timedelta(hours=6)


def _address_for(user, channel: str) -> str:
    person = getattr(user, "person", None)
    if channel == Channel.EMAIL:
        return user.email or (person.email if person else "")
    if channel in PHONE_CHANNELS:
        return person.mobile if person else ""
    return ""


def gateway_for(channel: str):
    """The enabled gateway endpoint of a phone channel (SMS, voice): the oldest one."""
    return ChannelEndpoint.objects.filter(kind=channel, enabled=True).order_by("pk").first()


def _unique(objects):
    """The objects in order, each primary key once."""
    seen = set()
    for obj in objects:
        if obj.pk not in seen:
            seen.add(obj.pk)
            yield obj


def enqueue(
    *,
    subject: str,
    body: str = "",
    link: str = "",
    recipients=(),
    channels=(Channel.INAPP,),
    endpoints=(),
    org=None,
    dedupe_key: str | None = None,
    people=(),
) -> list[Message]:
    """Write outbox rows for each recipient × channel and each robot endpoint.

    In-app messages are delivered at once (they are the inbox). Others are delivered by the
    worker after the transaction commits; the sweeper retries what failed. Robot channels in
    ``channels`` are ignored for people (robots post to a group: pass ``endpoints``), and
    endpoints that are not group robots are ignored (the SMS gateway is found per message).

    ``people`` are ``Person`` rows reached by phone (SMS, voice) whether or not they have a
    login; pass users in ``recipients`` for the in-app inbox.

    With a ``dedupe_key``, each recipient × channel and each endpoint gets the message at
    most once, however often (or however concurrently) the caller enqueues it. Returns the
    rows written by this call.
    """
    now = clock.now()
    rows: list[Message] = []
    for user in _unique(recipients):
        for channel in dict.fromkeys(channels):
            if channel in ROBOT_CHANNELS:
                continue
            key = f"{dedupe_key}:{user.pk}:{channel}" if dedupe_key else None
            inapp = channel == Channel.INAPP
            rows.append(
                Message(
                    channel=channel,
                    recipient=user,
                    address=_address_for(user, channel),
                    subject=subject[:200],
                    body=body,
                    link=link[:300],
                    state=MessageState.DELIVERED if inapp else MessageState.PENDING,
                    delivered_at=now if inapp else None,
                    next_attempt_at=None if inapp else now,
                    created_at=now,
                    dedupe_key=key,
                    org=org or user.org,
                )
            )
    for person in _unique(people):
        # A person without a login is reached on the phone channels only.
        for channel in dict.fromkeys(channels):
            if channel not in PHONE_CHANNELS:
                continue
            key = f"{dedupe_key}:p{person.pk}:{channel}" if dedupe_key else None
            rows.append(
                Message(
                    channel=channel,
                    person=person,
                    address=person.mobile,
                    subject=subject[:200],
                    body=body,
                    link=link[:300],
                    next_attempt_at=now,
                    created_at=now,
                    dedupe_key=key,
                    org=org or person.org,
                )
            )
    for endpoint in _unique(endpoints):
        if endpoint.kind not in ROBOT_CHANNELS:
            log.warning("enqueue: endpoint %s is not a group robot; skipped", endpoint.pk)
            continue
        key = f"{dedupe_key}:ep{endpoint.pk}" if dedupe_key else None
        rows.append(
            Message(
                channel=endpoint.kind,
                endpoint=endpoint,
                address=endpoint.url[:200],
                subject=subject[:200],
                body=body,
                link=link[:300],
                next_attempt_at=now,
                created_at=now,
                dedupe_key=key,
                org=org or endpoint.org,
            )
        )
    written = [row for row in rows if _save_once(row)]
    pending = [r.pk for r in written if r.state == MessageState.PENDING]
    if pending:
        from ..tasks import deliver_messages

        # robust: the rows are committed; if the queue is down the sweeper still sends them.
        transaction.on_commit(lambda: deliver_messages(pending), robust=True)
    return written


def enqueue_bulk(rows: list[Message], *, deliver: bool = True) -> list[Message]:
    """Insert many prepared outbox rows at once (a warning to thousands of people).

    Rows carry no dedupe key (the caller guarantees one row per purpose, e.g. one per
    叫应 call); pending rows are handed to the worker after commit, in chunks.
    """
    now = clock.now()
    for row in rows:
        row.created_at = row.created_at or now
        if row.state == MessageState.PENDING and row.next_attempt_at is None:
            row.next_attempt_at = now
    written = Message.objects.bulk_create(rows, batch_size=1000)
    pending = [r.pk for r in written if r.state == MessageState.PENDING and r.pk]
    if deliver and pending:
        from ..tasks import deliver_messages

        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            transaction.on_commit(lambda chunk=chunk: deliver_messages(chunk), robust=True)
    return written


def bulk_insert(model, rows: list[dict], *, chunk: int = 500) -> list[int]:
    """Insert plain dicts of field values (attnames; missing fields take their defaults) with
    multi-row ``INSERT … RETURNING id``; return the new primary keys in order.

    For tens of thousands of rows at once (a warning's targets, calls and records): no model
    instances, and each distinct datetime is adapted for the database once, not per row.
    Runs no ``save()`` logic or signals; callers pass complete, valid values.
    """
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    defaults = {f.attname: f.get_default() for f in fields}
    datetimes = {f.attname for f in fields if isinstance(f, models.DateTimeField)}
    adapted: dict = {}

    def prepare(name, value):
        if name in datetimes and value is not None:
            key = value
            if key not in adapted:
                adapted[key] = connection.ops.adapt_datetimefield_value(value)
            return adapted[key]
        if hasattr(value, "value") and isinstance(value, str):  # TextChoices members
            return str(value.value)
        return value

    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    if connection.vendor == "postgresql":
        return _copy_insert(model, table, pk, columns, fields, defaults, rows)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = []
            for row in part:
                params.extend(
                    prepare(f.attname, row.get(f.attname, defaults[f.attname])) for f in fields
                )
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES "
                + ", ".join([placeholder] * len(part))
                + f" RETURNING {pk}",
                params,
            )
            ids.extend(r[0] for r in cursor.fetchall())
    return ids


def _copy_insert(model, table, pk, columns, fields, defaults, rows) -> list[int]:
    """PostgreSQL: take the ids from the table's sequence first, then ``COPY`` the rows in
    (a multi-row INSERT of thousands of placeholders is slow to build client-side)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, len(rows)],
        )
        ids = [r[0] for r in cursor.fetchall()]
        names = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({pk}, {columns}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                copy.write_row(
                    (
                        pk_value,
                        *(_plain(row.get(name, defaults[name])) for name in names),
                    )
                )
    return ids


def _plain(value):
    """TextChoices members as their plain string for COPY."""
    return str(value.value) if isinstance(value, str) and hasattr(value, "value") else value


def enqueue_values(rows: list[dict], *, deliver: bool = True) -> list[int]:
    """``enqueue_bulk`` from plain dicts of ``Message`` fields (no model instances): the path
    for a warning to tens of thousands of people. Returns the new message ids; pending rows
    are handed to the worker after commit, in chunks."""
    now = clock.now()
    for row in rows:
        row.setdefault("created_at", now)
        if row.get("state", MessageState.PENDING) == MessageState.PENDING:
            row.setdefault("next_attempt_at", now)
    ids = bulk_insert(Message, rows)
    pending = [
        pk
        for pk, row in zip(ids, rows, strict=True)
        if row.get("state", MessageState.PENDING) == MessageState.PENDING
    ]
    if deliver and pending:
        from ..tasks import deliver_messages

        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            transaction.on_commit(lambda chunk=chunk: deliver_messages(chunk), robust=True)
    return ids


def _save_once(row: Message) -> bool:
    """Insert ``row`` unless a row with its dedupe key exists; False when it was a duplicate.

    The existence check skips the common case cheaply; the savepoint turns the unique
    constraint into the answer when two transactions enqueue the same key at once, without
    breaking the caller's transaction.
    """
    if row.dedupe_key is None:
        row.save()
        return True
    if Message.objects.filter(dedupe_key=row.dedupe_key).exists():
        return False
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        return False
    return True


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed attempt: base, 2×base, 4×base … (capped)."""
    exponent = min(max(attempts - 1, 0), 30)
    return min(dt.timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS * 2**exponent), MAX_BACKOFF)


def claim(pk: int, now: dt.datetime) -> Message | None:
    """Claim a pending, due message for one attempt; None when it is not due or taken.

    The claim is a conditional UPDATE on the values this worker read (state, attempts,
    next attempt): of two workers that read the same row, exactly one moves
    ``next_attempt_at`` to ``now + LEASE``; the other's UPDATE matches nothing.
    """
    msg = Message.objects.filter(pk=pk).first()
    if msg is None or msg.state != MessageState.PENDING:
        return None
    if msg.next_attempt_at and msg.next_attempt_at > now:
        return None
    claimed = Message.objects.filter(
        pk=pk,
        state=MessageState.PENDING,
        attempts=msg.attempts,
        next_attempt_at=msg.next_attempt_at,
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    msg.next_attempt_at = now + LEASE
    return msg


def attempt(msg: Message, now: dt.datetime) -> bool:
    """Send a message claimed by ``claim`` once; record the outcome in the delivery log.

    The outcome is written only while this worker's claim still holds (same attempts, same
    lease): a worker that overran its lease logs its try but leaves the row to the worker
    that took over.
    """
    status_code = None
    permanent = False
    try:
        endpoint = msg.endpoint
        if endpoint is None and msg.channel in PHONE_CHANNELS:
            endpoint = gateway_for(msg.channel)
            if endpoint is None:
                raise DeliveryError(
                    "no SMS gateway is configured"
                    if msg.channel == Channel.SMS
                    else "no voice-call gateway is configured"
                )
        if endpoint is not None and not endpoint.enabled:
            raise DeliveryError("endpoint disabled")
        status_code, detail = send(msg, endpoint, timeout=settings.OUTBOX_HTTP_TIMEOUT)
        ok = True
    except DeliveryError as exc:
        ok, detail, status_code = False, str(exc), exc.status_code
        permanent = exc.permanent
    except Exception as exc:  # anything else the channel raised (SMTP errors …): retried
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    attempts = msg.attempts + 1
    if ok:
        values = {
            "state": MessageState.DELIVERED,
            "delivered_at": now,
            "next_attempt_at": None,
            "last_error": "",
        }
    elif permanent or attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        values = {"state": MessageState.FAILED, "next_attempt_at": None}
    else:
        values = {"next_attempt_at": now + backoff(attempts)}
    if not ok:
        values["last_error"] = str(detail)[:500]
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=msg, at=now, success=ok, status_code=status_code, detail=str(detail)[:500]
        )
        Message.objects.filter(
            pk=msg.pk,
            state=MessageState.PENDING,
            attempts=msg.attempts,
            next_attempt_at=msg.next_attempt_at,
        ).update(attempts=attempts, **values)
    if not ok:
        log.warning("delivery of message %s failed (attempt %s): %s", msg.pk, attempts, detail)
    return ok


def deliver_message(pk: int, now: dt.datetime | None = None) -> bool:
    """Try one pending, due message once. Claims it first so two workers never both send."""
    now = now or clock.now()
    msg = claim(pk, now)
    if msg is None:
        return False
    return attempt(msg, now)


def _setting(name: str, default: int) -> int:
    """An outbox tuning knob: Django setting, else ``DIXIAN_<NAME>`` environment, else default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(f"DIXIAN_{name}", default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def gateway_batch_size() -> int:
    """Phone messages per gateway request (``OUTBOX_GATEWAY_BATCH``; 0 or 1: one each)."""
    return max(_setting("OUTBOX_GATEWAY_BATCH", 0), 1)


def delivery_concurrency() -> int:
    """Gateway requests in flight at once per batch (``OUTBOX_DELIVERY_CONCURRENCY``)."""
    return max(_setting("OUTBOX_DELIVERY_CONCURRENCY", 8), 1)


_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _pool(size: int) -> concurrent.futures.ThreadPoolExecutor:
    """Sender threads kept for the process, so their keep-alive connections are reused."""
    global _executor
    with _executor_lock:
        if _executor is None or _executor._max_workers != size:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = concurrent.futures.ThreadPoolExecutor(size, "outbox-send")
        return _executor


def claim_many(ids, now: dt.datetime) -> list[Message]:
    """Claim the pending, due messages among ``ids`` in one statement pair (a lease, as
    ``claim``): rows are locked (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the IMMEDIATE
    write transaction), so two workers never claim the same row."""
    ids = list(ids)
    if not ids:
        return []
    lease = now + LEASE
    with transaction.atomic():
        qs = Message.objects.filter(pk__in=ids, state=MessageState.PENDING).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True, of=("self",))
        msgs = list(qs.select_related("endpoint").order_by("pk"))
        if msgs:
            Message.objects.filter(pk__in=[m.pk for m in msgs]).update(next_attempt_at=lease)
    for m in msgs:
        m.next_attempt_at = lease
    return msgs


def _send_phone(msgs: list[Message]) -> list[tuple[Message, bool, int | None, str, bool]]:
    """Send claimed phone messages (SMS, voice) concurrently over kept-alive connections,
    in gateway batches when configured. No database work here (sender threads)."""
    timeout = settings.OUTBOX_HTTP_TIMEOUT
    outcomes: list[tuple[Message, bool, int | None, str, bool]] = []
    endpoints = {}
    jobs = []
    by_endpoint: dict[int, list[Message]] = {}
    for msg in msgs:
        if msg.channel not in endpoints:
            endpoints[msg.channel] = gateway_for(msg.channel)
        endpoint = endpoints[msg.channel]
        if endpoint is None:
            detail = (
                "no SMS gateway is configured"
                if msg.channel == Channel.SMS
                else "no voice-call gateway is configured"
            )
            outcomes.append((msg, False, None, detail, False))
        elif not msg.address:
            outcomes.append((msg, False, None, "recipient has no mobile number", True))
        else:
            by_endpoint.setdefault(endpoint.pk, []).append(msg)
    size = gateway_batch_size()
    by_pk = {e.pk: e for e in endpoints.values() if e is not None}
    for endpoint_pk, group in by_endpoint.items():
        endpoint = by_pk[endpoint_pk]
        if size > 1:
            for start in range(0, len(group), size):
                jobs.append(("batch", endpoint, group[start : start + size]))
        else:
            jobs.extend(("one", endpoint, [m]) for m in group)

    def run(job):
        how, endpoint, part = job
        if how == "batch":
            results = send_phone_batch(part, endpoint, timeout=timeout)
            return [
                (m, ok, code, detail, False)
                for m, (ok, code, detail) in zip(part, results, strict=True)
            ]
        msg = part[0]
        try:
            code, detail = send(msg, endpoint, timeout=timeout)
        except DeliveryError as exc:
            return [(msg, False, exc.status_code, str(exc), exc.permanent)]
        except Exception as exc:  # anything else the channel raised: retried
            return [(msg, False, None, f"{type(exc).__name__}: {exc}", False)]
        return [(msg, True, code, detail, False)]

    if len(jobs) == 1:
        outcomes.extend(run(jobs[0]))
    elif jobs:
        for result in _pool(delivery_concurrency()).map(run, jobs):
            outcomes.extend(result)
    return outcomes


def _record(outcomes, now: dt.datetime) -> int:
    """Write the delivery log (one ``DeliveryAttempt`` per message) and move the rows, with
    one UPDATE per distinct outcome, only while this worker's lease holds."""
    max_attempts = settings.OUTBOX_MAX_ATTEMPTS
    groups: dict[tuple, list[int]] = {}
    log_rows = []
    for msg, ok, status_code, detail, permanent in outcomes:
        attempts = msg.attempts + 1
        if ok:
            values = (
                ("state", MessageState.DELIVERED),
                ("delivered_at", now),
                ("next_attempt_at", None),
                ("last_error", ""),
            )
        elif permanent or attempts >= max_attempts:
            values = (
                ("state", MessageState.FAILED),
                ("next_attempt_at", None),
                ("last_error", str(detail)[:500]),
            )
        else:
            values = (
                ("next_attempt_at", now + backoff(attempts)),
                ("last_error", str(detail)[:500]),
            )
        key = (msg.attempts, msg.next_attempt_at, values)
        groups.setdefault(key, []).append(msg.pk)
        log_rows.append(
            DeliveryAttempt(
                message_id=msg.pk,
                at=now,
                success=ok,
                status_code=status_code,
                detail=str(detail)[:500],
            )
        )
        if not ok:
            log.warning("delivery of message %s failed (attempt %s): %s", msg.pk, attempts, detail)
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(log_rows, batch_size=1000)
        for (old_attempts, lease, values), ids in groups.items():
            for start in range(0, len(ids), 900):
                Message.objects.filter(
                    pk__in=ids[start : start + 900],
                    state=MessageState.PENDING,
                    attempts=old_attempts,
                    next_attempt_at=lease,
                ).update(attempts=old_attempts + 1, **dict(values))
    return sum(1 for o in outcomes if o[1])


def deliver_batch(ids, now: dt.datetime | None = None, chunk: int = 500) -> int:
    """Attempt many pending, due messages once (the worker's path for fresh messages and
    the sweeper's for retries); return how many were delivered.

    Per chunk: one claim, the phone messages sent concurrently over kept-alive connections
    (in gateway batches when ``OUTBOX_GATEWAY_BATCH`` > 1), one bulk write of the delivery
    log and one UPDATE per distinct outcome. Other channels (e-mail, robots) are attempted
    one by one as ``deliver_message`` does.
    """
    now = now or clock.now()
    ids = list(ids)
    delivered = 0
    for start in range(0, len(ids), chunk):
        msgs = claim_many(ids[start : start + chunk], now)
        phone = [m for m in msgs if m.channel in PHONE_CHANNELS and m.endpoint_id is None]
        for msg in msgs:
            if not (msg.channel in PHONE_CHANNELS and msg.endpoint_id is None):
                delivered += attempt(msg, now)
        if phone:
            delivered += _record(_send_phone(phone), now)
    return delivered


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Attempt every pending message whose next attempt is due; return how many succeeded."""
    now = now or clock.now()
    ids = list(
        Message.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliver_batch(ids, now)


def unread_count(user) -> int:
    """The bell: how many in-app messages the user has not read."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(
        recipient=user, channel=Channel.INAPP, read_at__isnull=True
    ).count()


def mark_read(*, user, message_ids=None) -> int:
    """Mark the user's in-app messages read (all when ``message_ids`` is None)."""
    qs = Message.objects.filter(recipient=user, channel=Channel.INAPP, read_at__isnull=True)
    if message_ids is not None:
        qs = qs.filter(pk__in=message_ids)
    return qs.update(read_at=clock.now())
