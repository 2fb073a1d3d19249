"""Employee import/export (all-or-nothing, every bad row listed) and the scoped API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from dixian.core.models import Person
from dixian.workforce import importer
from dixian.workforce.models import Employee, FeeAccount, FeeAccrual, Post, ScoreCycle


def workbook(rows, header=("姓名", "手机号", "工号", "岗位", "入职日期")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_template_and_export_share_the_layout(client_for, alumina):
    c = client_for("enterprise")
    template = load_workbook(io.BytesIO(c.get("/workforce/employees/template.xlsx").content))
    header = [cell.value for cell in template.active[1]]
    assert header == ["姓名", "手机号", "工号", "岗位", "入职日期"]
    export = load_workbook(io.BytesIO(c.get("/workforce/employees/export.xlsx").content))
    rows = list(export.active.iter_rows(values_only=True))
    assert list(rows[0]) == header
    names = {r[0] for r in rows[1:]}
    assert (
        "赵海涛（示例）" in names
        and len(rows) - 1 == Employee.objects.filter(enterprise=alumina).count()
    )
    # Another enterprise's staff never appear in this export.
    assert not names & set(Person.objects.exclude(org=alumina).values_list("name", flat=True))


def test_import_all_or_nothing_with_every_problem(users, alumina):
    Post.objects.create(enterprise=alumina, name="保洁（测试）", requires_training=False)
    data = workbook(
        [
            ("王一（测试）", "13800000001", "T001", "保洁（测试）", "2024-03-01"),
            ("", "12345", "T002", "", ""),
            ("王三（测试）", "", "T001", "不存在的岗位", "2024/13/40"),
            ("王四（测试）", "", "A1001", "电工", ""),
        ]
    )
    before = Employee.objects.count()
    with pytest.raises(importer.ImportRejected) as exc:
        importer.import_employees(actor=users["enterprise"], enterprise=alumina, data=data)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {
        (3, "姓名"),
        (3, "手机号"),
        (4, "工号"),  # duplicate of row 2
        (4, "岗位"),
        (4, "入职日期"),
        (5, "工号"),  # already an employee's
        (5, "岗位"),  # requires a certificate: the training gate
    }
    assert Employee.objects.count() == before


def test_import_applies_a_clean_file(users, alumina):
    Post.objects.create(enterprise=alumina, name="保洁（测试）", requires_training=False)
    data = workbook([("王一（测试）", 13800000001, "T001", "保洁（测试）", "2024-03-01")])
    assert importer.import_employees(actor=users["enterprise"], enterprise=alumina, data=data) == 1
    e = Employee.objects.get(staff_number="T001")
    assert e.person.mobile == "13800000001" and e.post.name == "保洁（测试）"
    assert str(e.hired_on) == "2024-03-01"


def test_import_page_lists_errors_in_chinese(client_for, alumina):
    data = workbook([("", "", "", "", "")] + [("", "1", "", "", "")])
    r = client_for("enterprise").post(
        "/workforce/employees/import/",
        {"enterprise": alumina.pk, "file": SimpleUploadedFile("e.xlsx", data)},
    )
    assert r.status_code == 200
    text = r.content.decode()
    assert "姓名" in text and "必须填写姓名" in text
    not_xlsx = client_for("enterprise").post(
        "/workforce/employees/import/",
        {"enterprise": alumina.pk, "file": SimpleUploadedFile("e.xlsx", b"name,mobile\n")},
    )
    assert "不是 Excel 工作簿" in not_xlsx.content.decode()


def test_department_may_not_import_for_the_enterprise(users, alumina):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        importer.import_employees(
            actor=users["inspector"], enterprise=alumina, data=workbook([("x", "", "", "", "")])
        )


# --- API ---------------------------------------------------------------------------------------


def api(client, method, path, data=None):
    return getattr(client, method)(
        f"/api/v1/workforce/{path}", data=data, content_type="application/json"
    )


def test_api_is_scoped(client_for, alumina, coal):
    own = FeeAccount.objects.get(enterprise=alumina)
    other = FeeAccount.objects.get(enterprise=coal)
    e = client_for("enterprise")
    ids = {r["id"] for r in api(e, "get", "fee-accounts/").json()["results"]}
    assert ids == {own.pk}
    assert api(e, "get", f"fee-accounts/{other.pk}/").status_code == 404
    assert {
        r["id"] for r in api(client_for("inspector"), "get", "fee-accounts/").json()["results"]
    } >= {
        own.pk,
        other.pk,
    }
    assert api(client_for("housing"), "get", "fee-accounts/").json()["count"] == 0
    compliance = api(e, "get", "staffing-compliance/").json()
    assert [r["enterprise_name"] for r in compliance] == [
        "山西河源氧化铝有限公司",
        "山西河源氧化铝有限公司赤泥堆场",
    ]


def test_api_accrual_and_review(client_for, alumina):
    account = FeeAccount.objects.get(enterprise=alumina)
    e = client_for("enterprise")
    r = api(
        e,
        "post",
        "fee-accruals/",
        {"account": account.pk, "month": "2024-12-10", "revenue_yuan": "120000000"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["required_yuan"] == "215416.67" and r.json()["month"] == "2024-12-01"
    pk = r.json()["id"]
    assert api(e, "post", f"fee-accruals/{pk}/review/", {"decision": "accept"}).status_code == 403
    inspector = client_for("inspector")
    assert (
        api(
            inspector,
            "post",
            "fee-accruals/",
            {"account": account.pk, "month": "2024-12-01", "revenue_yuan": "1"},
        ).status_code
        == 403
    )
    r = api(inspector, "post", f"fee-accruals/{pk}/review/", {"decision": "return"})
    assert r.status_code == 400  # a return needs a reason
    r = api(inspector, "post", f"fee-accruals/{pk}/review/", {"decision": "return", "note": "补"})
    assert r.status_code == 200 and r.json()["state"] == "returned"
    assert FeeAccrual.objects.get(pk=pk).review_note == "补"
    # Out of scope: the account is not even valid input.
    r = api(
        client_for("housing"),
        "post",
        "fee-accruals/",
        {"account": account.pk, "month": "2024-12-01"},
    )
    assert r.status_code == 400


def test_api_training_gate(client_for, alumina):
    employee = Employee.objects.get(person__name="郑国庆（示例）")
    post = Post.objects.get(enterprise=alumina, name="电工")
    e = client_for("enterprise")
    r = api(e, "post", f"employees/{employee.pk}/qualification/", {"post": post.pk})
    assert r.status_code == 400 and "电工作业" in r.content.decode()
    gate = api(
        e,
        "get",
        f"employees/{Employee.objects.get(person__name='赵海涛（示例）').pk}/qualification/",
    )
    assert gate.json()["qualified"] is False


def test_api_deduction(client_for, users, coal):
    from dixian.core.models import Position
    from dixian.workforce.models import ViolationType

    principal = Position.objects.get(org=coal, kind="principal").person
    violation = ViolationType.objects.get(code="no_responsibility_system")
    body = {
        "enterprise": coal.pk,
        "person": principal.pk,
        "violation": violation.pk,
        "occurred_on": "2025-01-05",
    }
    assert api(client_for("enterprise"), "post", "score-cycles/", body).status_code == 400
    r = api(client_for("inspector"), "post", "score-cycles/", body)
    assert r.status_code == 201 and r.json()["points"] == 3
    assert ScoreCycle.objects.filter(enterprise=coal, starts_on="2025-01-01").exists()
