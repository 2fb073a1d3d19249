"""Excel import: templates, all-or-nothing, every bad row reported (row, column, message)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from dixian.core.models import AuditEvent, Message, Organisation
from dixian.enterprises import imports
from dixian.enterprises.demo import demo_credit_code
from dixian.enterprises.models import EnterpriseProfile, Licence

pytestmark = pytest.mark.django_db

HEADER = [
    "企业名称 *",
    "统一社会信用代码 *",
    "所在乡镇 *",
    "行业 *",
    "从业人数",
    "状态起始日期",
    "规模",
]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_row(i, name=None):
    return [
        name or f"导入测试企业{i}",
        demo_credit_code(50000 + i),
        "张店镇",
        "建材",
        10 + i,
        "2024-01-0" + str(1 + i % 9),
        "规下",
    ]


def test_templates_have_a_chinese_header_and_an_example(client_for):
    c = client_for("inspector")
    for url, first in (
        ("/enterprises/import/template.xlsx", "企业名称 *"),
        ("/enterprises/licences/import/template.xlsx", "企业统一社会信用代码 *"),
    ):
        response = c.get(url)
        assert response.status_code == 200
        ws = load_workbook(io.BytesIO(response.content)).active
        assert ws.cell(1, 1).value == first
        assert ws.cell(2, 1).value  # the example row


def test_the_template_itself_imports(users):
    from django.utils import translation

    with translation.override("zh-hans"):
        data = imports.template_xlsx(imports.ENTERPRISE_COLUMNS, "t")
    result = imports.import_enterprises(actor=users["office"], data=data)
    assert result == {"created": 1}
    profile = EnterpriseProfile.objects.get(org__name="平陆县示例矿业有限公司")
    assert profile.scale == "above" and profile.staff_count == 120 and profile.grade


def test_good_file_creates_everything_in_bulk(users):
    rows = [good_row(i) for i in range(5)]
    result = imports.import_enterprises(actor=users["office"], data=xlsx(rows), filename="a.xlsx")
    assert result == {"created": 5}
    orgs = Organisation.objects.filter(name__startswith="导入测试企业").order_by("name")
    assert orgs.count() == 5
    for org in orgs:
        assert org.path == f"{org.pk:08d}/" and org.kind == "enterprise"
        assert [i.code for i in org.industries.all()] == ["building_materials"]
        assert org.division.name == "张店镇"
        assert org.enterprise_profile.grade.code == "A"
    event = AuditEvent.objects.filter(action="enterprise.import").latest("seq")
    assert event.after["rows"] == 5 and event.object_repr == "a.xlsx"
    # The imported enterprises are in the township's scope like any other.
    from dixian.core.models import User

    zhangdian = User(role="township_officer", org=Organisation.objects.get(name="张店镇人民政府"))
    assert EnterpriseProfile.objects.restrict(zhangdian).filter(org__in=orgs).count() == 5


def test_bad_rows_apply_nothing_and_every_error_is_reported(users):
    existing = Organisation.objects.get(name="平陆县恒信化工有限公司")
    rows = [
        good_row(1),
        ["", demo_credit_code(50002), "张店镇", "建材", 1, "", ""],  # missing name
        ["导入测试企业3", "91350100M000100Y44", "张店镇", "建材", 1, "", ""],  # check char
        [
            "导入测试企业4",
            demo_credit_code(50004),
            "火星镇",
            "造飞船",
            1,
            "",
            "",
        ],  # township, industry
        ["导入测试企业5", demo_credit_code(50005), "张店镇", "建材", "很多", "2024-13-45", "中等"],
        ["导入测试企业6", existing.credit_code, "张店镇", "建材", 1, "", ""],  # duplicate in DB
        good_row(7, name="导入测试企业1"),  # duplicate name in the file
        [
            "导入测试企业8",
            demo_credit_code(50001),
            "张店镇",
            "建材",
            1,
            "",
            "",
        ],  # dup code in file
    ]
    with pytest.raises(imports.ImportFailed) as failed:
        imports.import_enterprises(actor=users["office"], data=xlsx(rows))
    found = {(e.row, e.column) for e in failed.value.errors}
    assert found == {
        (3, "企业名称"),
        (4, "统一社会信用代码"),
        (5, "所在乡镇"),
        (5, "行业"),
        (6, "从业人数"),
        (6, "状态起始日期"),
        (6, "规模（规上/规下）"),
        (7, "统一社会信用代码"),
        (8, "企业名称"),
        (9, "统一社会信用代码"),
    }
    messages = {(e.row, e.column): e.message for e in failed.value.errors}
    assert "校验码错误" in messages[(4, "统一社会信用代码")]
    assert "火星镇" in messages[(5, "所在乡镇")]
    assert "第 2 行" in messages[(8, "企业名称")] or "2" in messages[(8, "企业名称")]
    assert not Organisation.objects.filter(name__startswith="导入测试企业").exists()


def test_missing_required_column_is_reported():
    with pytest.raises(imports.ImportFailed) as failed:
        imports.import_enterprises(actor=None, data=xlsx([["x"]], header=["企业名称"]))
    columns = {e.column for e in failed.value.errors}
    assert {"统一社会信用代码", "所在乡镇", "行业"} <= columns


def test_only_county_wide_editors_import_enterprises(client_for):
    c = client_for("inspector")
    page = c.get("/enterprises/import/")
    assert page.status_code == 200 and 'type="file"' not in page.content.decode()
    upload = SimpleUploadedFile("a.xlsx", xlsx([good_row(1)]))
    assert c.post("/enterprises/import/", {"file": upload}).status_code == 404


def test_upload_page_lists_every_bad_row(client_for):
    rows = [
        good_row(1),
        ["", "", "张店镇", "建材", 1, "", ""],
        ["导入测试企业3", "123", "张店镇", "建材", 1, "x", ""],
    ]
    upload = SimpleUploadedFile("bad.xlsx", xlsx(rows))
    response = client_for("office").post("/enterprises/import/", {"file": upload})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert html.count('<tr><td class="row-no"') == 4  # name + code (row 3), code + date (row 4)
    assert not Organisation.objects.filter(name__startswith="导入测试企业").exists()
    not_excel = SimpleUploadedFile("a.xlsx", b"name,code\n")
    response = client_for("office").post("/enterprises/import/", {"file": not_excel})
    assert response.status_code == 200 and ".xlsx" in response.content.decode()


def test_command_imports_or_lists_errors(tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx([good_row(1), good_row(2)]))
    out = io.StringIO()
    call_command("import_enterprises", str(good), stdout=out)
    assert "imported 2" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx([good_row(3), good_row(4, name="导入测试企业3")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_enterprises", str(bad), stderr=err)
    assert err.getvalue().startswith("3\t企业名称\t")
    assert not Organisation.objects.filter(name="导入测试企业3").exists()


def test_licence_import_all_or_nothing_and_push(users):
    target = Organisation.objects.get(name="平陆县恒信化工有限公司")
    header = [
        "企业统一社会信用代码 *",
        "证照类型 *",
        "证号 *",
        "发证机关 *",
        "有效期起 *",
        "有效期止 *",
    ]
    good = [
        target.credit_code,
        "危险化学品经营许可证",
        "IMP-1",
        "县审批局",
        "2024-01-01",
        "2027-01-01",
    ]
    bad = [
        good,
        [target.credit_code, "不存在的证", "IMP-2", "县审批局", "2024-01-01", "2027-01-01"],
        [
            "91350100M000100Y43",
            "危险化学品经营许可证",
            "IMP-3",
            "县审批局",
            "2024-01-01",
            "2023-01-01",
        ],
        [target.credit_code, "危险化学品经营许可证", "IMP-1", "县审批局", "2024/1/1", "二〇二七年"],
    ]
    with pytest.raises(imports.ImportFailed) as failed:
        imports.import_licences(actor=users["approval"], data=xlsx(bad, header))
    found = {(e.row, e.column) for e in failed.value.errors}
    assert found == {
        (3, "证照类型"),
        (4, "企业统一社会信用代码"),
        (4, "有效期止"),
        (5, "证号"),
        (5, "有效期止"),
    }
    assert not Licence.objects.filter(number__startswith="IMP-").exists()
    before = Message.objects.filter(recipient=users["inspector"]).count()
    imports.import_licences(actor=users["approval"], data=xlsx([good], header))
    lic = Licence.objects.get(number="IMP-1")
    assert lic.recorded_by_org == users["approval"].org and lic.next_reminder_stage == 90
    assert Message.objects.filter(recipient=users["inspector"]).count() == before + 1
