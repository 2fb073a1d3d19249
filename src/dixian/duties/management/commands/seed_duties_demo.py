from django.core.management.base import BaseCommand

from ... import demo


class Command(BaseCommand):
    help = "Import the Pinglu 2024 work-safety notice as the demo's key tasks (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, default=2024)

    def handle(self, *args, **options):
        result = demo.seed(options["year"])
        self.stdout.write(self.style.SUCCESS(f"Pinglu key tasks: {result.summary}"))
