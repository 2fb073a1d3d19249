"""Deadlines: due times live in indexed columns; one sweeper advances due rows.

A handler names a model, its due-time column and the state a due row must be in. The
sweeper selects due rows and moves each with a conditional ``UPDATE … WHERE pk = … AND
state = expected AND due <= now``: whichever worker wins the update runs the consequences,
in the same transaction; a second sweep, or a second worker, finds nothing to do. Nothing
keeps time in memory, so a restart loses nothing.

Apps register handlers with ``@register``; ``sweep(now)`` runs them all (the huey periodic
task calls it every minute; ``schedule_at(due)`` adds an ETA run for sub-minute precision).
A row whose consequences raise is rolled back and left due (retried next sweep) without
stopping the other rows; a handler that raises outright does not stop the other handlers.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from . import clock

log = logging.getLogger(__name__)

# How far ahead ``schedule_at`` asks huey for an ETA sweep. Later deadlines are left to the
# minute sweep (at most a minute late), so huey's schedule does not fill with stale ETAs.
ETA_HORIZON = dt.timedelta(hours=1)


class DeadlineHandler:
    """Advance rows of ``model`` whose ``due_field`` has passed from ``from_state`` on."""

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
        """Move one row with a conditional update; run ``on_due`` only if this call moved it."""
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
        """Advance up to ``batch`` due rows, oldest first; return how many this run moved."""
        ids = list(
            self.due_queryset(now)
            .order_by(self.due_field, "pk")
            .values_list("pk", flat=True)[: self.batch]
        )
        done = 0
        for pk in ids:
            try:
                done += self.advance(pk, now)
            except Exception:  # rolled back: the row stays due; the others go on
                log.exception("deadline handler %s failed on row %s", self.name, pk)
        return done


_handlers: list[DeadlineHandler] = []


def register(cls: type[DeadlineHandler]) -> type[DeadlineHandler]:
    """Class decorator: add (or replace, by name) a deadline handler."""
    handler = cls()
    handler.name = handler.name or cls.__name__
    _handlers[:] = [h for h in _handlers if h.name != handler.name] + [handler]
    return cls


def unregister(name_or_cls: str | type[DeadlineHandler]) -> None:
    """Remove a handler by name or class (tests register throwaway handlers)."""
    if isinstance(name_or_cls, str):
        name = name_or_cls
    else:
        name = name_or_cls.name or name_or_cls.__name__
    _handlers[:] = [h for h in _handlers if h.name != name]


def handlers() -> list[DeadlineHandler]:
    return list(_handlers)


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Advance every due row of every registered handler. Idempotent.

    Returns rows moved per handler name; -1 for a handler that raised.
    """
    now = now or clock.now()
    done = {}
    for handler in list(_handlers):
        try:
            done[handler.name] = handler.run(now)
        except Exception:  # one broken handler must not stop the others
            log.exception("deadline handler %s failed", handler.name)
            done[handler.name] = -1
    return done


def schedule_at(due: dt.datetime) -> bool:
    """Ask for an extra sweep at ``due`` (sub-minute precision); the minute sweep is the net.

    The ETA is handed to huey after the caller's transaction commits (the due row must be
    visible to the worker), as a delay measured on ``clock.now()``: huey's own schedule runs
    on the wall clock, so a frozen or offset clock still gets its sweep ``due - now`` later,
    never before the due time. A due time already passed sweeps at once. In huey's immediate
    mode (tests) that means: past due → swept synchronously on commit; future → parked in
    huey's schedule, not run early. Returns whether an ETA sweep was requested (False beyond
    ``ETA_HORIZON``).
    """
    if timezone.is_naive(due):
        raise ValueError("schedule_at() needs an aware datetime")
    if due - clock.now() > ETA_HORIZON:
        return False
    # robust: if the queue is down, the minute sweep still advances the row.
    transaction.on_commit(lambda: _schedule_sweep(due), robust=True)
    return True


def _schedule_sweep(due: dt.datetime) -> None:
    from .tasks import sweep_deadlines

    delay = (due - clock.now()).total_seconds()
    if delay <= 0:
        sweep_deadlines()
    else:
        sweep_deadlines.schedule(delay=delay)
