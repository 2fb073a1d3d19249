"""The background worker: huey consumer (tasks, retries) plus the every-minute deadline sweep."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background worker and the deadline sweeper (Ctrl-C stops)."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None)

    def handle(self, *args, **options):
        from django.conf import settings

        if settings.HUEY.get("immediate"):
            self.stderr.write("huey is in immediate mode (tests); nothing to consume")
            return
        argv = []
        if options["workers"]:
            argv += ["--workers", str(options["workers"])]
        # run_huey runs the periodic sweep (crontab every minute) and the queued tasks.
        call_command("run_huey", *argv)
