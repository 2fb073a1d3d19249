"""Alerts in a real browser: the duty officer drafts a red rainstorm warning for 曹川镇, 安委办
approves and releases it, a village cadre acknowledges on a phone through the link, a silent
target is escalated (the server's clock is moved on by a sweep run "6 minutes later") and the
board shows it, and the coal mine confirms 停产撤人."""

from __future__ import annotations

import subprocess
import sys

from playwright.sync_api import expect

from tests.e2e import conftest as e2e

PASSWORD = "Dixian@2024"


def server_python(server, code: str) -> str:
    """Run Python inside the server's environment (its database); return the last line printed
    (``shell`` may print its own notes first)."""
    out = subprocess.run(
        [sys.executable, "-m", "dixian.cli", "shell", "-c", code],
        env=server["env"],
        cwd=server["data_dir"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return out.splitlines()[-1] if out else ""


def login_as(session, username):
    session.go("/accounts/login/")
    session.page.fill("#id_username", username)
    session.page.fill("#id_password", PASSWORD)
    session.page.click("button[type=submit].btn-primary")
    session.page.wait_for_url(session.server["url"] + "/")


def test_red_rainstorm_warning_end_to_end(browser, server, desktop, phone):
    # 1. The duty officer drafts.
    desktop.login("duty")
    desktop.go("/alerts/warnings/add/")
    page = desktop.page
    page.select_option("#id_kind", "rainstorm")
    page.select_option("#id_level", "red")
    page.fill("#id_headline", "曹川镇暴雨红色预警（演练）")
    page.fill("#id_text", "预计未来3小时曹川镇降雨量将达100毫米以上，请立即做好防范。")
    page.select_option("#id_divisions", label="曹川镇")
    expect(page.locator("[data-draw-map] .leaflet-interactive").first).to_be_attached()
    desktop.shot("alerts-draft-form")
    page.click("[data-testid=save-draft]")
    expect(page.locator("[data-testid=warning-state]")).to_have_text("草稿")
    detail = page.url.replace(server["url"], "")
    assert not page.locator("[data-testid=approve]").count()  # not the drafter's to approve
    assert not desktop.errors, desktop.errors

    # 2. 安委办 approves and releases.
    office = e2e.Session(browser, server)
    office.login("office")
    office.go(detail)
    office.page.click("[data-testid=approve]")
    expect(office.page.locator("[data-testid=warning-state]")).to_have_text("已审核")
    office.page.click("[data-testid=release]")
    expect(office.page.locator("[data-testid=warning-state]")).to_have_text("已发布")
    expect(office.page.locator("[data-testid=silent-table]")).to_contain_text("张立军（示例）")
    pk = int(detail.strip("/").split("/")[-1])

    # 3. A village cadre acknowledges on a phone through the link in the SMS.
    link = server_python(
        server,
        "from dixian.alerts.models import WarningTarget; from dixian.alerts.services import ack_token;"
        f"t = WarningTarget.objects.get(warning_id={pk}, name='张立军（示例）');"
        "print('/alerts/a/' + ack_token(t.pk) + '/')",
    )
    phone.go(link)
    expect(phone.page.locator("[data-testid=ack-button]")).to_be_visible()
    phone.shot("alerts-ack-phone")
    phone.page.click("[data-testid=ack-button]")
    expect(phone.page.locator("[data-testid=ack-done]")).to_be_visible()
    phone.shot("alerts-ack-done-phone")
    assert not phone.errors, phone.errors

    # 4. Six minutes later the silent are called again; five more and the ladder escalates.
    server_python(
        server,
        "import datetime as dt; from dixian.core import clock; from dixian.alerts import services;"
        "now = clock.now();"
        "services.escalate_due(now + dt.timedelta(minutes=6));"
        "services.escalate_due(now + dt.timedelta(minutes=12))",
    )
    office.go(detail)
    expect(office.page.locator("[data-testid=escalation-table]")).to_contain_text("王建华（示例）")
    assert int(office.page.locator("[data-testid=escalation-count]").inner_text()) >= 1
    expect(office.page.locator("[data-testid=event-log]")).to_contain_text("升级叫应下一责任人")

    # 5. The coal mine in 曹川镇 confirms 停产撤人 with the number withdrawn.
    mine = e2e.Session(browser, server)
    login_as(mine, "mine")
    mine.go("/alerts/responses/")
    row = mine.page.locator("table tbody tr").filter(has_text="停产撤人").first
    row.locator("a").first.click()
    expect(mine.page.locator("[data-testid=response-action]")).to_contain_text("停产撤人")
    mine.page.click("[data-testid=confirm-response]")
    expect(mine.page.locator(".invalid-feedback")).to_contain_text("撤出人数")
    mine.page.fill("#id_people_withdrawn", "37")
    mine.page.fill("#id_note", "井下人员全部升井")
    mine.page.click("[data-testid=confirm-response]")
    expect(mine.page.locator("[data-testid=response-state]")).to_have_text("已确认")
    mine.shot("alerts-response-confirmed")
    assert not mine.errors, mine.errors

    office.go(detail)
    expect(office.page.locator("[data-testid=response-list]")).to_contain_text("37")
    expect(office.page.locator("[data-testid=ack-share]")).not_to_have_text("0%")
    office.shot("alerts-board")
    office.go("/alerts/stats/?days=30")
    expect(office.page.locator("[data-testid=stats-table]")).to_contain_text("曹川镇")
    office.shot("alerts-stats")
    cap_xml = office.page.request.get(server["url"] + detail + "cap.xml").text()
    assert "urn:oasis:names:tc:emergency:cap:1.2" in cap_xml and "+08:00" in cap_xml
    assert not office.errors, office.errors
    office.close()
    mine.close()
