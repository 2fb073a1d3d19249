"""The WSGI fast lane of the one-tap answer answers exactly as the view, and only then."""

from __future__ import annotations

import datetime as dt
import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import reverse

from dixian.alerts import services
from dixian.alerts.fastack import FastAck
from dixian.alerts.models import EventKind, TargetState, WarningEvent, WarningTarget
from dixian.alerts.tests.test_drafts_board_acks import T0, caochuan, released  # noqa: F401
from dixian.core import clock


def call(app, path, body=b"do=ack", ctype="application/x-www-form-urlencoded", method="POST"):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "CONTENT_TYPE": ctype,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_HOST": "testserver",
        "SERVER_NAME": "testserver",
    }
    setup_testing_defaults(environ)
    out = {}

    def start_response(status, headers, exc_info=None):
        out["status"], out["headers"] = status, headers

    # As Django's test client does: the test's transaction must not be closed by the
    # request signals (on PostgreSQL that would close the connection under the test).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = app(environ, start_response)
        content = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return int(out["status"][:3]), dict(out["headers"]), content


def comparable(headers):
    # Per request: the request id, and the negotiated language of an empty redirect.
    per_request = {"x-request-id", "content-length", "content-language"}
    return {k: v for k, v in headers.items() if k.lower() not in per_request}


@pytest.fixture
def lane():
    return FastAck(WSGIHandler())


def test_the_lane_answers_like_the_view(users, caochuan, lane):  # noqa: F811
    w = released(users, caochuan)
    first, second, third = WarningTarget.objects.filter(warning=w).order_by("pk")[:3]
    url = lambda t: reverse("alerts:ack", args=[services.ack_token(t.pk)])  # noqa: E731
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        # The first answer goes through Django; the lane learns its headers from it.
        status1, headers1, _ = call(lane, url(first))
        assert lane.fast == 0 and status1 == 302
        status2, headers2, _ = call(lane, url(second))
        assert lane.fast == 1 and status2 == 302
        # A second tap: still a redirect, no second record.
        assert call(lane, url(second))[0] == 302 and lane.fast == 2
    assert headers2["Location"] == url(second)
    assert comparable(headers1) | {"Location": url(second)} == comparable(headers2)
    assert "Content-Security-Policy" in headers2 and headers2["X-Frame-Options"] == "DENY"
    for t in (first, second):
        t.refresh_from_db()
        assert t.state == TargetState.ACKNOWLEDGED and t.ack_channel == "link"
        assert WarningEvent.objects.filter(target=t, kind=EventKind.ACKNOWLEDGED).count() == 1
    third.refresh_from_db()
    assert third.acknowledged_at is None


def test_everything_else_goes_to_django(users, caochuan, lane):  # noqa: F811
    w = released(users, caochuan)
    a, b = WarningTarget.objects.filter(warning=w).order_by("pk")[:2]
    good = reverse("alerts:ack", args=[services.ack_token(a.pk)])
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        call(lane, good)  # learn
        # A forged token and an unknown target: Django's 404.
        assert call(lane, good[:-3] + "xx/")[0] == 404
        assert call(lane, reverse("alerts:ack", args=[services.ack_token(10**9)]))[0] == 404
        # Other fields, a feedback form, a GET: Django's, answered as the view answers.
        other = reverse("alerts:ack", args=[services.ack_token(b.pk)])
        assert call(lane, other, body=b"do=feedback&text=")[0] == 200  # the form, re-shown
        assert call(lane, other, method="GET", body=b"")[0] == 200
        b.refresh_from_db()
        assert b.acknowledged_at is None
        assert call(lane, other, body=b"do=ack&x=1")[0] == 302  # the view ignores x
    assert lane.fast == 0
    b.refresh_from_db()
    assert b.acknowledged_at is not None


def test_a_cancelled_warning_redirects_and_changes_nothing(users, caochuan, lane):  # noqa: F811
    w = released(users, caochuan)
    a, b = WarningTarget.objects.filter(warning=w).order_by("pk")[:2]
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        call(lane, reverse("alerts:ack", args=[services.ack_token(a.pk)]))  # learn
        services.cancel_warning(actor=users["office"], warning=w, reason="解除")
        status, _h, _c = call(lane, reverse("alerts:ack", args=[services.ack_token(b.pk)]))
    assert status == 302 and lane.fast == 1
    b.refresh_from_db()
    assert b.acknowledged_at is None
