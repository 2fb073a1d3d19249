"""The notification outbox: services write Message rows; the worker delivers them."""

from .outbox import (
    bulk_insert,
    deliver_batch,
    deliver_due,
    deliver_message,
    enqueue,
    enqueue_bulk,
    enqueue_values,
    gateway_for,
    mark_read,
    unread_count,
)

__all__ = [
    "bulk_insert",
    "enqueue_values",
    "deliver_batch",
    "deliver_due",
    "deliver_message",
    "enqueue",
    "enqueue_bulk",
    "gateway_for",
    "mark_read",
    "unread_count",
]
