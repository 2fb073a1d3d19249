"""Alerts API: scoped reads, acknowledgement of one's own call, feedback, CAP by POST."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rest_framework.test import APIClient

from dixian.alerts import services
from dixian.alerts.models import TargetState, Warning, WarningTarget
from dixian.core import clock
from dixian.core.models import Division

from .test_warnings import T0, released

EXAMPLES = Path(services.__file__).parent / "data" / "cap-examples"


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_reads_are_scoped(users):
    w = released(users, Division.objects.get(code="140829104"))
    ids = {
        row["id"]
        for row in api(users["township"]).get("/api/v1/warnings/?page_size=100").json()["results"]
    }
    assert w.pk in ids
    # The alumina plant is not in 曹川镇: it sees neither the warning nor its targets.
    assert api(users["enterprise"]).get(f"/api/v1/warnings/{w.pk}/").status_code == 404
    mine = api(users["mine"]).get("/api/v1/warning-targets/?page_size=100").json()["results"]
    assert mine and all(t["org"] == users["mine"].org_id for t in mine)


def test_acknowledge_own_call_only(users):
    w = released(users, Division.objects.get(code="140829104"))
    duty_target = WarningTarget.objects.filter(warning=w).first()
    assert api(users["duty"]).post(
        "/api/v1/acknowledgements/", {"target": duty_target.pk}, format="json"
    ).status_code in (400, 403)
    # The mine's safety manager is not called (the principal is); give him a call to answer.
    t = WarningTarget.objects.create(
        warning=w,
        person=users["mine"].person,
        name="高矿安",
        mobile="1",
        role="enterprise_principal",
        org=users["mine"].org,
        called_at=T0,
        reply_code="123456",
    )
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        r = api(users["mine"]).post("/api/v1/acknowledgements/", {"target": t.pk}, format="json")
    assert r.status_code == 200 and r.json()["acknowledged"] is True
    t.refresh_from_db()
    assert t.state == TargetState.ACKNOWLEDGED and t.ack_channel == "api"
    acks = api(users["mine"]).get("/api/v1/acknowledgements/").json()["results"]
    assert any(a["target"] == t.pk for a in acks)


def test_feedback_create(users):
    w = released(users, Division.objects.get(code="140829104"))
    r = api(users["township"]).post(
        "/api/v1/warning-feedback/",
        {"warning": w.pk, "text": "已转移群众12人", "checklist": ["people_moved"]},
        format="json",
    )
    assert r.status_code == 201 and r.json()["text"] == "已转移群众12人"
    other = api(users["enterprise"]).post(
        "/api/v1/warning-feedback/", {"warning": w.pk, "text": "x"}, format="json"
    )
    assert other.status_code == 400  # a warning the caller cannot see does not exist


def test_cap_post(users):
    c = api(users["office"])
    good = (EXAMPLES / "a2-thunderstorm.xml").read_bytes()
    r = c.post("/api/v1/cap-messages/", good, content_type="application/xml")
    assert r.status_code == 201 and r.json()["action"] == "draft"
    assert Warning.objects.filter(cap_identifier="KSTO1055887203").count() == 1
    bad = good.replace(b"<scope>Public</scope>", b"")
    before = Warning.objects.count()
    r = c.post("/api/v1/cap-messages/", bad, content_type="application/xml")
    assert r.status_code == 400 and r.json()["errors"]
    assert Warning.objects.count() == before
    assert (
        api(users["leader"])
        .post("/api/v1/cap-messages/", good, content_type="application/xml")
        .status_code
        == 403
    )
