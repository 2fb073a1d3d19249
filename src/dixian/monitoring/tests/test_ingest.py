"""The ingest path over HTTP: token, validation, dead letters, duplicates, rules, alarms."""

import datetime as dt
import json

import pytest

from dixian.core import clock, deadlines
from dixian.core.models import AuditEvent, Message
from dixian.monitoring.demo import demo_token
from dixian.monitoring.models import (
    Alarm,
    AlarmState,
    DeadLetter,
    Escalation,
    Gateway,
    LatestValue,
    LinkState,
    Point,
    Reading,
    Rollup,
)

URL = "/api/v1/readings/"


def post(client, body, token="demo-token-hy-gas"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"HTTP_AUTHORIZATION": f"Gateway {token}"} if token else {}
    return client.post(URL, raw, content_type="application/json", **headers)


def now():
    return clock.now()


def batch(values, point="hy-ch4-1", gateway="hy-gas", start=None):
    start = start or now()
    return {
        "gateway": gateway,
        "readings": [
            {"point": point, "ts": (start + dt.timedelta(seconds=i)).isoformat(), "value": v}
            for i, v in enumerate(values)
        ],
    }


@pytest.mark.django_db
def test_batch_is_stored_once_and_latest_and_rollups_follow(client):
    body = batch([1.0, 1.1, 1.2])
    r = post(client, body)
    assert r.status_code == 200, r.content
    assert r.json()["accepted"] == 3
    point = Point.objects.get(code="hy-ch4-1")
    again = post(client, body)
    assert again.json() == {
        "gateway": "hy-gas",
        "accepted": 0,
        "duplicates": 3,
        "rejected": [],
        "alarms_opened": 0,
    }
    first = dt.datetime.fromisoformat(body["readings"][0]["ts"])
    assert Reading.objects.filter(point=point, ts__gte=first).count() == 3
    latest = LatestValue.objects.get(point=point)
    assert latest.value == 1.2
    # an older reading arriving late is stored but does not replace the latest value
    late = batch([0.5], start=first - dt.timedelta(minutes=3))
    assert post(client, late).json()["accepted"] == 1
    assert LatestValue.objects.get(point=point).value == 1.2
    minute = first.replace(second=0, microsecond=0)
    roll = Rollup.objects.filter(point=point, period="m", bucket__gte=minute).order_by("bucket")
    assert sum(r.n for r in roll) >= 3


