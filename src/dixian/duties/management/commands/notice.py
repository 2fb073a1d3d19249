"""``dixian notice parse FILE [--json] [--match]``: the structure of a government notice.

``dixian notice import FILE --year 2024 [--dry-run]``: the notice's items become key tasks
(one per item and per sub-item) with their assignments and milestones; a second import of
the same notice changes nothing ("0 created, 0 changed"); a revised notice is applied as a
difference (printed without applying under ``--dry-run``). Unmatched names go to stderr.

Without ``--json`` an outline in Chinese; with it the parsed structure as JSON. ``--match``
matches every named body to an organisation of the current database (``org_id``,
``org_name`` or ``"unmatched": true``) and lists the unmatched names on stderr. Bad input
(not UTF-8, empty, no sections, unreadable file) exits with status 2.
"""

import datetime as dt
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ...notice_parser import NoticeError, outline, parse_notice_bytes


class Command(BaseCommand):
    help = (
        "Notice tools. 'parse FILE': print the structure of a government notice (UTF-8 text; "
        "'-' reads stdin) as an outline, or as JSON with --json; --match adds the organisation "
        "of each named department."
    )

    def add_arguments(self, parser):
        parser.add_argument("subcommand", choices=["parse", "import"])
        parser.add_argument("file", help="the notice, UTF-8 text ('-' for stdin)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--year", type=int, help="import: the year of the tasks")
        parser.add_argument(
            "--dry-run", action="store_true", help="import: show what would change, write nothing"
        )
        parser.add_argument(
            "--milestones",
            help="import: reporting month-days, comma-separated (default 03-31,06-30,09-30,12-31)",
        )
        parser.add_argument(
            "--match",
            action="store_true",
            help="match department names to organisations in the database",
        )

    def handle(self, *args, **options):
        path = options["file"]
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}", returncode=2) from None
        try:
            notice = parse_notice_bytes(data)
        except NoticeError as exc:
            raise CommandError(f"{path}: {exc}", returncode=2) from None
        if options["subcommand"] == "import":
            return self.handle_import(notice, options)

        unmatched = None
        if options["match"]:
            from ...matching import OrgIndex, annotate

            try:
                index = OrgIndex.from_db()
            except DatabaseError as exc:
                raise CommandError(
                    f"cannot read organisations ({exc}); run `dixian migrate` "
                    "(and `dixian seed-demo` for the demo) first"
                ) from None
            if not index.records:
                self.stderr.write("no organisations in the database: every name is unmatched")
            unmatched = annotate(notice, index)

        if options["json"]:
            self.stdout.write(json.dumps(notice, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(outline(notice))
        for warning in notice["warnings"]:
            self.stderr.write(f"note: {warning}")
        if unmatched is not None:
            self.stderr.write(self._unmatched_summary(unmatched))

    def handle_import(self, notice, options):
        from ...services import import_notice

        if not options["year"] or not 2000 <= options["year"] <= 2100:
            raise CommandError("import needs --year (e.g. --year 2024)", returncode=2)
        days = None
        if options["milestones"]:
            days = [d.strip() for d in options["milestones"].split(",") if d.strip()]
            for d in days:
                try:
                    month, day = (int(x) for x in d.split("-"))
                    dt.date(options["year"], month, day)
                except ValueError:
                    raise CommandError(
                        f"not a month-day: {d!r} (use MM-DD)", returncode=2
                    ) from None
        try:
            result = import_notice(
                notice, actor=None, year=options["year"], dry_run=options["dry_run"], days=days
            )
        except NoticeError as exc:
            raise CommandError(f"{options['file']}: {exc}", returncode=2) from None
        except DatabaseError as exc:
            raise CommandError(
                f"cannot write tasks ({exc}); run `dixian migrate` first", returncode=2
            ) from None
        lines = result.lines()
        if options["dry_run"]:
            lines[0] = "dry run, nothing written: " + lines[0]
        elif result.applied:
            lines.append(f"milestones created: {result.milestones_created}")
        self.stdout.write("\n".join(lines))
        for warning in result.warnings:
            self.stderr.write(f"note: {warning}")
        self.stderr.write(self._unmatched_summary(result.unmatched))

    @staticmethod
    def _unmatched_summary(unmatched: dict) -> str:
        if not unmatched:
            return "every named department matched an organisation"
        lines = [f"{len(unmatched)} name(s) matched no single organisation:"]
        for name, info in unmatched.items():
            line = f"  {name}  (items {'、'.join(info['items'])})"
            if info["candidates"]:
                line += f"  ambiguous: {'、'.join(info['candidates'])}"
            lines.append(line)
        return "\n".join(lines)
