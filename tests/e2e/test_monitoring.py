"""Monitoring in Chromium: a methane exceedance posted to the HTTP ingest shows as a red
alarm on the enterprise's live page without a reload; the enterprise acknowledges it; the
silent demo gateway shows its offline alarm; screenshots on desktop and phone."""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def post_readings(server, gateway, token, readings):
    req = urllib.request.Request(
        server["url"] + "/api/v1/readings/",
        data=json.dumps({"gateway": gateway, "readings": readings}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Gateway {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def open_live(session, name="山西河源氧化铝有限公司"):
    session.go("/monitoring/live/")
    session.page.get_by_role("link", name=name, exact=False).first.click()
    session.page.wait_for_selector("#live-panel")


def test_exceedance_shows_red_on_live_page_and_is_acknowledged(desktop, server):
    desktop.login("enterprise")
    open_live(desktop)
    desktop.page.wait_for_selector("tr[data-point='hy-ch4-1']")
    desktop.shot("monitoring-live-desktop-before")
    now = dt.datetime.now(dt.UTC)
    result = post_readings(
        server,
        "hy-gas",
        "demo-token-hy-gas",
        [{"point": "hy-ch4-1", "ts": now.isoformat(), "value": 62.5}],
    )
    assert result["accepted"] == 1 and result["alarms_opened"] >= 1
    posted = time.monotonic()
    red = desktop.page.locator(
        "[data-testid=live-alarms] [data-alarm-level='4']", has_text="调压站甲烷浓度 1#"
    )
    red.first.wait_for(state="visible", timeout=2500)  # polling every 2 s, no reload
    seen_after = time.monotonic() - posted
    assert seen_after <= 2.5, seen_after
    assert "红色" in red.first.inner_text()
    row = desktop.page.locator("tr[data-point='hy-ch4-1']")
    assert "62.5" in row.inner_text()
    desktop.shot("monitoring-live-desktop")
    red.first.click()
    desktop.page.wait_for_selector("[data-testid=ack]")
    assert desktop.page.locator("[data-testid=alarm-state]").inner_text() == "待签收"
    desktop.page.click("[data-testid=ack]")
    desktop.page.wait_for_selector("text=已签收")
    assert desktop.page.locator("[data-testid=alarm-state]").inner_text() == "已签收"
    desktop.shot("monitoring-alarm-desktop")
    assert not desktop.errors, desktop.errors


def test_board_overview_history_and_offline_gateway(desktop, server):
    desktop.login("office")
    desktop.go("/monitoring/alarms/")
    panel = desktop.page.locator("[data-testid=alarm-panel]")
    panel.wait_for()
    # the demo's silent gateway (中岳铝土矿 GNSS station) has raised its offline alarm
    assert "无数据上报" in panel.inner_text()
    desktop.shot("monitoring-board-desktop")
    desktop.go("/monitoring/")
    desktop.page.wait_for_selector("[data-testid=points-online]")
    desktop.page.wait_for_selector("[data-mon-chart=levels] svg")
    desktop.shot("monitoring-overview-desktop")
    # the county map: enterprises as circles coloured by their worst open alarm
    desktop.page.wait_for_selector("[data-testid=monitoring-map] path.mon-marker")
    assert desktop.page.locator("path.mon-marker:not(.mon-level-0)").count() >= 1
    desktop.page.locator("[data-testid=monitoring-map]").scroll_into_view_if_needed()
    desktop.shot("monitoring-map-desktop")
    desktop.go("/monitoring/points/?q=hl-ch4-t0")
    desktop.page.get_by_role("link", name="hl-ch4-t0").click()
    desktop.page.wait_for_selector("#history canvas")
    desktop.shot("monitoring-history-desktop")
    assert not desktop.errors, desktop.errors


def test_phone_pages(phone):
    phone.login("enterprise")
    open_live(phone)
    phone.page.wait_for_selector("tr[data-point='hy-ch4-2']")
    phone.shot("monitoring-live-phone")
    phone.go("/monitoring/alarms/")
    phone.page.locator("[data-testid=alarm-panel]").wait_for()
    phone.shot("monitoring-board-phone")
    assert not phone.errors, phone.errors
