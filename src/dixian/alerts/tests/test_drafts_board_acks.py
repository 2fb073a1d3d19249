"""Issue 7 follow-ups: editable drafts, consistent board counts, the lean one-tap answer and
the set-based release writing every row."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dixian.alerts import selectors, services
from dixian.alerts.models import (
    EventKind,
    TargetState,
    Warning,
    WarningEvent,
    WarningState,
    WarningTarget,
)
from dixian.core import clock
from dixian.core.choices import Channel
from dixian.core.models import AuditEvent, Division, Message

T0 = dt.datetime(2026, 7, 20, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def caochuan(db):
    return Division.objects.get(code="140829104")


def draft(users, township, **changes):
    fields = {
        "kind": "rainstorm",
        "level": "orange",
        "headline": "曹川镇暴雨橙色预警",
        "text": "未来6小时降雨量将达50毫米以上。",
        "effective_at": T0,
        "expires_at": T0 + dt.timedelta(hours=12),
        "divisions": [township],
    }
    fields.update(changes)
    with clock.frozen(T0):
        return services.draft_warning(actor=users["duty"], **fields)


def edit_fields(township, **changes):
    fields = {
        "kind": "rainstorm",
        "level": "red",
        "headline": "曹川镇暴雨红色预警（修改）",
        "text": "雨势加强。",
        "instruction": "立即转移危险区群众。",
        "effective_at": T0,
        "expires_at": T0 + dt.timedelta(hours=6),
        "divisions": [township],
        "roles": ["village_flood", "township_principal"],
    }
    fields.update(changes)
    return fields


def released(users, township):
    w = draft(users, township, level="red")
    with clock.frozen(T0):
        services.approve_warning(actor=users["office"], warning=w)
        services.release_warning(actor=users["office"], warning=w)
    return w


# ---- drafts are editable by their author before release ----------------------------------


def test_author_edits_a_draft_with_the_same_validation(users, caochuan):
    w = draft(users, caochuan)
    services.edit_draft(actor=users["duty"], warning=w, **edit_fields(caochuan))
    w.refresh_from_db()
    assert (w.level, w.headline, w.state) == ("red", "曹川镇暴雨红色预警（修改）", "draft")
    assert w.roles == ["village_flood", "township_principal"]
    assert w.wake_minutes == services.wake_minutes_for("red")
    assert w.expires_at == T0 + dt.timedelta(hours=6)
    event = AuditEvent.objects.filter(action="warning.edit", object_id=str(w.pk)).get()
    assert event.before["level"] == "orange" and event.after["level"] == "red"

    # The same rules as drafting: a level the type does not have, an empty area, validity.
    with pytest.raises(ValidationError) as exc:
        services.edit_draft(
            actor=users["duty"], warning=w, **edit_fields(caochuan, kind="drought", level="blue")
        )
    assert "level" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.edit_draft(
            actor=users["duty"],
            warning=w,
            **edit_fields(caochuan, divisions=[], expires_at=T0 - dt.timedelta(hours=1)),
        )
    assert {"divisions", "expires_at"} <= set(exc.value.message_dict)
    w.refresh_from_db()
    assert w.level == "red"  # nothing of the refused edits was stored


def test_only_the_author_edits_and_approval_is_undone(users, caochuan):
    w = draft(users, caochuan)
    with pytest.raises(PermissionDenied):
        services.edit_draft(actor=users["office"], warning=w, **edit_fields(caochuan))
    with clock.frozen(T0):
        services.approve_warning(actor=users["office"], warning=w)
    services.edit_draft(actor=users["duty"], warning=w, **edit_fields(caochuan))
    w.refresh_from_db()
    assert w.state == WarningState.DRAFT and w.approver is None and w.approved_at is None
    with pytest.raises(ValidationError):  # it needs a new approval before release
        services.release_warning(actor=users["office"], warning=w)
    with clock.frozen(T0):
        services.approve_warning(actor=users["office"], warning=w)
        services.release_warning(actor=users["office"], warning=w)
    with pytest.raises(ValidationError):  # released: no longer editable
        services.edit_draft(actor=users["duty"], warning=w, **edit_fields(caochuan))


def test_edit_page(users, client_for, caochuan):
    w = draft(users, caochuan)
    duty, office = client_for("duty"), client_for("office")
    url = reverse("alerts:warning_edit", args=[w.pk])
    detail = duty.get(reverse("alerts:warning_detail", args=[w.pk])).content.decode()
    assert url in detail
    assert url not in office.get(reverse("alerts:warning_detail", args=[w.pk])).content.decode()
    page = duty.get(url).content.decode()
    assert "曹川镇暴雨橙色预警" in page and 'value="2026-07-20T09:00"' in page
    locked = office.get(url)  # may change the warning, but did not draft it
    assert locked.status_code == 200 and "只有起草人可以修改草稿" in locked.content.decode()
    assert office.post(url, {"kind": "rainstorm"}).status_code == 404
    bad = duty.post(url, {"kind": "rainstorm", "level": "red", "headline": "x"})
    assert bad.status_code == 200 and "该字段是必填项" in bad.content.decode()
    response = duty.post(
        url,
        {
            "kind": "rainstorm",
            "level": "red",
            "headline": "页面修改的预警",
            "text": "正文",
            "divisions": [caochuan.pk],
            "roles": ["village_flood"],
            "effective_at": "2026-07-20T09:00",
            "expires_at": "2026-07-20T15:00",
        },
    )
    assert response.status_code == 302
    w.refresh_from_db()
    assert (w.headline, w.level, w.roles) == ("页面修改的预警", "red", ["village_flood"])
    assert w.expires_at == dt.datetime(2026, 7, 20, 7, 0, tzinfo=dt.UTC)


# ---- the board's counts agree ----------------------------------------------------------------


def test_board_counts_agree_and_are_labelled(users, caochuan, client_for):
    w = released(users, caochuan)
    first = WarningTarget.objects.filter(warning=w).order_by("pk").first()
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        services.acknowledge(target=first, channel="link")
    services.escalate_due(T0 + dt.timedelta(minutes=5))
    services.escalate_due(T0 + dt.timedelta(minutes=10))
    services.escalate_due(T0 + dt.timedelta(minutes=15))
    b = selectors.board(w, users["office"])
    originals = WarningTarget.objects.filter(warning=w, escalated_from__isnull=True)
    calls = WarningTarget.objects.filter(warning=w, escalated_from__isnull=False)
    assert calls.exists()  # the ladder has made calls besides the targets
    assert b["total"] == originals.count()
    assert b["answered"] + b["silent_count"] == b["total"]
    assert b["answered"] == originals.filter(state__in=["acknowledged", "covered"]).count()
    assert len(b["silent"]) == b["silent_count"]
    assert all(t.escalated_from_id is None for t in b["silent"])
    assert b["escalation_count"] == calls.count()
    assert b["escalations_open"] == calls.filter(state=TargetState.CALLING).count()

    page = client_for("office").get(reverse("alerts:warning_detail", args=[w.pk])).content.decode()
    ack = re.search(r'data-testid="ack-count">([^<]*)<', page).group(1)
    assert ack.strip() == f"已应答对象 {b['answered']}/{b['total']}"
    silent = re.search(r'data-testid="silent-count">(\d+)<', page).group(1)
    assert int(silent) == b["silent_count"] == b["total"] - b["answered"]
    rows = re.search(r'data-testid="silent-table">(.*?)</table>', page, re.S).group(1)
    assert rows.count("<tr>") - 1 == b["silent_count"]  # header row + one per silent target
    assert f"升级呼叫 ({b['escalation_count']})" in page


def test_cancelled_calls_are_counted_apart(users, caochuan):
    w = released(users, caochuan)
    first = WarningTarget.objects.filter(warning=w).order_by("pk").first()
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        services.acknowledge(target=first, channel="link")
        services.cancel_warning(actor=users["office"], warning=w, reason="雨势减弱")
    b = selectors.board(w, users["office"])
    originals = WarningTarget.objects.filter(warning=w, escalated_from__isnull=True).count()
    assert (b["answered"], b["silent_count"]) == (1, 0)
    assert b["total"] + b["withdrawn"] == originals


# ---- the one-tap answer ------------------------------------------------------------------------


def test_link_answer_is_one_update_and_one_record(users, caochuan, client):
    w = released(users, caochuan)
    t = WarningTarget.objects.filter(warning=w).order_by("pk").first()
    url = reverse("alerts:ack", args=[services.ack_token(t.pk)])
    before = AuditEvent.objects.count()
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        assert client.post(url, {"do": "ack"}).status_code == 302
        assert client.post(url, {"do": "ack"}).status_code == 302  # a second tap: no change
    t.refresh_from_db()
    assert t.state == TargetState.ACKNOWLEDGED and t.ack_channel == "link"
    assert t.acknowledged_at == T0 + dt.timedelta(minutes=2) and t.due_at is None
    [ev] = WarningEvent.objects.filter(target=t, kind=EventKind.ACKNOWLEDGED)
    assert (ev.at, ev.channel, ev.detail) == (T0 + dt.timedelta(minutes=2), "link", "")
    assert AuditEvent.objects.count() == before  # the 叫应 record is the log of an anonymous tap
    # A forged token, or one for a row that does not exist, is refused.
    assert client.post(url[:-3] + "xx/", {"do": "ack"}).status_code == 404
    missing = reverse("alerts:ack", args=[services.ack_token(10**9)])
    assert client.post(missing, {"do": "ack"}).status_code == 404


def test_link_answer_by_the_deputy_covers_and_after_cancel_changes_nothing(users, caochuan, client):
    w = released(users, caochuan)
    services.escalate_due(T0 + dt.timedelta(minutes=5))
    services.escalate_due(T0 + dt.timedelta(minutes=10))
    call = WarningTarget.objects.filter(warning=w, escalated_from__isnull=False).first()
    with clock.frozen(T0 + dt.timedelta(minutes=11)):
        client.post(reverse("alerts:ack", args=[services.ack_token(call.pk)]), {"do": "ack"})
    parent = call.escalated_from
    parent.refresh_from_db()
    assert parent.state == TargetState.COVERED
    assert parent.covered_at == T0 + dt.timedelta(minutes=11)
    assert WarningEvent.objects.filter(target=parent, kind=EventKind.COVERED).count() == 1

    silent = WarningTarget.objects.filter(warning=w, state=TargetState.CALLING).first()
    with clock.frozen(T0 + dt.timedelta(minutes=12)):
        services.cancel_warning(actor=users["office"], warning=w, reason="解除")
    url = reverse("alerts:ack", args=[services.ack_token(silent.pk)])
    assert client.post(url, {"do": "ack"}).status_code == 302
    silent.refresh_from_db()
    assert silent.state == TargetState.CANCELLED and silent.acknowledged_at is None


# ---- release: every row written, set-based ----------------------------------------------------


def test_release_writes_one_sms_and_one_record_per_target(users, caochuan):
    w = released(users, caochuan)
    targets = list(WarningTarget.objects.filter(warning=w))
    assert targets
    sms = Message.objects.filter(channel=Channel.SMS, created_at=T0, link__contains="/alerts/a/")
    assert sms.count() == len(targets)
    by_person = {m.person_id: m for m in sms}
    for t in targets:
        m = by_person[t.person_id]
        assert m.address == t.mobile and m.next_attempt_at == T0 and m.state == "pending"
        assert m.link.endswith(f"/alerts/a/{services.ack_token(t.pk)}/")
        assert t.reply_code in m.body and w.number in m.body
        assert services.target_id_for_token(m.link.rstrip("/").rsplit("/", 1)[1]) == t.pk
    called = WarningEvent.objects.filter(warning=w, kind=EventKind.CALLED, at=T0)
    assert sorted(called.values_list("target_id", flat=True)) == sorted(t.pk for t in targets)
    release = AuditEvent.objects.get(action="warning.release", object_id=str(w.pk))
    assert release.after["targets"] == len(targets)
    assert Warning.objects.get(pk=w.pk).state == WarningState.RELEASED
