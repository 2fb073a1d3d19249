"""``dixian hazard_summary rebuild|check|snapshot``: the 动态清零 board's summary table.

- ``rebuild`` recomputes the open-hazard summary from the hazards (after a bulk load or a
  restore); ``--snapshot-days N`` also (re)takes the daily snapshots of the last N days.
- ``check`` compares the summary with a direct count; exit 1 and the differences as JSON
  when they differ.
- ``snapshot`` takes the daily snapshots that are due (what the daily task does).
"""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from dixian.core import clock
from dixian.prevention import summary


class Command(BaseCommand):
    help = "Rebuild or check the summary of open hazards behind the 动态清零 board."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check", "snapshot"])
        parser.add_argument("--snapshot-days", type=int, default=0)

    def handle(self, *args, action, snapshot_days, **options):
        if action == "rebuild":
            rows = summary.rebuild()
            out = {"summary_rows": rows}
            if snapshot_days:
                yesterday = summary.local_day(clock.now()) - dt.timedelta(days=1)
                days = [yesterday - dt.timedelta(days=i) for i in range(snapshot_days)]
                scopes = summary.government_scopes()
                for day in days:
                    summary.take_snapshot(day, scopes=scopes)
                out["snapshot_days"] = len(days)
            self.stdout.write(json.dumps(out))
        elif action == "check":
            diff = summary.mismatches()
            self.stdout.write(
                json.dumps({"mismatches": diff[:100], "count": len(diff)}, default=str)
            )
            if diff:
                raise CommandError("the summary differs from the hazards", returncode=1)
        else:
            days = summary.take_due_snapshots()
            self.stdout.write(json.dumps({"snapshot_days": [d.isoformat() for d in days]}))
