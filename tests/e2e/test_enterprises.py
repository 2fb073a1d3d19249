"""The enterprises app in a real browser: registry form errors, the licence push from the
approval bureau to the supervising department, the all-or-nothing Excel import, the map —
with screenshots at desktop and phone width.

Nothing here leaves a new enterprise behind (other e2e tests count the demo enterprises).
"""

from openpyxl import Workbook
from playwright.sync_api import expect

PASSWORD = "Dixian@2024"


def login_as(session, username):
    """Log in with a demo account (also those added by app seeds, e.g. ``approval``)."""
    session.go("/accounts/login/")
    session.page.fill("#id_username", username)
    session.page.fill("#id_password", PASSWORD)
    session.page.click("button[type=submit].btn-primary")
    session.page.wait_for_url(session.server["url"] + "/")


def test_wrong_credit_code_is_shown_on_the_field(desktop, phone):
    desktop.login("office")
    page = desktop.page
    desktop.go("/enterprises/add/")
    page.fill("#id_name", "平陆县浏览器测试矿业有限公司（示例）")
    page.fill("#id_credit_code", "91350100M000100Y44")
    page.select_option("#id_division", label="曹川镇")
    page.get_by_label("金属非金属矿山").check()
    page.locator('[data-testid="section-mine"] summary').click()  # open the mine section
    page.select_option("#id_mine-mine_type", "metal")
    page.select_option("#id_mine-mining_method", "open_pit")
    page.fill("#id_mine-capacity", "20")
    page.click("button[type=submit].btn-primary")
    error = page.locator('[data-field="credit_code"]')
    expect(error).to_contain_text("校验码错误")
    expect(error).to_contain_text("应为 '3'")
    expect(page.locator("#id_name")).to_have_value("平陆县浏览器测试矿业有限公司（示例）")
    error.scroll_into_view_if_needed()
    desktop.shot("enterprises-form-error-desktop")
    phone.login("office")
    phone.go("/enterprises/add/")
    phone.page.fill("#id_name", "平陆县浏览器测试矿业有限公司（示例）")
    phone.page.fill("#id_credit_code", "12345")
    phone.page.click("button[type=submit].btn-primary")
    phone_error = phone.page.locator('[data-field="credit_code"]')
    expect(phone_error).to_contain_text("应为 18 位")
    phone_error.scroll_into_view_if_needed()
    phone.shot("enterprises-form-error-phone")
    desktop.go("/enterprises/?q=浏览器测试")
    expect(page.locator("table.datatable tbody")).to_contain_text("暂无数据")  # nothing created
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_licence_by_approval_bureau_reaches_the_department_inbox(desktop, browser, server):
    login_as(desktop, "approval")
    page = desktop.page
    desktop.go("/enterprises/licences/add/")
    page.select_option("#id_enterprise", label="平陆县恒信化工有限公司")
    page.select_option("#id_type", label="安全生产许可证")
    page.fill("#id_number", "（晋）WH安许证字〔2024〕E2E-01")
    page.fill("#id_issuer", "平陆县行政审批服务管理局")
    page.fill("#id_scope", "甲醇生产")
    page.fill("#id_valid_from", "2024-03-01")
    page.fill("#id_valid_to", "2027-02-28")
    page.click("button[type=submit].btn-primary")
    expect(page.locator(".page-title")).to_contain_text("E2E-01")
    expect(page.locator(".card").filter(has_text="监管部门")).to_contain_text("平陆县应急管理局")
    desktop.shot("enterprises-licence-recorded-desktop")
    Session = type(desktop)
    inspector = Session(browser, server)
    try:
        inspector.login("inspector")
        inspector.go("/inbox/")
        row = inspector.page.locator("table.datatable tbody tr").filter(
            has_text="平陆县恒信化工有限公司"
        )
        expect(row.first).to_contain_text("证照登记")
        inspector.shot("enterprises-licence-inbox-desktop")
        housing = Session(browser, server, phone=True)
        try:
            housing.login("housing")
            housing.go("/inbox/")
            expect(housing.page.locator("main")).not_to_contain_text("E2E-01")
            housing.go("/enterprises/licences/")
            expect(housing.page.locator("table.datatable")).not_to_contain_text("恒信化工")
            housing.shot("enterprises-licences-phone")
        finally:
            housing.close()
        assert not inspector.errors, inspector.errors
    finally:
        inspector.close()


