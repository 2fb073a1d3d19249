"""Scheduled jobs of double prevention (huey discovers this module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import summary


@db_periodic_task(crontab(hour="16", minute="5"))  # 00:05 Beijing time
def daily_hazard_snapshot():
    """The 动态清零 trend: the snapshot of the day that just ended (and any missing day of
    the trend's window)."""
    return [d.isoformat() for d in summary.take_due_snapshots()]
