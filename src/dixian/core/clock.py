"""The one clock. Tests freeze it; services, the sweeper and the audit chain read it."""

import contextlib
import datetime as dt
from contextvars import ContextVar

from django.utils import timezone

_frozen: ContextVar[dt.datetime | None] = ContextVar("dixian_frozen_now", default=None)
_global_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    value = _frozen.get()
    if value is not None:
        return value
    if _global_frozen:
        return _global_frozen[-1]
    return timezone.now()


@contextlib.contextmanager
def frozen(at: dt.datetime):
    """Freeze ``now()`` at ``at`` (aware) for the block, in every thread of this process."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    _global_frozen.append(at)
    token = _frozen.set(at)
    try:
        yield
    finally:
        _frozen.reset(token)
        _global_frozen.pop()
