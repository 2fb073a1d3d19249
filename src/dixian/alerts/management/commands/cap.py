"""``dixian cap validate FILE`` / ``dixian cap import FILE``: CAP 1.2 from the command line."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Validate or import a CAP 1.2 message."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["validate", "import"])
        parser.add_argument("file")
        parser.add_argument("--release-from", default=None, help="auto-release from this level")

    def handle(self, *args, action, file, release_from=None, **options):
        from dixian.alerts import cap

        data = Path(file).read_bytes()
        if action == "validate":
            result = cap.validate(data)
            self.stdout.write(json.dumps(result, ensure_ascii=False))
            if not result["valid"]:
                sys.exit(1)
            return
        try:
            result = cap.import_message(data, auto_release_from=release_from)
        except cap.CapError as exc:
            self.stdout.write(
                json.dumps({"valid": False, "errors": exc.errors}, ensure_ascii=False)
            )
            sys.exit(1)
        self.stdout.write(json.dumps(result, ensure_ascii=False))
