import sys

from django.core.management.base import BaseCommand, CommandError

from ... import audit


class Command(BaseCommand):
    help = (
        "Audit chain tools. 'verify': exit 0 if the chain is intact, else 1 naming the first break."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args, **options):
        checked, broken = audit.verify_chain()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))
            return
        self.stderr.write(f"AUDIT CHAIN BROKEN at event #{broken.seq}: {broken.reason}")
        self.stderr.write(f"({checked} events before it verified)")
        sys.stdout.flush()
        raise SystemExit(1)


__all__ = ["Command", "CommandError"]
