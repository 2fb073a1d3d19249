"""Workforce in a real browser: the enterprise records a month's safety fee accrual and a
spending entry and sees the balance; the training gate refuses an uncertified person on a
certificate-requiring post; screenshots of the main pages, desktop and phone."""

from decimal import Decimal

from playwright.sync_api import expect


def amount(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", ""))


def open_own_ledger(session):
    session.go("/workforce/fees/")
    session.page.get_by_role("link", name="山西河源氧化铝有限公司").first.click()
    expect(session.page.locator(".page-title")).to_contain_text("山西河源氧化铝有限公司")


def test_enterprise_records_accrual_and_spending(desktop, phone):
    desktop.login("enterprise")
    page = desktop.page
    open_own_ledger(desktop)
    before = amount(page.get_by_test_id("balance").inner_text())

    page.get_by_test_id("accrue").click()
    page.fill("#id_month", "2024-11")
    page.fill("#id_revenue_yuan", "120000000")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_be_visible()
    ledger = page.get_by_test_id("ledger")
    expect(ledger).to_contain_text("2024-11")
    expect(ledger).to_contain_text("215,416.67")  # 1.2 亿 previous-year revenue ÷ 12
    after_accrual = amount(page.get_by_test_id("balance").inner_text())
    assert after_accrual == before + Decimal("215416.67")

    page.get_by_test_id("spend").click()
    page.fill("#id_spent_on", "2024-11-20")
    page.select_option("#id_use", index=6)
    page.fill("#id_amount_yuan", "12345.60")
    page.fill("#id_description", "冬季防冻防滑物资")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_be_visible()
    after_spending = amount(page.get_by_test_id("balance").inner_text())
    assert after_spending == after_accrual - Decimal("12345.60")
    expect(page.locator("[data-wf-chart=ledger] svg")).to_be_attached()
    expect(page.get_by_test_id("under-extracted").first).to_contain_text("2024-06")
    desktop.shot("workforce-fee-ledger-desktop")

    phone.login("enterprise")
    open_own_ledger(phone)
    expect(phone.page.get_by_test_id("balance")).to_have_text(
        page.get_by_test_id("balance").inner_text()
    )
    phone.shot("workforce-fee-ledger-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_uncertified_person_is_refused_a_certificate_post(desktop, phone):
    desktop.login("enterprise")
    page = desktop.page
    desktop.go("/workforce/employees/?q=郑国庆")
    page.get_by_role("link", name="郑国庆（示例）").click()
    page.get_by_role("link", name="编辑").click()
    page.select_option("#id_post", label="电工 · 山西河源氧化铝有限公司")
    page.get_by_role("button", name="保存").click()
    error = page.locator("[data-field=post]")
    expect(error.first).to_contain_text("没有有效的“特种作业操作证·电工作业”")
    expect(error.first).to_contain_text("不得在要求持证的“电工”岗位上岗")
    desktop.shot("workforce-gate-refusal-desktop")

    desktop.go("/workforce/gate/")
    expect(page.get_by_test_id("gate-count")).to_have_text("1")
    expect(page.locator("table")).to_contain_text("赵海涛（示例）")
    desktop.shot("workforce-gate-desktop")
    phone.login("enterprise")
    phone.go("/workforce/gate/")
    expect(phone.page.locator("table")).to_contain_text("赵海涛（示例）")
    phone.shot("workforce-gate-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors


def test_department_pages(desktop, phone):
    desktop.login("inspector")
    page = desktop.page
    desktop.go("/workforce/compliance/")
    expect(page.locator("table")).to_contain_text("平陆县鸿岭煤业有限公司（基建矿井）")
    expect(page.locator("table")).to_contain_text("须配备安全总监")
    expect(page.locator(".chart-box svg").first).to_be_attached()
    page.wait_for_timeout(1500)  # let the pie finish drawing before the screenshot
    desktop.shot("workforce-compliance-desktop")
    desktop.go("/workforce/fees/?year=2024")
    expect(page.locator("table")).to_contain_text("出现负余额")
    desktop.shot("workforce-fees-desktop")
    desktop.go("/workforce/five/")
    page.get_by_role("link", name="山西河源氧化铝有限公司").first.click()
    expect(page.get_by_text("安全管理到位")).to_be_visible()
    page.get_by_role("link", name="审核或退回").click()
    page.get_by_role("radio", name="退回").check()
    page.get_by_role("button", name="提交审核意见").click()
    expect(page.locator("[data-field=note]")).to_contain_text("请说明退回原因")
    desktop.go("/workforce/scoring/")
    expect(page.locator("table")).to_contain_text("已满分：须再培训考试")
    desktop.shot("workforce-scoring-desktop")
    phone.login("inspector")
    phone.go("/workforce/compliance/")
    phone.page.wait_for_timeout(1500)
    phone.shot("workforce-compliance-phone")
    assert not desktop.errors and not phone.errors, desktop.errors + phone.errors
