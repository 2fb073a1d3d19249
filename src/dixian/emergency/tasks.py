"""Scheduled jobs of the emergency app (huey discovers this module)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(hour="0", minute="30"))  # 08:30 Beijing time
def daily_drill_reminders():
    return services.remind_due_drills()
