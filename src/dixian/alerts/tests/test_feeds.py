"""CAP feeds: an administrator's feed is fetched by the sweeper and imported by rule."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from pathlib import Path

import pytest

from dixian.alerts import services
from dixian.alerts.models import CapFeed, FeedMode, Warning, WarningState
from dixian.core import clock, deadlines

EXAMPLE = (
    Path(services.__file__).parent / "data" / "cap-examples" / "a2-thunderstorm.xml"
).read_bytes()
RED = (
    EXAMPLE.replace(b"KSTO1055887203", b"PL-RED-1")
    .replace(b"<event>SEVERE THUNDERSTORM</event>", b"<event>Rainstorm red warning</event>")
    .replace(b"<severity>Severe</severity>", b"<severity>Extreme</severity>")
)


@pytest.fixture
def feed_server():
    pages = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()


def test_feed_fetch_by_sweeper_draft_and_auto_release(db, feed_server):
    base, pages = feed_server
    pages["/draft.xml"] = EXAMPLE
    pages["/red.xml"] = RED
    pages["/bad.xml"] = b"<!DOCTYPE x [<!ENTITY e 'e'>]><alert/>"
    t0 = dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)
    CapFeed.objects.create(name="a", url=base + "/draft.xml", mode=FeedMode.DRAFT, next_fetch_at=t0)
    auto = CapFeed.objects.create(
        name="b", url=base + "/red.xml", mode=FeedMode.AUTO, auto_min_level="red", next_fetch_at=t0
    )
    bad = CapFeed.objects.create(
        name="c", url=base + "/bad.xml", mode=FeedMode.DRAFT, next_fetch_at=t0
    )
    with clock.frozen(t0 + dt.timedelta(seconds=1)):
        done = deadlines.sweep()
    assert done["alerts-cap-feeds"] == 3
    assert Warning.objects.get(cap_identifier="KSTO1055887203").state == WarningState.DRAFT
    red = Warning.objects.get(cap_identifier="PL-RED-1")
    assert red.level == "red" and red.kind == "rainstorm" and red.state == WarningState.RELEASED
    auto.refresh_from_db()
    bad.refresh_from_db()
    assert auto.next_fetch_at == t0 + dt.timedelta(seconds=1, minutes=5)
    assert bad.last_result.startswith("refused")
    # Fetching again imports nothing twice.
    with clock.frozen(t0 + dt.timedelta(minutes=10)):
        deadlines.sweep()
    assert Warning.objects.filter(cap_identifier="KSTO1055887203").count() == 1
