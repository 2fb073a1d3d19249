"""Emergency and accidents in a real browser: the duty officer records an accident at phone
width, the county forwards it, a late forward is flagged, a supplementary report raises the
grade, closing an investigation with a 四不放过 item unmet is refused, and the drill compliance
page shows the county's comprehensive drill as due until one is recorded."""

import datetime as dt
import re
import zoneinfo

from playwright.sync_api import expect

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(delta_minutes: int) -> str:
    t = dt.datetime.now(LOCAL) + dt.timedelta(minutes=delta_minutes)
    return t.strftime("%Y-%m-%dT%H:%M")


def fill_report(page, title, *, deaths, occurred, learned, received=None):
    page.fill("#id_title", title)
    page.select_option("#id_unit", label="平陆县福源面粉有限公司")
    page.fill("#id_unit_overview", "面粉加工企业，从业人员约80人")
    page.fill("#id_occurred_at", occurred)
    page.fill("#id_place", "制粉车间")
    page.fill("#id_course", "清理筛分设备时被卷入")
    page.fill("#id_deaths", str(deaths))
    page.fill("#id_measures", "停机、送医、保护现场")
    page.fill("#id_learned_at", learned)
    if received:
        page.fill("#id_received_at", received)
    page.click("[data-testid=submit-report]")


def clock_row(page, kind):
    return page.locator(f"[data-testid=clocks] tr[data-clock={kind}]")


def test_report_forward_supplement_and_close(phone, desktop):
    # The duty officer records the first report on a phone.
    phone.login("duty")
    phone.go("/accidents/report/")
    phone.shot("accidents-report-phone")
    fill_report(phone.page, "面粉公司机械伤害（浏览器测试）", deaths=1,
                occurred=local(-40), learned=local(-35))  # fmt: skip
    page = phone.page
    expect(page.locator("[data-testid=grade]")).to_have_text("一般事故")
    expect(clock_row(page, "report_county")).to_contain_text("按时")
    expect(clock_row(page, "forward_city")).to_contain_text("计时中")
    phone.shot("accidents-detail-phone")
    url = page.url
    path = url[len(phone.server["url"]) :]

    # The county (安委办) forwards it to the city in time.
    desktop.login("office")
    desktop.go(path)
    desktop.page.click("[data-testid=forward]")
    expect(desktop.page.locator(".messages")).to_contain_text("已按时上报")
    expect(clock_row(desktop.page, "forward_city")).to_contain_text("按时")

    # A supplementary report within 30 days raises the grade.
    desktop.page.click("[data-testid=supplement]")
    desktop.page.fill("#id_deaths", "3")
    desktop.page.fill("#id_text", "两名重伤人员抢救无效死亡")
    desktop.page.click("[data-testid=submit-supplement]")
    expect(desktop.page.locator("[data-testid=grade]")).to_have_text("较大事故")
    expect(desktop.page.locator(".messages")).to_contain_text("一般事故调整为较大事故")
    expect(clock_row(desktop.page, "forward_province")).to_contain_text("计时中")
    desktop.shot("accidents-detail-desktop")

    # Investigation: a case with a 四不放过 item unmet cannot close.
    desktop.page.fill("#id_lead", "县应急局局长（示例）")
    desktop.page.fill("#id_started_on", dt.date.today().isoformat())
    desktop.page.click("[data-testid=start-investigation]")
    page = desktop.page
    page.fill("#id_course", "经过")
    page.fill("#id_causes", "设备防护缺失")
    page.select_option("#id_nature", "liability")
    page.fill("#id_responsibility", "企业主要负责人负有责任")
    page.fill("#id_measures", "加装防护罩")
    page.fill("#id_submitted_on", dt.date.today().isoformat())
    page.click("[data-testid=submit-inv-report]")
    for item in ("cause", "persons", "measures"):
        page.select_option("#id_item", item)
        page.fill("#id_evidence", f"{item} 佐证")
        page.click("[data-testid=add-evidence]")
    page.click("[data-testid=close-case]")
    expect(page.locator(".messages .alert-danger")).to_contain_text("有关人员未受到教育不放过")
    expect(page.locator(".page-pretitle")).not_to_contain_text("已结案")
    desktop.shot("accidents-investigation-desktop")
    assert not phone.errors and not desktop.errors, phone.errors + desktop.errors


def test_late_forward_is_flagged(desktop):
    desktop.login("duty")
    desktop.go("/accidents/report/")
    # Received three hours ago: the 2-hour forwarding clock ran out an hour ago.
    fill_report(desktop.page, "迟报测试事故（浏览器测试）", deaths=0,
                occurred=local(-200), learned=local(-190), received=local(-180))  # fmt: skip
    page = desktop.page
    expect(page.locator("[data-testid=grade]")).to_have_text("一般事故")
    for _ in range(30):  # the sweeper flags it (ETA sweep at once; the minute sweep at worst)
        if "超时" in clock_row(page, "forward_city").inner_text():
            break
        page.wait_for_timeout(3000)
        page.reload()
    expect(clock_row(page, "forward_city")).to_contain_text("超时（迟报）")
    desktop.go("/accidents/")
    expect(page.locator("[data-testid=late-count]")).not_to_have_text("0")
    desktop.shot("accidents-board-desktop")
    assert not desktop.errors, desktop.errors


def test_drill_compliance_county_due_until_recorded(desktop, phone):
    desktop.login("office")
    desktop.go("/emergency/compliance/")
    county = desktop.page.locator("tr[data-rule=county]")
    expect(county).to_have_attribute("data-status", "due")
    expect(county).to_contain_text("平陆县人民政府")
    desktop.shot("emergency-compliance-desktop")
    phone.login("office")
    phone.go("/emergency/compliance/")
    phone.shot("emergency-compliance-phone")

    desktop.go("/emergency/drills/add/")
    page = desktop.page
    page.select_option("#id_organiser", label="平陆县人民政府")
    page.fill("#id_title", "平陆县2026年度生产安全事故综合应急演练")
    page.fill("#id_held_on", dt.date.today().isoformat())
    page.select_option("#id_scope", "comprehensive")
    page.select_option("#id_form", "full_scale")
    page.fill("#id_participants", "320")
    page.click("button[type=submit].btn-primary")
    expect(page).to_have_url(re.compile(r"/emergency/drills/\d+/$"))
    desktop.go("/emergency/compliance/")
    expect(desktop.page.locator("tr[data-rule=county]")).to_have_attribute("data-status", "ok")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_duty_and_resources_pages(desktop, phone):
    desktop.login("duty")
    desktop.go("/emergency/duty/")
    expect(desktop.page.locator("[data-testid=gaps]")).to_be_visible()
    desktop.shot("emergency-duty-desktop")
    desktop.go("/emergency/map/")
    page = desktop.page
    expect(page.locator("#resource-map path.leaflet-interactive").first).to_be_attached()
    page.locator("#resource-map").click(position={"x": 420, "y": 260})
    expect(page.locator("#nearest-result a").first).to_be_visible()
    desktop.shot("emergency-map-desktop")
    phone.login("duty")
    phone.go("/emergency/duty/")
    phone.shot("emergency-duty-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors
