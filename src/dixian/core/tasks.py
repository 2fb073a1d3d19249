"""Background tasks: thin wrappers that call services (huey)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import deadlines


@db_periodic_task(crontab(minute="*"))
def sweep_every_minute():
    return deadlines.sweep()


@db_task()
def sweep_deadlines():
    return deadlines.sweep()


@db_task(retries=2, retry_delay=5)
def deliver_messages(ids):
    from .notify import deliver_message

    return [deliver_message(pk) for pk in ids]