@pytest.mark.django_db
def test_token_is_required_and_bad_payloads_go_to_dead_letters(client):
    assert post(client, batch([1]), token=None).status_code in (401, 403)
    assert post(client, batch([1]), token="wrong").status_code == 401
    assert Gateway.objects.get(code="hy-gas").token_hash != "demo-token-hy-gas"  # hashed
    before = DeadLetter.objects.count()
    r = post(client, b"{not json")
    assert r.status_code == 400
    body = batch([1.0])
    body["readings"] += [
        {"point": "nope", "ts": now().isoformat(), "value": 1},
        {"point": "hy-ch4-1", "ts": "yesterday", "value": 1},
        {"point": "hy-ch4-1", "ts": now().isoformat(), "value": "NaN"},
        {"point": "hy-ch4-1", "ts": (now() + dt.timedelta(hours=1)).isoformat(), "value": 1},
        {"point": "hx-nh3-1", "ts": now().isoformat(), "value": 1},  # another gateway's point
        {"point": ["hy-ch4-1"], "ts": now().isoformat(), "value": 1},  # unhashable point
        {"point": "hy-ch4-1", "ts": {"at": 1}, "value": 1},  # unhashable time
        {"point": "hy-ch4-1", "ts": 1e300, "value": 1},  # epoch out of range
        [1, 2],
    ]
    r = post(client, body)
    assert r.status_code == 200
    assert r.json()["accepted"] == 1
    assert [x["index"] for x in r.json()["rejected"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    letters = DeadLetter.objects.order_by("-pk")[: DeadLetter.objects.count() - before]
    assert len(letters) == 2
    assert any(b"{not json" == bytes(d.raw) for d in letters)
    assert any("9 invalid readings" in d.reason for d in letters)


@pytest.mark.django_db
def test_methane_exceedance_opens_one_red_alarm_and_updates_it(client, users):
    start = now()
    r = post(client, batch([2.0, 60.0], start=start))
    assert r.status_code == 200
    alarm = Alarm.objects.get(point__code="hy-ch4-1", kind="threshold", state=AlarmState.OPEN)
    assert alarm.level == 4 and alarm.peak_value == 60.0
    assert AuditEvent.objects.filter(action="alarm.open", object_id=str(alarm.pk)).exists()
    # the enterprise safety manager is told in the inbox (and by SMS: red)
    msgs = Message.objects.filter(recipient=users["enterprise"], link__endswith=f"/{alarm.pk}/")
    assert {m.channel for m in msgs} >= {"inapp", "sms"}
    assert Message.objects.filter(recipient=users["office"], link__endswith=f"/{alarm.pk}/")
    # the same point and rule while open: count and peak, no second alarm
    post(client, batch([70.0, 65.0], start=start + dt.timedelta(seconds=10)))
    alarm.refresh_from_db()
    assert alarm.count == 3 and alarm.peak_value == 70.0  # 60, 70, 65 and alarm.last_value == 65.0
    assert (
        Alarm.objects.filter(point__code="hy-ch4-1", kind="threshold")
        .exclude(state=AlarmState.CLOSED)
        .count()
        == 1
    )
    # back to normal: marked, still open for the workflow
    post(client, batch([1.0], start=start + dt.timedelta(seconds=30)))
    alarm.refresh_from_db()
    assert alarm.recovered_at is not None and alarm.state == AlarmState.OPEN


@pytest.mark.django_db
def test_workflow_records_who_and_when(client_for, client, users):
    post(client, batch([55.0]))
    alarm = Alarm.objects.get(point__code="hy-ch4-1", kind="threshold", state=AlarmState.OPEN)
    c = client_for("enterprise")
    url = f"/monitoring/alarms/{alarm.pk}/step/"
    assert c.post(url, {"step": "acknowledge"}).status_code == 302
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.ACKNOWLEDGED and alarm.acknowledged_by == users["enterprise"]
    assert alarm.escalation == Escalation.NONE
    c.post(url, {"step": "dispose", "note": "关闭阀门，通风"})
    r = c.post(url, {"step": "feedback", "cause": "", "measures": ""})
    assert r.status_code == 200 and "这个字段是必填项".encode() in r.content or r.status_code == 200
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.DISPOSING
    c.post(url, {"step": "feedback", "cause": "法兰垫片老化泄漏", "measures": "更换垫片，复测正常"})
    c.post(url, {"step": "close"})
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLOSED and alarm.closed_by == users["enterprise"]
    steps = list(
        AuditEvent.objects.filter(object_id=str(alarm.pk), object_type="monitoring.alarm")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert steps == [
        "alarm.open",
        "alarm.acknowledge",
        "alarm.dispose",
        "alarm.feedback",
        "alarm.close",
    ]
    # the county leader reads but cannot handle; another enterprise cannot even see it
    assert client_for("leader").post(url, {"step": "close"}).status_code == 404


@pytest.mark.django_db
def test_unacknowledged_alarm_escalates_once_with_a_moved_clock(client, users):
    post(client, batch([80.0]))
    alarm = Alarm.objects.get(point__code="hy-ch4-1", kind="threshold", state=AlarmState.OPEN)
    assert alarm.escalation == Escalation.PENDING
    deadlines.sweep(alarm.ack_due_at - dt.timedelta(seconds=1))
    alarm.refresh_from_db()
    assert alarm.escalation == Escalation.PENDING
    later = alarm.ack_due_at + dt.timedelta(seconds=1)
    with clock.frozen(later):
        deadlines.sweep(later)
        deadlines.sweep(later)
    alarm.refresh_from_db()
    assert alarm.escalation == Escalation.ESCALATED and alarm.escalated_at == later
    escalated = Message.objects.filter(dedupe_key__startswith=f"alarm:{alarm.pk}:escalate")
    # the supervising department (县应急局 inspector) and the duty officer are told, once
    recipients = set(escalated.values_list("recipient__username", flat=True))
    assert {"inspector", "duty"} <= recipients
    assert escalated.filter(recipient=users["inspector"], channel="inapp").count() == 1


@pytest.mark.django_db
def test_silent_gateway_goes_offline_reminds_and_recovers(client):
    gw = Gateway.objects.get(code="hd-net")
    post(client, batch([0.3], point="hd-p-1", gateway="hd-net"), token="demo-token-hd-net")
    gw.refresh_from_db()
    assert gw.link_state == LinkState.ONLINE
    due = gw.silence_due_at
    assert due == gw.last_seen_at + dt.timedelta(seconds=gw.interval_s * gw.silence_factor)
    t1 = due + dt.timedelta(seconds=1)
    with clock.frozen(t1):
        deadlines.sweep(t1)
    gw.refresh_from_db()
    assert gw.link_state == LinkState.OFFLINE
    alarm = Alarm.objects.get(gateway=gw, kind="offline", state=AlarmState.OPEN)
    assert alarm.count == 1
    t2 = gw.remind_at + dt.timedelta(seconds=1)
    with clock.frozen(t2):
        deadlines.sweep(t2)
    alarm.refresh_from_db()
    assert alarm.count == 2  # reminded
    assert Message.objects.filter(dedupe_key__startswith=f"alarm:{alarm.pk}:remind").exists()
    with clock.frozen(t2 + dt.timedelta(seconds=5)):
        post(
            client,
            batch([0.3], point="hd-p-1", gateway="hd-net", start=t2),
            token="demo-token-hd-net",
        )
    gw.refresh_from_db()
    alarm.refresh_from_db()
    assert gw.link_state == LinkState.ONLINE and gw.remind_at is None
    assert alarm.recovered_at is not None


@pytest.mark.django_db
def test_tailings_aggregation_raises_the_facility(client):
    token = "demo-token-hy-yard"
    start = now()
    readings = [
        {"point": f"yd-dis-{i}", "ts": start.isoformat(), "value": 12.0} for i in range(1, 5)
    ]
    r = post(client, {"gateway": "hy-yard", "readings": readings}, token=token)
    assert r.json()["accepted"] == 4
    agg = Alarm.objects.get(kind="aggregate", state=AlarmState.OPEN)
    assert agg.level == 2  # four blue displacement points ⇒ the item (and the yard) yellow
    assert "坝体位移" in agg.message


def test_demo_token_is_known():
    assert demo_token("hy-gas") == "demo-token-hy-gas"


def _keep_gateway_alive(client, at):
    """Another point of the same gateway reports: the gateway is online, only the watched
    point is silent."""
    with clock.frozen(at):
        r = post(client, batch([0.9], point="hy-p-1", start=at))
    assert r.json()["accepted"] == 1


@pytest.mark.django_db
def test_silent_point_goes_offline_reminds_until_data_returns_then_recovers(client):
    t0 = now().replace(microsecond=0)
    with clock.frozen(t0):
        assert post(client, batch([0.3], start=t0)).json()["accepted"] == 1
    latest = LatestValue.objects.select_related("point__gateway").get(point__code="hy-ch4-1")
    point = latest.point
    k = point.gateway.silence_factor
    assert latest.link_state == LinkState.ONLINE
    assert latest.silence_due_at == t0 + dt.timedelta(seconds=k * point.interval_s)
    # not yet due: nothing happens
    just_before = latest.silence_due_at - dt.timedelta(seconds=1)
    _keep_gateway_alive(client, just_before)
    with clock.frozen(just_before):
        deadlines.sweep(just_before)
    latest.refresh_from_db()
    assert latest.link_state == LinkState.ONLINE
    assert not Alarm.objects.filter(point=point, kind="offline").exists()
    # due: offline, one offline alarm on the point, notified through the outbox
    t1 = latest.silence_due_at + dt.timedelta(seconds=1)
    _keep_gateway_alive(client, t1)
    with clock.frozen(t1):
        deadlines.sweep(t1)
        deadlines.sweep(t1)  # a second sweep changes nothing
    latest.refresh_from_db()
    assert latest.link_state == LinkState.OFFLINE
    alarm = Alarm.objects.get(point=point, kind="offline", state=AlarmState.OPEN)
    assert alarm.count == 1 and alarm.recovered_at is None
    assert Message.objects.filter(dedupe_key__startswith=f"alarm:{alarm.pk}:open").exists()
    assert Gateway.objects.get(code="hy-gas").link_state == LinkState.ONLINE
    # still silent at the reminder time: counted and reminded, again and again
    for expected in (2, 3):
        t = latest.remind_at + dt.timedelta(seconds=1)
        _keep_gateway_alive(client, t)
        with clock.frozen(t):
            deadlines.sweep(t)
        latest.refresh_from_db()
        alarm.refresh_from_db()
        assert alarm.count == expected
    reminders = Message.objects.filter(dedupe_key__startswith=f"alarm:{alarm.pk}:remind")
    keys = reminders.values_list("dedupe_key", flat=True)
    assert len({k.split(":remind:")[1].rsplit(":", 2)[0] for k in keys}) == 2  # two times
    # data returns: online, no more reminders, the alarm marks the recovery (stays open)
    t3 = t + dt.timedelta(seconds=5)
    with clock.frozen(t3):
        assert post(client, batch([0.31], start=t3)).json()["accepted"] == 1
    latest.refresh_from_db()
    alarm.refresh_from_db()
    assert latest.link_state == LinkState.ONLINE and latest.remind_at is None
    assert alarm.recovered_at == t3 and alarm.state == AlarmState.OPEN
    assert AuditEvent.objects.filter(action="point.online", object_id=str(point.pk)).exists()
    soon = t3 + dt.timedelta(seconds=10)
    with clock.frozen(soon):
        deadlines.sweep(soon)
    alarm.refresh_from_db()
    latest.refresh_from_db()
    assert alarm.count == 3 and latest.link_state == LinkState.ONLINE


@pytest.mark.django_db
def test_a_silent_gateway_does_not_flood_with_point_alarms(client):
    t0 = now().replace(microsecond=0)
    with clock.frozen(t0):
        post(client, batch([0.3], start=t0))
    latest = LatestValue.objects.get(point__code="hy-ch4-1")
    t1 = latest.silence_due_at + dt.timedelta(seconds=1)
    with clock.frozen(t1):
        deadlines.sweep(t1)
    latest.refresh_from_db()
    assert latest.link_state == LinkState.OFFLINE  # the point is offline too …
    assert Alarm.objects.filter(gateway__code="hy-gas", kind="offline").exists()
    assert not Alarm.objects.filter(point=latest.point, kind="offline").exists()  # … one alarm


@pytest.mark.django_db
def test_overview_map_colours_enterprises_by_worst_open_alarm(client, client_for):
    from dixian.monitoring.selectors import map_points

    gw = Gateway.objects.select_related("enterprise").get(code="hy-gas")
    enterprise = gw.enterprise
    page = client_for("office").get("/monitoring/")
    assert page.status_code == 200 and b'id="mon-map-points"' in page.content

    def level_on_map():
        points = page.context["data"]["map_points"]
        return {p["url"]: p["level"] for p in points}.get(f"/monitoring/live/{enterprise.pk}/")

    assert enterprise.latitude is not None
    before = level_on_map()
    post(client, batch([60.0]))  # methane far above the red limit
    page = client_for("office").get("/monitoring/")
    assert level_on_map() == 4 and (before or 0) <= 4
    alarm = Alarm.objects.get(point__code="hy-ch4-1", kind="threshold", state=AlarmState.OPEN)
    Alarm.objects.filter(pk=alarm.pk).update(state=AlarmState.CLOSED)
    page = client_for("office").get("/monitoring/")
    assert level_on_map() == (before or 0)  # closed alarms do not colour the map
    assert map_points([]) == []
