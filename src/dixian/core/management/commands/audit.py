"""``dixian audit verify``: walk the audit chain; exit 0 if intact, else 1 naming the break."""

from django.core.management.base import BaseCommand, CommandError

from ... import audit


class Command(BaseCommand):
    help = (
        "Audit chain tools. 'verify': exit 0 if the chain is intact, else 1 naming the first break."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args, **options):
        from ...models import AuditEvent

        checked, broken = audit.verify_chain()
        if broken is None:
            # The chain verified is #1..#checked; its head hash can be anchored elsewhere.
            head = AuditEvent.objects.filter(seq=checked).only("seq", "hash").first()
            self.stdout.write(
                self.style.SUCCESS(f"audit chain intact: {checked} events verified")
                + (f" (head #{head.seq} {head.hash})" if head is not None else "")
            )
            return
        self.stderr.write(f"AUDIT CHAIN BROKEN at event #{broken.seq}: {broken.reason}")
        self.stderr.write(f"({checked} events before it verified)")
        self.stdout.flush()
        self.stderr.flush()
        raise SystemExit(1)


__all__ = ["Command", "CommandError"]
