"""``dixian notice parse FILE [--json] [--match]``: the structure of a government notice.

Without ``--json`` an outline in Chinese; with it the parsed structure as JSON. ``--match``
matches every named body to an organisation of the current database (``org_id``,
``org_name`` or ``"unmatched": true``) and lists the unmatched names on stderr. Bad input
(not UTF-8, empty, no sections, unreadable file) exits with status 2.
"""

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
        parser.add_argument("subcommand", choices=["parse"])
        parser.add_argument("file", help="the notice, UTF-8 text ('-' for stdin)")
        parser.add_argument("--json", action="store_true", help="print JSON")
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
