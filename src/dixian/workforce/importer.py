"""Employee import and export (.xlsx): one template, all-or-nothing import.

The import checks every row first and lists every problem as (row, column, message); only
a file without problems is applied, in one transaction. The training gate applies: a row
that puts a person on a post requiring a certificate or training is refused (a new person
has neither yet — record the certificate and training first, then assign the post).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dixian.core import audit

from . import services
from .models import Employee, Post

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MOBILE_RE = re.compile(r"^1\d{10}$")


def columns() -> list[tuple[str, str, bool]]:
    """(key, Chinese header, required) in template order."""
    return [
        ("name", "姓名", True),
        ("mobile", "手机号", False),
        ("staff_number", "工号", False),
        ("post", "岗位", False),
        ("hired_on", "入职日期", False),
    ]


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} problems")


def _workbook(rows: list[list], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([c[1] for c in columns()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, _col in enumerate(columns()):
        ws.column_dimensions[chr(ord("A") + i)].width = 18
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_bytes() -> bytes:
    return _workbook([["张三（示例）", "13800000000", "A001", "", "2024-01-02"]], "从业人员")


def export_bytes(employees) -> bytes:
    rows = [
        [
            e.person.name,
            e.person.mobile,
            e.staff_number,
            e.post.name if e.post_id else "",
            e.hired_on.isoformat() if e.hired_on else "",
        ]
        for e in employees.select_related("person", "post")
    ]
    return _workbook(rows, "从业人员")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(text) from None


def read_rows(data: bytes) -> list[tuple[int, dict]]:
    """The data rows of an uploaded workbook as (row number, {key: value})."""
    from openpyxl import load_workbook

    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRejected([RowError(0, "", _("The file is larger than 2 MB."))])
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportRejected(
            [RowError(0, "", _("The file is not an Excel workbook (.xlsx); use the template."))]
        )
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 — any unreadable workbook is the same answer to the user
        raise ImportRejected(
            [RowError(0, "", _("The workbook cannot be read; save it again as .xlsx."))]
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, [])]
    expected = [c[1] for c in columns()]
    missing = [h for h in expected if h not in header]
    if missing:
        raise ImportRejected(
            [
                RowError(1, h, _("The column is missing; use the template's header row."))
                for h in missing
            ]
        )
    index = {key: header.index(label) for key, label, _req in columns()}
    out = []
    for number, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(header) - len(values))
        if all(v in (None, "") for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise ImportRejected(
                [RowError(number, "", _("At most 5000 rows can be imported at once."))]
            )
        out.append((number, {key: values[i] for key, i in index.items()}))
    wb.close()
    return out


def check_rows(enterprise, rows) -> tuple[list[dict], list[RowError]]:
    """Validate every row; returns (clean rows, problems)."""
    label = {key: header for key, header, _req in columns()}
    posts = {p.name: p for p in Post.objects.filter(enterprise=enterprise)}
    existing_numbers = set(
        Employee.objects.filter(enterprise=enterprise)
        .exclude(staff_number="")
        .values_list("staff_number", flat=True)
    )
    seen_numbers: dict[str, int] = {}
    clean, errors = [], []
    for number, raw in rows:
        row_errors = []
        name = _text(raw["name"])
        mobile = _text(raw["mobile"])
        staff_number = _text(raw["staff_number"])
        post_name = _text(raw["post"])
        if not name:
            row_errors.append(RowError(number, label["name"], _("The name is required.")))
        elif len(name) > 50:
            row_errors.append(RowError(number, label["name"], _("At most 50 characters.")))
        if mobile and not MOBILE_RE.match(mobile):
            row_errors.append(
                RowError(
                    number, label["mobile"], _("A mobile number has 11 digits starting with 1.")
                )
            )
        if staff_number:
            if len(staff_number) > 40:
                row_errors.append(
                    RowError(number, label["staff_number"], _("At most 40 characters."))
                )
            elif staff_number in existing_numbers:
                row_errors.append(
                    RowError(number, label["staff_number"], _("This staff number already exists."))
                )
            elif staff_number in seen_numbers:
                row_errors.append(
                    RowError(
                        number,
                        label["staff_number"],
                        _("The same staff number is already in row %(row)s.")
                        % {"row": seen_numbers[staff_number]},
                    )
                )
            seen_numbers.setdefault(staff_number, number)
        post = None
        if post_name:
            post = posts.get(post_name)
            if post is None:
                row_errors.append(
                    RowError(
                        number,
                        label["post"],
                        _("No post “%(post)s” at this enterprise; add the post first.")
                        % {"post": post_name},
                    )
                )
            elif post.required_certificate_id or post.requires_training:
                row_errors.append(
                    RowError(
                        number,
                        label["post"],
                        _(
                            "The post “%(post)s” requires a certificate or training that a new "
                            "person does not have yet; leave the post empty, record the "
                            "qualification, then assign the post."
                        )
                        % {"post": post_name},
                    )
                )
        try:
            hired_on = _date(raw["hired_on"])
        except ValueError:
            hired_on = None
            row_errors.append(
                RowError(number, label["hired_on"], _("Write the date as 2024-01-31."))
            )
        errors.extend(row_errors)
        if not row_errors:
            clean.append(
                {
                    "name": name,
                    "mobile": mobile,
                    "staff_number": staff_number,
                    "post": post,
                    "hired_on": hired_on,
                }
            )
    return clean, errors


def import_employees(*, actor, enterprise, data: bytes) -> int:
    """Import the workbook for ``enterprise``: all rows or none. Returns rows imported;
    raises ``ImportRejected`` with every problem."""
    if not services.may_enter(actor, enterprise):
        raise PermissionDenied
    rows = read_rows(data)
    if not rows:
        raise ImportRejected([RowError(2, "", _("The workbook has no data rows."))])
    clean, errors = check_rows(enterprise, rows)
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        for row in clean:
            person = services.new_person(
                enterprise=enterprise, name=row["name"], mobile=row["mobile"]
            )
            employee = Employee(
                enterprise=enterprise,
                person=person,
                staff_number=row["staff_number"],
                post=row["post"],
                hired_on=row["hired_on"],
            )
            try:
                employee.full_clean()
            except ValidationError as exc:  # pragma: no cover — checked above
                raise ImportRejected([RowError(0, "", "; ".join(exc.messages))]) from None
            employee.save()
        audit.record(
            action="employee.import",
            object_type="workforce.employee",
            object_repr=f"{enterprise} · {len(clean)}"[:255],
            actor=actor,
            org_id=enterprise.pk,
            after={"rows": len(clean), "names": [r["name"] for r in clean][:200]},
        )
    return len(clean)
