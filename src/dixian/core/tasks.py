"""Background tasks: thin wrappers that call services (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import deadlines


@db_periodic_task(crontab(minute="*"))
def sweep_every_minute():
    """The deadline sweeper: advance every due row (the net under the ETA sweeps)."""
    return deadlines.sweep()


@db_task()
def sweep_deadlines():
    """An extra sweep at a requested time (``deadlines.schedule_at``)."""
    return deadlines.sweep()


@db_task(retries=2, retry_delay=5)
def deliver_messages(ids):
    """First delivery attempt of freshly enqueued outbox messages (after commit)."""
    from .notify import deliver_batch

    return deliver_batch(ids)
