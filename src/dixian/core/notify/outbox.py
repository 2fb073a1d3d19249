"""Outbox: write messages in the caller's transaction, deliver with retries and backoff."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction

from .. import clock
from ..choices import Channel, MessageState
from ..models import ChannelEndpoint, DeliveryAttempt, Message
from .channels import DeliveryError, send

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=5)


def _address_for(user, channel: str) -> str:
    person = getattr(user, "person", None)
    if channel == Channel.EMAIL:
        return user.email or (person.email if person else "")
    if channel == Channel.SMS:
        return person.mobile if person else ""
    return ""


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
) -> list[Message]:
    """Write outbox rows for each recipient × channel and each robot endpoint.

    In-app messages are delivered at once (they are the inbox). Others are delivered by the
    worker after the transaction commits; the sweeper retries what failed.
    """
    now = clock.now()
    rows: list[Message] = []
    for user in recipients:
        for channel in channels:
            if channel in (Channel.WECOM, Channel.DINGTALK, Channel.FEISHU):
                continue
            key = f"{dedupe_key}:{user.pk}:{channel}" if dedupe_key else None
            if key and Message.objects.filter(dedupe_key=key).exists():
                continue
            address = _address_for(user, channel)
            inapp = channel == Channel.INAPP
            rows.append(
                Message(
                    channel=channel,
                    recipient=user,
                    address=address,
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
    for endpoint in endpoints:
        key = f"{dedupe_key}:ep{endpoint.pk}" if dedupe_key else None
        if key and Message.objects.filter(dedupe_key=key).exists():
            continue
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
    for row in rows:
        row.save()
    pending = [r.pk for r in rows if r.state == MessageState.PENDING]
    if pending:
        from ..tasks import deliver_messages

        transaction.on_commit(lambda: deliver_messages(pending))
    return rows


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0)))


def deliver_message(pk: int, now: dt.datetime | None = None) -> bool:
    """Try one pending, due message once. Claims it first so two workers never both send."""
    now = now or clock.now()
    msg = Message.objects.filter(pk=pk).first()
    if msg is None or msg.state != MessageState.PENDING:
        return False
    if msg.next_attempt_at and msg.next_attempt_at > now:
        return False
    claimed = Message.objects.filter(
        pk=pk,
        state=MessageState.PENDING,
        attempts=msg.attempts,
        next_attempt_at=msg.next_attempt_at,
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return False
    status_code = None
    try:
        endpoint = msg.endpoint
        if endpoint is None and msg.channel == Channel.SMS:
            endpoint = ChannelEndpoint.objects.filter(kind=Channel.SMS, enabled=True).first()
            if endpoint is None:
                raise DeliveryError(_no_gateway())
        if endpoint is not None and not endpoint.enabled:
            raise DeliveryError("endpoint disabled")
        status_code, detail = send(msg, endpoint, timeout=settings.OUTBOX_HTTP_TIMEOUT)
        ok = True
    except DeliveryError as exc:
        ok, detail, status_code = False, str(exc), exc.status_code
    except Exception as exc:  # network errors, timeouts: retried
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    attempts = msg.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=msg, at=now, success=ok, status_code=status_code, detail=str(detail)[:500]
        )
        if ok:
            Message.objects.filter(pk=pk).update(
                state=MessageState.DELIVERED,
                delivered_at=now,
                attempts=attempts,
                next_attempt_at=None,
                last_error="",
            )
        elif attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            Message.objects.filter(pk=pk).update(
                state=MessageState.FAILED,
                attempts=attempts,
                next_attempt_at=None,
                last_error=str(detail)[:500],
            )
        else:
            Message.objects.filter(pk=pk).update(
                attempts=attempts,
                next_attempt_at=now + _backoff(attempts),
                last_error=str(detail)[:500],
            )
    if not ok:
        log.warning("delivery of message %s failed (attempt %s): %s", pk, attempts, detail)
    return ok


def _no_gateway() -> str:
    return "no SMS gateway is configured"


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Deliver every pending message whose next attempt is due."""
    now = now or clock.now()
    ids = list(
        Message.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if deliver_message(pk, now))


def unread_count(user) -> int:
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
