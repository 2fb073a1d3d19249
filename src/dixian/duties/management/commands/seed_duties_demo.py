from django.core.management.base import BaseCommand

from ... import demo


class Command(BaseCommand):
    help = (
        "Load the duties demo: the Pinglu 2024 work-safety notice as key tasks, leaders in "
        "charge, committee meetings, 包保 assignments and duty lists (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2024)

    def handle(self, *args, **options):
        result = demo.seed(options["year"])
        counts = ", ".join(f"{k}={v}" for k, v in result.items())
        self.stdout.write(self.style.SUCCESS(f"Duties demo: {counts}"))
