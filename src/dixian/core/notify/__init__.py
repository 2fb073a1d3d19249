"""The notification outbox: services write Message rows; the worker delivers them."""

from .outbox import (
    deliver_batch,
    deliver_due,
    deliver_message,
    enqueue,
    enqueue_bulk,
    gateway_for,
    mark_read,
    unread_count,
)

__all__ = [
    "deliver_batch",
    "deliver_due",
    "deliver_message",
    "enqueue",
    "enqueue_bulk",
    "gateway_for",
    "mark_read",
    "unread_count",
]
