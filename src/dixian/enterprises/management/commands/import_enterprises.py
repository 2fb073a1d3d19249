"""``dixian import-enterprises FILE``: import enterprises (or ``--licences``) from Excel.

All or nothing, as on the upload page: with any bad row nothing is written and every
problem is printed as ``row<TAB>column<TAB>message``; the exit status is then 1.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation


class Command(BaseCommand):
    help = "Import enterprises (or licences) from an .xlsx file; all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file (see the template on the import page)")
        parser.add_argument(
            "--licences", action="store_true", help="the file holds licences, not enterprises"
        )
        parser.add_argument("--template", action="store_true", help="write the template to FILE")

    def handle(self, *args, file, licences, template, **options):
        from django.conf import settings

        from dixian.enterprises import imports

        translation.activate(settings.LANGUAGE_CODE)
        path = Path(file)
        columns = imports.LICENCE_COLUMNS if licences else imports.ENTERPRISE_COLUMNS
        if template:
            path.write_bytes(
                imports.template_xlsx(columns, "licences" if licences else "enterprises")
            )
            self.stdout.write(str(path))
            return
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        run = imports.import_licences if licences else imports.import_enterprises
        try:
            result = run(actor=None, data=path.read_bytes(), filename=path.name)
        except imports.ImportFailed as exc:
            for e in exc.errors:
                self.stderr.write(f"{e.row}\t{e.column}\t{e.message}")
            raise CommandError(f"nothing imported: {len(exc.errors)} problems") from None
        self.stdout.write(f"imported {result['created']}")