def _code(body: str) -> str:
    from dixian.standards import uscc

    return body + uscc.check_character(body)


def _bad_file(path) -> None:
    """Row 2 is valid; row 3 has a wrong check character; row 4 an unknown township."""
    good3 = _code("91140829MA0K90002")
    wrong3 = good3[:-1] + ("1" if good3[-1] != "1" else "2")
    wb = Workbook()
    ws = wb.active
    ws.append(["企业名称 *", "统一社会信用代码 *", "所在乡镇 *", "行业 *", "从业人数"])
    ws.append(
        ["平陆县导入测试甲有限公司（示例）", _code("91140829MA0K90001"), "张店镇", "建材", 12]
    )
    ws.append(["平陆县导入测试乙有限公司（示例）", wrong3, "张店镇", "建材", 8])
    ws.append(["平陆县导入测试丙有限公司（示例）", _code("91140829MA0K90003"), "火星镇", "建材", 5])
    wb.save(path)


def test_import_with_two_bad_rows_applies_nothing(desktop, phone, tmp_path):
    path = tmp_path / "bad.xlsx"
    _bad_file(path)
    desktop.login("office")
    page = desktop.page
    desktop.go("/enterprises/import/")
    with page.expect_download() as info:
        page.click('[data-testid="template"]')
    assert info.value.suggested_filename == "enterprises-template.xlsx"
    page.set_input_files("#id_file", str(path))
    page.click("button[type=submit].btn-primary")
    table = page.locator('[data-testid="import-errors"]')
    expect(table).to_contain_text("未导入任何数据")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("统一社会信用代码")
    expect(rows.nth(0)).to_contain_text("校验码错误")
    expect(rows.nth(1)).to_contain_text("火星镇")
    desktop.shot("enterprises-import-errors-desktop")
    desktop.go("/enterprises/?q=导入测试")
    expect(page.locator("table.datatable tbody tr")).to_have_count(1)  # "nothing found" row
    expect(page.locator("table.datatable tbody")).not_to_contain_text("导入测试甲")
    phone.login("office")
    phone.go("/enterprises/import/")
    phone.page.set_input_files("#id_file", str(path))
    phone.page.click("button[type=submit].btn-primary")
    expect(phone.page.locator('[data-testid="import-errors"] tbody tr')).to_have_count(2)
    phone.shot("enterprises-import-errors-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_registry_detail_and_map(desktop, phone):
    desktop.login("office")
    page = desktop.page
    desktop.go("/enterprises/")
    expect(page.locator("table.datatable tbody tr")).to_have_count(15)
    desktop.shot("enterprises-list-desktop")
    page.locator("table.datatable").get_by_role(
        "link", name="山西河源氧化铝有限公司赤泥堆场"
    ).click()
    expect(page.locator('[data-testid="section-tailings"]')).to_contain_text("赤泥库")
    expect(page.locator('[data-testid="grade"]')).to_have_text("C")
    desktop.shot("enterprises-detail-desktop")
    desktop.go("/enterprises/map/?colour=grade")
    expect(page.locator("#enterprise-map path.leaflet-interactive").first).to_be_attached()
    expect(page.locator("path.ent-marker")).to_have_count(15)
    expect(page.locator('[data-testid="legend"]')).to_contain_text("D级")
    desktop.shot("enterprises-map-desktop")
    phone.login("inspector")
    phone.go("/enterprises/")
    phone.shot("enterprises-list-phone")
    phone.go("/enterprises/map/")
    expect(phone.page.locator("path.ent-marker").first).to_be_attached()
    phone.shot("enterprises-map-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors
