"""Deadlines: due times live in indexed columns; one sweeper advances due rows.

A handler names a model, its due-time column and the state a due row must be in. The
sweeper selects due rows and moves each with a conditional ``UPDATE … WHERE pk = … AND
state = expected``: whichever worker wins the update runs the consequences, in the same
transaction; a second sweep, or a second worker, finds nothing to do. Nothing keeps time
in memory, so a restart loses nothing.

Apps register handlers with ``@register``; ``sweep(now)`` runs them all (the huey periodic
task calls it every minute; ``schedule_at(due)`` adds an ETA run for sub-minute precision).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction

from . import clock

log = logging.getLogger(__name__)


class DeadlineHandler:
    model = None
    due_field = "due_at"
    state_field = "state"
    from_state: str = ""
    to_state: str = ""
    batch = 500
    name = ""

    def due_queryset(self, now: dt.datetime):
        return self.model._default_manager.filter(
            **{f"{self.due_field}__lte": now, self.state_field: self.from_state}
        )

    def transition_values(self, now: dt.datetime) -> dict:
        return {self.state_field: self.to_state}

    def on_due(self, obj, now: dt.datetime) -> None:
        """Consequences of the transition (outbox rows, audit), inside its transaction."""

    def advance(self, pk, now: dt.datetime) -> bool:
        with transaction.atomic():
            updated = (
                self.model._default_manager.filter(pk=pk, **{self.state_field: self.from_state})
                .filter(**{f"{self.due_field}__lte": now})
                .update(**self.transition_values(now))
            )
            if not updated:
                return False
            obj = self.model._default_manager.get(pk=pk)
            self.on_due(obj, now)
            return True

    def run(self, now: dt.datetime) -> int:
        ids = list(
            self.due_queryset(now)
            .order_by(self.due_field)
            .values_list("pk", flat=True)[: self.batch]
        )
        return sum(1 for pk in ids if self.advance(pk, now))


_handlers: list[DeadlineHandler] = []


def register(cls: type[DeadlineHandler]) -> type[DeadlineHandler]:
    handler = cls()
    handler.name = handler.name or cls.__name__
    _handlers[:] = [h for h in _handlers if h.name != handler.name] + [handler]
    return cls


def handlers() -> list[DeadlineHandler]:
    return list(_handlers)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Advance every due row of every registered handler. Idempotent."""
    now = now or clock.now()
    done = {}
    for handler in _handlers:
        try:
            done[handler.name] = handler.run(now)
        except Exception:  # one broken handler must not stop the others
            log.exception("deadline handler %s failed", handler.name)
            done[handler.name] = -1
    return done


_scheduler: Callable[[dt.datetime], None] | None = None


def schedule_at(due: dt.datetime) -> None:
    """Ask for an extra sweep at ``due`` (sub-minute precision); the minute sweep is the net."""
    from .tasks import sweep_deadlines

    if due - clock.now() < dt.timedelta(minutes=2):
        transaction.on_commit(lambda: sweep_deadlines.schedule(eta=due))
