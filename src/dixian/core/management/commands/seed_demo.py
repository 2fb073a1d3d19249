import json

from django.core.management.base import BaseCommand

from ... import demo


class Command(BaseCommand):
    help = "Load the Pinglu demo world; --list-users prints the demo accounts as JSON."

    def add_arguments(self, parser):
        parser.add_argument(
            "--list-users",
            action="store_true",
            help="print [{username, password, role, org}] for every demo account",
        )

    def handle(self, *args, **options):
        if options["list_users"]:
            if not demo.is_seeded():
                demo.seed()
            self.stdout.write(json.dumps(demo.list_users(), ensure_ascii=False, indent=2))
            return
        created = demo.seed()
        self.stdout.write(self.style.SUCCESS(f"Pinglu demo loaded: {created}"))
