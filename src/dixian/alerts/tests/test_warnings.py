"""Warnings: lifecycle, targets, the 叫应 ladder on a controlled clock, 响应, CAP 1.2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import etree

from dixian.alerts import cap, services
from dixian.alerts.models import (
    EnterpriseResponse,
    EventKind,
    ResponseState,
    TargetRole,
    TargetState,
    Warning,
    WarningEvent,
    WarningState,
    WarningTarget,
)
from dixian.core import clock, deadlines
from dixian.core.choices import Channel
from dixian.core.models import ChannelEndpoint, Division, Message

T0 = dt.datetime(2026, 7, 20, 1, 0, tzinfo=dt.UTC)
EXAMPLES = Path(services.__file__).parent / "data" / "cap-examples"


@pytest.fixture
def caochuan(db):
    return Division.objects.get(code="140829104")


def released(users, township, level="red", kind="rainstorm", at=T0):
    with clock.frozen(at):
        w = services.draft_warning(
            actor=users["duty"],
            kind=kind,
            level=level,
            headline="曹川镇暴雨红色预警",
            text="未来3小时降雨量将达100毫米以上。",
            effective_at=at,
            expires_at=at + dt.timedelta(hours=12),
            divisions=[township],
        )
        services.approve_warning(actor=users["office"], warning=w)
        services.release_warning(actor=users["office"], warning=w)
    return w


def originals(w):
    return WarningTarget.objects.filter(warning=w, escalated_from__isnull=True)


def test_drafter_cannot_approve_and_only_approved_releases(users, caochuan):
    with clock.frozen(T0):
        w = services.draft_warning(
            actor=users["duty"],
            kind="rainstorm",
            level="red",
            headline="h",
            text="t",
            effective_at=T0,
            expires_at=T0 + dt.timedelta(hours=6),
            divisions=[caochuan],
        )
        with pytest.raises(ValidationError):
            services.approve_warning(actor=users["duty"], warning=w)
        with pytest.raises(ValidationError):
            services.release_warning(actor=users["office"], warning=w)
        services.approve_warning(actor=users["office"], warning=w)
    w.refresh_from_db()
    assert w.state == WarningState.APPROVED and w.approver == users["office"]


def test_level_must_exist_for_the_type(users, caochuan):
    with pytest.raises(ValidationError) as exc:
        services.draft_warning(
            actor=users["duty"],
            kind="drought",
            level="blue",
            headline="h",
            text="t",
            effective_at=T0,
            expires_at=T0 + dt.timedelta(hours=6),
            divisions=[caochuan],
        )
    assert "level" in exc.value.message_dict


def test_release_targets_area_by_roles_and_dispatches(users, caochuan):
    w = released(users, caochuan)
    targets = {t.name: t for t in originals(w)}
    assert targets["马镇长（示例）"].role == TargetRole.TOWNSHIP_PRINCIPAL
    assert targets["张立军（示例）"].role == TargetRole.VILLAGE_FLOOD
    assert targets["孟守库（示例）"].role == TargetRole.RESERVOIR
    assert targets["薛看坝（示例）"].role == TargetRole.CHECK_DAM
    # Coal mines of 曹川镇 are affected by a red rainstorm; the alumina plant elsewhere is not.
    principals = {t.org.name for t in targets.values() if t.role == TargetRole.ENTERPRISE_PRINCIPAL}
    assert "平陆县鸿岭煤业有限公司（基建矿井）" in principals
    assert not any("氧化铝" in n for n in principals)
    # One SMS per target, with the acknowledge link and the reply code.
    for t in targets.values():
        sms = Message.objects.get(person_id=t.person_id, channel=Channel.SMS, created_at=T0)
        assert services.ack_token(t.pk) in sms.link and t.reply_code in sms.body
        assert t.due_at == T0 + dt.timedelta(minutes=5)
    # 响应: the mine must stop production and withdraw workers (停产撤人), with a headcount.
    stop = EnterpriseResponse.objects.get(
        warning=w,
        enterprise__name="平陆县鸿岭煤业有限公司（基建矿井）",
        action_code="mine_stop_withdraw",
    )
    assert stop.needs_headcount
    assert (
        EnterpriseResponse.objects.filter(
            warning=w, action_code="construction_stop_outdoor"
        ).count()
        == 0
    )  # no building site in 曹川镇


def test_escalation_ladder_with_a_controlled_clock(users, caochuan):
    w = released(users, caochuan)
    village = originals(w).get(name="张立军（示例）")
    prompt = originals(w).get(name="马镇长（示例）")
    # Answers within the wake target: nothing more happens to this one.
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        assert services.acknowledge(target=prompt, channel="link")
    # 4 minutes: not due yet.
    assert services.escalate_due(T0 + dt.timedelta(minutes=4)) == 0
    # 5 minutes: called again by voice.
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        deadlines.sweep()
    village.refresh_from_db()
    assert village.step == 1 and village.recalled_at == T0 + dt.timedelta(minutes=5)
    assert Message.objects.filter(person_id=village.person_id, channel=Channel.VOICE).count() == 1
    # A second sweep at the same instant does nothing (idempotent).
    assert services.escalate_due(T0 + dt.timedelta(minutes=5)) == 0
    # 10 minutes: the deputy is called.
    with clock.frozen(T0 + dt.timedelta(minutes=10)):
        deadlines.sweep()
    village.refresh_from_db()
    deputy_call = WarningTarget.objects.get(escalated_from=village)
    assert deputy_call.name == "刘秀英（示例）" and village.escalated_at is not None
    assert Message.objects.filter(person_id=deputy_call.person_id, channel=Channel.VOICE).exists()
    # 15 minutes: the superior (the township head).
    with clock.frozen(T0 + dt.timedelta(minutes=15)):
        deadlines.sweep()
    assert [t.name for t in village.escalations.order_by("pk")] == [
        "刘秀英（示例）",
        "马镇长（示例）",
    ]
    # The village cadre answers after being escalated: counted, marked late, open calls end.
    with clock.frozen(T0 + dt.timedelta(minutes=16)):
        assert services.acknowledge(target=village, channel="sms")
    village.refresh_from_db()
    assert village.state == TargetState.ACKNOWLEDGED
    ev = WarningEvent.objects.get(target=village, kind=EventKind.ACKNOWLEDGED)
    assert ev.at == T0 + dt.timedelta(minutes=16) and ev.detail
    assert not village.escalations.filter(state=TargetState.CALLING).exists()
    # Every step is on the record, timestamped.
    kinds = list(
        WarningEvent.objects.filter(target=village)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["called", "recalled", "escalated", "escalated", "acknowledged"]
    # 20 minutes: a target that never answers runs out of ladder.
    with clock.frozen(T0 + dt.timedelta(minutes=20)):
        deadlines.sweep()
    keeper = originals(w).get(name="孟守库（示例）")  # no deputy: voice, superior, then end
    assert keeper.state == TargetState.UNANSWERED


def test_deputy_answer_covers_the_silent_person(users, caochuan):
    w = released(users, caochuan)
    village = originals(w).get(name="王建华（示例）")
    services.escalate_due(T0 + dt.timedelta(minutes=5))
    services.escalate_due(T0 + dt.timedelta(minutes=10))
    deputy = WarningTarget.objects.get(escalated_from=village)
    with clock.frozen(T0 + dt.timedelta(minutes=11)):
        services.acknowledge(target=deputy, channel="link")
    village.refresh_from_db()
    assert village.state == TargetState.COVERED and village.due_at is None
    assert services.escalate_due(T0 + dt.timedelta(minutes=30)) >= 0
    village.refresh_from_db()
    assert village.state == TargetState.COVERED


def test_cancel_mid_ladder_stops_escalation(users, caochuan):
    w = released(users, caochuan)
    services.escalate_due(T0 + dt.timedelta(minutes=5))
    with clock.frozen(T0 + dt.timedelta(minutes=7)):
        services.cancel_warning(actor=users["office"], warning=w, reason="雨势减弱")
    assert not originals(w).filter(state=TargetState.CALLING).exists()
    assert services.escalate_due(T0 + dt.timedelta(minutes=30)) == 0
    assert not WarningTarget.objects.filter(warning=w, escalated_from__isnull=False).exists()
    t = originals(w).first()
    with pytest.raises(services.WarningClosed):
        services.acknowledge(target=t, channel="link")
    assert EnterpriseResponse.objects.filter(warning=w, state=ResponseState.CANCELLED).exists()
    # Targets are told the warning is cancelled.
    assert Message.objects.filter(
        subject__contains="曹川镇暴雨红色预警", channel=Channel.SMS
    ).count() > len(originals(w))


def test_update_supersedes_and_expiry(users, caochuan):
    w = released(users, caochuan, level="orange")
    with clock.frozen(T0 + dt.timedelta(minutes=30)):
        new = services.make_update(
            actor=users["duty"], warning=w, level="red", headline="升级为红色", text="雨势加强"
        )
        services.approve_warning(actor=users["office"], warning=new)
        services.release_warning(actor=users["office"], warning=new)
    w.refresh_from_db()
    assert new.previous == w and w.state == WarningState.UPDATED
    xml = cap.export(new)
    assert cap.validate(xml) == {"valid": True, "errors": []}
    root = etree.fromstring(xml)
    assert root.findtext(f"{{{cap.NS}}}msgType") == "Update"
    assert w.number in root.findtext(f"{{{cap.NS}}}references")
    services.expire_due(T0 + dt.timedelta(hours=13))
    new.refresh_from_db()
    assert new.state == WarningState.EXPIRED


def test_ack_link_sms_code_and_inbound_endpoint(users, caochuan, client):
    w = released(users, caochuan)
    t = originals(w).get(name="张立军（示例）")
    url = reverse("alerts:ack", args=[services.ack_token(t.pk)])
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "xx/").status_code == 404
    response = client.post(url, {"do": "ack"})
    assert response.status_code == 302
    t.refresh_from_db()
    assert t.state == TargetState.ACKNOWLEDGED and t.ack_channel == "link"
    # SMS reply code through the gateway's inbound endpoint (bearer = SMS endpoint secret).
    ChannelEndpoint.objects.create(
        kind=Channel.SMS, name="gw", url="http://127.0.0.1:9/", secret="s3"
    )
    other = originals(w).get(name="王建华（示例）")
    inbound = reverse("alerts:sms_inbound")
    bad = client.post(inbound, {"phone": other.mobile, "text": other.reply_code})
    assert bad.status_code == 401
    ok = client.post(
        inbound,
        {"phone": "+86" + other.mobile, "text": f"收到 {other.reply_code}"},
        HTTP_AUTHORIZATION="Bearer s3",
    )
    assert ok.json() == {"code": 0, "matched": True}
    other.refresh_from_db()
    assert other.state == TargetState.ACKNOWLEDGED and other.ack_channel == "sms"


def test_mine_confirms_stop_and_withdraw(users, caochuan, client_for):
    from dixian.core.models import User

    w = released(users, caochuan)
    r = EnterpriseResponse.objects.get(
        warning=w,
        enterprise__name="平陆县鸿岭煤业有限公司（基建矿井）",
        action_code="mine_stop_withdraw",
    )
    mine = client_for("mine") if "mine" in users else None
    assert mine is not None, User.objects.filter(username="mine").exists()
    url = reverse("alerts:response_detail", args=[r.pk])
    page = mine.post(url, {"people_withdrawn": ""})
    assert page.status_code == 200  # headcount required
    assert mine.post(url, {"people_withdrawn": "37", "note": "全部升井"}).status_code == 302
    r.refresh_from_db()
    assert r.state == ResponseState.CONFIRMED and r.people_withdrawn == 37
    # Another enterprise cannot see it.
    assert client_for("enterprise").get(url).status_code == 404
    board = client_for("duty").get(reverse("alerts:warning_live", args=[w.pk]))
    assert "37" in board.content.decode()


def test_cap_export_validates_and_examples_import(users, caochuan):
    w = released(users, caochuan)
    xml = cap.export(w)
    assert cap.validate(xml)["valid"], cap.validate(xml)
    root = etree.fromstring(xml)
    assert root.tag == f"{{{cap.NS}}}alert"
    assert root.findtext(f"{{{cap.NS}}}sent").endswith("+08:00")
    codes = [g.findtext(f"{{{cap.NS}}}value") for g in root.iter(f"{{{cap.NS}}}geocode")]
    assert "140829104" in codes
    for path in sorted(EXAMPLES.glob("*.xml")):
        data = path.read_bytes()
        assert cap.validate(data)["valid"], (path.name, cap.validate(data))
        result = cap.import_message(data)
        assert result["action"] in ("draft", "released"), path.name
    assert Warning.objects.filter(
        cap_identifier="KSTO1055887203", state=WarningState.DRAFT
    ).exists()


HOSTILE = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>',
    "laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&c;</identifier></alert>',
    "oversized": b"<alert>" + b"x" * (cap.MAX_BYTES + 10) + b"</alert>",
    "malformed": b"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_is_refused_and_nothing_stored(db, name):
    before = Warning.objects.count()
    result = cap.validate(HOSTILE[name])
    assert result["valid"] is False and result["errors"]
    with pytest.raises(cap.CapError):
        cap.import_message(HOSTILE[name])
    assert Warning.objects.count() == before


def test_invalid_cap_lists_every_problem(db):
    data = (EXAMPLES / "a2-thunderstorm.xml").read_bytes()
    data = data.replace(b"<status>Actual</status>", b"<status>Real</status>")
    data = data.replace(b"2003-06-17T14:57:00-07:00", b"2003-06-17T14:57:00Z")
    data = data.replace(b"<msgType>Alert</msgType>", b"<msgType>Update</msgType>")
    errors = cap.validate(data)["errors"]
    text = " ".join(errors)
    assert "status" in text and "sent" in text and "references" in text


def test_cap_cli(tmp_path, capsys):
    from django.core.management import call_command

    good = EXAMPLES / "a1-homeland-security.xml"
    call_command("cap", "validate", str(good))
    assert '"valid": true' in capsys.readouterr().out
    bad = tmp_path / "bad.xml"
    bad.write_bytes(HOSTILE["xxe"])
    with pytest.raises(SystemExit) as exc:
        call_command("cap", "validate", str(bad))
    assert exc.value.code == 1


def test_pages_draft_approve_release(users, client_for, caochuan):
    duty, office = client_for("duty"), client_for("office")
    page = duty.get(reverse("alerts:warning_add"))
    assert page.status_code == 200 and 'type="datetime-local"' in page.content.decode()
    response = duty.post(
        reverse("alerts:warning_add"),
        {
            "kind": "rainstorm",
            "level": "red",
            "headline": "页面起草的预警",
            "text": "正文",
            "divisions": [caochuan.pk],
            "roles": ["village_flood", "township_principal"],
            "effective_at": "2026-07-20T09:00",
            "expires_at": "2026-07-20T21:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    w = Warning.objects.get(headline="页面起草的预警")
    assert w.effective_at == dt.datetime(2026, 7, 20, 1, 0, tzinfo=dt.UTC)  # Beijing time in
    # Missing fields come back in Chinese on the field.
    bad = duty.post(reverse("alerts:warning_add"), {"kind": "rainstorm"})
    assert "该字段是必填项" in bad.content.decode()
    duty.post(reverse("alerts:warning_approve", args=[w.pk]))
    w.refresh_from_db()
    assert w.state == WarningState.DRAFT  # the drafter cannot approve
    office.post(reverse("alerts:warning_approve", args=[w.pk]))
    office.post(reverse("alerts:warning_release", args=[w.pk]))
    w.refresh_from_db()
    assert w.state == WarningState.RELEASED
    board = office.get(reverse("alerts:warning_detail", args=[w.pk])).content.decode()
    assert "张立军（示例）" in board and "13911040101" in board
    assert (
        client_for("township").get(reverse("alerts:warning_detail", args=[w.pk])).status_code == 200
    )
    assert (
        client_for("enterprise").get(reverse("alerts:warning_detail", args=[w.pk])).status_code
        == 404
    )
    stats = office.get(reverse("alerts:stats") + "?days=3650").content.decode()
    assert "曹川镇" in stats
