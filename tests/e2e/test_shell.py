"""The shell in a real browser: login per role, scope, navigation, tables, forms, language,
phone layout — with screenshots of the main pages."""

import re

import pytest
from playwright.sync_api import expect

SCOPE = {
    # username → (an organisation it must see, one it must not)
    "leader": ("平陆县恒信化工有限公司", None),
    "office": ("平陆县宏达燃气有限公司", None),
    "inspector": ("平陆县恒信化工有限公司", "平陆县宏达燃气有限公司"),
    "housing": ("平陆县宏达燃气有限公司", "平陆县恒信化工有限公司"),
    "township": ("平陆县中岳铝土矿有限公司", "平陆县恒信化工有限公司"),
    "grid": ("川口村村民委员会（示例）", "曹川镇人民政府"),
    "enterprise": ("山西河源氧化铝有限公司赤泥堆场", "平陆县恒信化工有限公司"),
    "duty": ("平陆县恒信化工有限公司", None),
    "admin": ("平陆县恒信化工有限公司", None),
}


def test_login_page(desktop, phone):
    desktop.go("/accounts/login/")
    expect(desktop.page.get_by_role("heading", name="登录您的账号")).to_be_visible()
    desktop.shot("login-desktop")
    phone.go("/accounts/login/")
    phone.shot("login-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_wrong_password_message(desktop):
    desktop.go("/accounts/login/")
    desktop.page.fill("#id_username", "office")
    desktop.page.fill("#id_password", "Wrong-password-1")
    desktop.page.click("button[type=submit].btn-primary")
    expect(desktop.page.locator(".alert-danger")).to_contain_text("用户名")


@pytest.mark.parametrize("username", list(SCOPE))
def test_each_role_sees_its_own_scope(desktop, username):
    must, must_not = SCOPE[username]
    desktop.login(username)
    expect(desktop.page.locator(".page-title")).to_have_text("总览")
    desktop.go("/org/organisations/?q=" + must[:6])
    expect(desktop.page.locator("table.datatable")).to_contain_text(must)
    if must_not:
        desktop.go("/org/organisations/?q=" + must_not[:6])
        expect(desktop.page.locator("table.datatable")).not_to_contain_text(must_not)
    assert not desktop.errors, desktop.errors


def test_home_map_and_charts(desktop, phone):
    desktop.login("office")
    page = desktop.page
    expect(page.locator("#home-map path.leaflet-interactive").first).to_be_attached()
    expect(page.locator(".dx-marker").first).to_be_visible()
    expect(page.locator(".chart-box svg").first).to_be_attached()
    figures = page.locator("[data-testid=figure] .figure-value").all_inner_texts()
    assert len(figures) == 6 and int(figures[2]) >= 10  # enterprises in the demo
    desktop.shot("home-desktop")
    assert not desktop.errors, desktop.errors  # includes CSP violations
    phone.login("township")
    phone.shot("home-phone")
    toggler = phone.page.locator(".navbar-toggler")
    expect(toggler).to_be_visible()
    toggler.click()
    expect(phone.page.get_by_text("组织机构与人员")).to_be_visible()
    phone.page.wait_for_timeout(600)  # let the collapse animation finish
    phone.shot("menu-phone")
    assert not phone.errors, phone.errors


def test_table_filters_search_export(desktop):
    desktop.login("office")
    desktop.go("/org/organisations/")
    page = desktop.page
    page.select_option("#id_kind", "enterprise")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.datatable tbody tr")).to_have_count(15)
    desktop.shot("organisations-desktop")
    with page.expect_download() as info:
        page.click("button:has-text('导出')")
        page.click("[data-testid=export-xlsx]")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = desktop.server["data_dir"] / download.suggested_filename
    download.save_as(path)
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 16 and rows[0][0] == "名称"
    page.fill("#q", "煤业")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.datatable tbody tr")).to_have_count(3)


def test_form_bad_input_then_save(desktop):
    desktop.login("office")
    desktop.go("/org/organisations/add/")
    page = desktop.page
    page.fill("#id_name", "平陆县测试新材料有限公司（示例）")
    page.select_option("#id_kind", "enterprise")
    page.get_by_label("危险化学品").check()
    page.fill("#id_latitude", "200")
    page.click("button:has-text('保存')")
    error = page.locator("[data-field=latitude]")
    expect(error).to_contain_text("纬度")
    desktop.shot("form-error-desktop")
    expect(page.get_by_label("危险化学品")).to_be_checked()  # kept after the error
    page.fill("#id_latitude", "34.86")
    page.fill("#id_longitude", "111.20")
    page.click("button:has-text('保存')")
    expect(page.locator(".page-title")).to_have_text("平陆县测试新材料有限公司（示例）")
    expect(page.locator(".detail-list")).to_contain_text("危险化学品")
    expect(page.locator(".list-group-item").first).to_contain_text("单位·新增")


def test_language_switch(desktop):
    desktop.login("inspector")
    desktop.page.click("button:has-text('English')")
    expect(desktop.page.locator(".page-title")).to_have_text("Overview")
    expect(desktop.page.get_by_text("Organisations and people")).to_be_visible()
    desktop.shot("home-english-desktop")
    desktop.page.click("button:has-text('中文')")
    expect(desktop.page.locator(".page-title")).to_have_text("总览")


def test_out_of_scope_page_is_404(desktop):
    desktop.login("enterprise")
    desktop.go("/org/organisations/?q=恒信")
    # Not listed; and a guessed URL answers 404.
    response = desktop.go("/org/organisations/1/")
    assert response.status == 404


def test_logout(desktop):
    desktop.login("grid")
    desktop.page.click("[data-testid=account-menu]")
    desktop.page.click("button:has-text('退出登录')")
    expect(desktop.page).to_have_url(re.compile(r"/accounts/login/"))


PAGES = [
    ("org-tree", "/org/tree/"),
    ("people", "/org/people/"),
    ("jurisdictions", "/org/jurisdictions/"),
    ("inbox", "/inbox/"),
    ("audit", "/audit/"),
    ("users", "/system/users/"),
    ("api-token", "/accounts/token/"),
]


def test_main_pages_render_cleanly(desktop, phone):
    desktop.login("admin")
    for name, path in PAGES:
        response = desktop.go(path)
        assert response.status == 200, path
        expect(desktop.page.locator(".page-title")).not_to_be_empty()
        desktop.shot(f"{name}-desktop")
    phone.login("admin")
    for name, path in PAGES[:3]:
        phone.go(path)
        phone.shot(f"{name}-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_api_docs_page_loads_offline(desktop):
    desktop.login("admin")
    desktop.go("/api/v1/docs/")
    expect(desktop.page.locator(".swagger-ui .info .title")).to_contain_text("Dixian API")
    desktop.shot("api-docs-desktop")


def test_phone_filters_fold_away(phone):
    phone.login("inspector")
    phone.go("/org/organisations/")
    page = phone.page
    expect(page.locator("#q")).to_be_hidden()
    page.click("button:has-text('搜索与筛选')")
    expect(page.locator("#q")).to_be_visible()
    page.fill("#q", "化工")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.datatable tbody tr")).to_have_count(2)
    expect(page.locator("#q")).to_be_visible()  # stays open while a search is active
    phone.shot("organisations-phone")
    assert not phone.errors, phone.errors
