"""The notification outbox and its channels, driven against a real HTTP server on loopback.

The SMS gateway and the WeCom / DingTalk / Feishu robots are played by ``FakeGateway``
(``http.server.ThreadingHTTPServer`` on 127.0.0.1, ephemeral port); the robot signatures are
checked by that server, as the vendors do. E-mail goes to Django's locmem backend. Time is
the frozen ``core.clock`` or an explicit ``now``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from dixian.core import clock, deadlines
from dixian.core.choices import Channel, MessageState
from dixian.core.models import ChannelEndpoint, DeliveryAttempt, Message, User
from dixian.core.notify import (
    deliver_due,
    deliver_message,
    enqueue,
    mark_read,
    outbox,
    unread_count,
)

from .fakegateway import FakeGateway, dingtalk_verifier, feishu_verifier

T0 = dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def outbox_settings(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_BACKOFF_SECONDS = 60
    settings.OUTBOX_HTTP_TIMEOUT = 3
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return settings


@pytest.fixture
def gateway():
    with FakeGateway() as server:
        yield server


@pytest.fixture
def sms_endpoint(db, gateway, outbox_settings):
    """The only enabled SMS gateway: the loopback server, with a bearer token."""
    ChannelEndpoint.objects.filter(kind=Channel.SMS).update(enabled=False)
    return ChannelEndpoint.objects.create(
        kind=Channel.SMS, name="test gateway", url=f"{gateway.url}/sms", secret="tok-123"
    )


def sms_to(user, **kwargs) -> Message:
    """Enqueue one SMS without running the after-commit delivery (the test drives it)."""
    [msg] = enqueue(
        subject=kwargs.pop("subject", "汛期值班提醒"),
        body=kwargs.pop("body", "今晚 20:00 到岗"),
        recipients=[user],
        channels=(Channel.SMS,),
        **kwargs,
    )
    return msg


def robot(kind, gateway, *, path="/robot", secret=""):
    return ChannelEndpoint.objects.create(
        kind=kind, name=f"{kind} group", url=f"{gateway.url}{path}", secret=secret
    )


def log_of(msg):
    """The message's delivery log, in the order the attempts were written."""
    return list(DeliveryAttempt.objects.filter(message=msg).order_by("id"))


# --- in-app inbox ------------------------------------------------------------------------------


def test_inapp_message_is_delivered_at_once_and_counts_as_unread(users):
    user = users["township"]
    before = unread_count(user)
    with clock.frozen(T0):
        [msg] = enqueue(subject="隐患整改到期", body="请于今日完成", link="/x/1", recipients=[user])
    msg.refresh_from_db()
    assert msg.channel == Channel.INAPP
    assert msg.state == MessageState.DELIVERED
    assert msg.delivered_at == T0 and msg.created_at == T0
    assert msg.next_attempt_at is None
    assert msg.org == user.org
    assert unread_count(user) == before + 1
    # The inbox needs no worker: nothing is due, nothing is logged.
    assert deliver_due(T0 + dt.timedelta(days=1)) == 0
    assert log_of(msg) == []


def test_mark_read_marks_only_the_users_own_messages(users):
    user, other = users["township"], users["grid"]
    mark_read(user=user)
    with clock.frozen(T0):
        first, second = (enqueue(subject=f"通知 {i}", recipients=[user])[0] for i in range(2))
    assert unread_count(user) == 2

    # Someone else cannot mark my message read.
    assert mark_read(user=other, message_ids=[first.pk]) == 0
    assert unread_count(user) == 2

    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        assert mark_read(user=user, message_ids=[first.pk]) == 1
    first.refresh_from_db()
    assert first.read_at == T0 + dt.timedelta(minutes=5)
    assert unread_count(user) == 1
    assert mark_read(user=user, message_ids=[first.pk]) == 0  # already read

    assert mark_read(user=user) == 1
    second.refresh_from_db()
    assert second.read_at is not None
    assert unread_count(user) == 0
    assert unread_count(AnonymousUser()) == 0


def test_dedupe_key_prevents_duplicates(users):
    a, b, c = users["township"], users["grid"], users["housing"]
    first = enqueue(subject="演练通知", recipients=[a, b, a], dedupe_key="drill:7")
    assert sorted(m.recipient_id for m in first) == sorted([a.pk, b.pk])  # a only once

    again = enqueue(subject="演练通知", recipients=[a, b], dedupe_key="drill:7")
    assert again == []
    # A recipient added later still gets it, once.
    later = enqueue(subject="演练通知", recipients=[a, b, c], dedupe_key="drill:7")
    assert [m.recipient_id for m in later] == [c.pk]
    assert Message.objects.filter(dedupe_key__startswith="drill:7:").count() == 3

    # Without a key nothing is deduplicated.
    enqueue(subject="无键", recipients=[a])
    enqueue(subject="无键", recipients=[a])
    assert Message.objects.filter(recipient=a, subject="无键").count() == 2


def test_robot_channels_need_endpoints_and_endpoints_must_be_robots(users, sms_endpoint):
    rows = enqueue(
        subject="x",
        recipients=[users["township"]],
        channels=(Channel.INAPP, Channel.WECOM),
        endpoints=[sms_endpoint],
    )
    assert [m.channel for m in rows] == [Channel.INAPP]


# --- SMS through the loopback gateway ------------------------------------------------------------


def test_sms_is_posted_to_the_gateway_after_commit(
    users, gateway, sms_endpoint, django_capture_on_commit_callbacks
):
    user = users["inspector"]
    with clock.frozen(T0):
        with django_capture_on_commit_callbacks(execute=True):
            msg = sms_to(user, link="/hazards/9")
            # Written in the caller's transaction; nothing is sent before it commits.
            assert gateway.requests == []
    assert len(gateway.requests) == 1
    request = gateway.requests[0]
    assert request.path == "/sms"
    assert request.headers["authorization"] == "Bearer tok-123"
    assert request.headers["content-type"].startswith("application/json")
    assert request.json == {
        "phone": user.person.mobile,
        "text": "汛期值班提醒\n今晚 20:00 到岗\n/hazards/9",
        "message_id": msg.pk,
    }
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED
    assert msg.attempts == 1 and msg.delivered_at == T0 and msg.next_attempt_at is None
    [entry] = log_of(msg)
    assert entry.success and entry.status_code == 200 and entry.at == T0


def test_sms_retries_with_doubling_backoff_then_fails(users, gateway, sms_endpoint):
    gateway.answer(500, {"error": "upstream down"})
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])

    assert deliver_message(msg.pk, T0) is False
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING
    assert msg.attempts == 1
    assert msg.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert msg.last_error.startswith("HTTP 500")
    [entry] = log_of(msg)
    assert not entry.success and entry.status_code == 500

    # Not due a second early; due on the dot; each wait twice the last.
    due = msg.next_attempt_at
    for attempts, wait in ((2, 120), (3, 240)):
        deadlines.sweep(due - SECOND)
        assert len(gateway.requests) == attempts - 1
        deadlines.sweep(due)
        assert len(gateway.requests) == attempts
        msg.refresh_from_db()
        assert msg.state == MessageState.PENDING and msg.attempts == attempts
        assert msg.next_attempt_at == due + dt.timedelta(seconds=wait)
        due = msg.next_attempt_at

    # The fourth attempt is OUTBOX_MAX_ATTEMPTS: failed for good, with the error kept.
    deadlines.sweep(due)
    msg.refresh_from_db()
    assert msg.state == MessageState.FAILED
    assert msg.attempts == 4 and msg.next_attempt_at is None
    assert "HTTP 500" in msg.last_error and "upstream down" in msg.last_error
    assert [e.success for e in log_of(msg)] == [False] * 4
    deadlines.sweep(due + dt.timedelta(days=1))
    assert len(gateway.requests) == 4


def test_a_retry_that_succeeds_clears_the_error(users, gateway, sms_endpoint):
    gateway.then(500)
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    assert deliver_message(msg.pk, T0) is False
    assert deliver_message(msg.pk, T0 + dt.timedelta(seconds=60)) is True
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED and msg.attempts == 2 and msg.last_error == ""
    assert [e.success for e in log_of(msg)] == [False, True]


def test_gateway_error_code_with_http_200_is_a_failure(users, gateway, sms_endpoint):
    gateway.answer(200, {"code": 1001, "msg": "号码在黑名单中"})
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    assert deliver_message(msg.pk, T0) is False
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING and msg.attempts == 1
    assert msg.last_error == "code=1001 号码在黑名单中"
    [entry] = log_of(msg)
    assert not entry.success and entry.status_code == 200 and "1001" in entry.detail


def test_connection_refused_is_retried(users, gateway, sms_endpoint):
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    gateway.stop()  # the port now refuses connections
    assert deliver_message(msg.pk, T0) is False
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING and msg.attempts == 1
    assert msg.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert msg.last_error.startswith("connection failed")
    assert log_of(msg)[0].status_code is None

    with FakeGateway() as back:  # the gateway comes back (elsewhere)
        ChannelEndpoint.objects.filter(pk=sms_endpoint.pk).update(url=f"{back.url}/sms")
        assert deadlines.sweep(T0 + dt.timedelta(seconds=60))["outbox"] == 1
        assert len(back.requests) == 1
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED


def test_slow_gateway_times_out_and_is_retried(users, gateway, sms_endpoint, settings):
    settings.OUTBOX_HTTP_TIMEOUT = 0.3
    gateway.then(delay=5)
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    assert deliver_message(msg.pk, T0) is False
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING and msg.attempts == 1
    assert "timed out" in msg.last_error
    assert deliver_message(msg.pk, T0 + dt.timedelta(seconds=60)) is True
    assert len(gateway.requests) == 2


def test_gateway_hanging_up_is_retried(users, gateway, sms_endpoint):
    gateway.then(hang_up=True)
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    assert deliver_message(msg.pk, T0) is False
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING and msg.attempts == 1
    assert msg.last_error.startswith("connection failed")


def test_sweep_delivers_only_due_messages(users, gateway, sms_endpoint):
    with clock.frozen(T0):
        due_now = sms_to(users["inspector"], subject="due now")
        later = sms_to(users["housing"], subject="due later")
    Message.objects.filter(pk=later.pk).update(next_attempt_at=T0 + dt.timedelta(minutes=10))

    assert deadlines.sweep(T0)["outbox"] == 1
    assert [r.json["message_id"] for r in gateway.requests] == [due_now.pk]
    later.refresh_from_db()
    assert later.state == MessageState.PENDING and later.attempts == 0

    assert deadlines.sweep(T0 + dt.timedelta(minutes=10))["outbox"] == 1
    assert [r.json["message_id"] for r in gateway.requests] == [due_now.pk, later.pk]


def test_sms_without_gateway_or_number_fails_without_a_request(users, gateway, sms_endpoint):
    nobody = User.objects.create(username="no-person", org=users["township"].org)
    with clock.frozen(T0):
        no_number = sms_to(nobody)
        no_gateway = sms_to(users["inspector"])
    assert no_number.address == ""
    assert deliver_message(no_number.pk, T0) is False
    assert log_of(no_number)[0].detail == "recipient has no mobile number"
    no_number.refresh_from_db()
    # Nothing to send to: a permanent failure, not retried six times.
    assert no_number.state == MessageState.FAILED and no_number.attempts == 1

    ChannelEndpoint.objects.filter(pk=sms_endpoint.pk).update(enabled=False)
    assert deliver_message(no_gateway.pk, T0) is False
    no_gateway.refresh_from_db()
    assert no_gateway.last_error == "no SMS gateway is configured"
    assert no_gateway.state == MessageState.PENDING
    assert gateway.requests == []


# --- e-mail ------------------------------------------------------------------------------------


def test_email_goes_through_djangos_mail_backend(
    users, outbox_settings, django_capture_on_commit_callbacks
):
    mail.outbox = []
    user = users["office"]
    with clock.frozen(T0), django_capture_on_commit_callbacks(execute=True):
        [msg] = enqueue(
            subject="周报",
            body="本周检查 12 家",
            link="/r/1",
            recipients=[user],
            channels=(Channel.EMAIL,),
        )
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [user.email] and sent.subject == "周报"
    assert sent.body == "周报\n本周检查 12 家\n/r/1"
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED
    [entry] = log_of(msg)
    assert entry.success and entry.detail == "sent"


# --- group robots --------------------------------------------------------------------------------


def test_wecom_robot_markdown_and_errcode(users, gateway, outbox_settings):
    gateway.answer(200, {"errcode": 0, "errmsg": "ok"})
    endpoint = robot(Channel.WECOM, gateway, path="/cgi-bin/webhook/send")
    with clock.frozen(T0):
        [msg] = enqueue(
            subject="暴雨预警", body="橙色", link="https://x.test/w", endpoints=[endpoint]
        )
    assert msg.channel == Channel.WECOM and msg.recipient is None
    assert deliver_message(msg.pk, T0) is True
    [request] = gateway.requests
    assert request.path == "/cgi-bin/webhook/send"
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {"content": "**暴雨预警**\n橙色\n[https://x.test/w](https://x.test/w)"},
    }

    gateway.answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
    with clock.frozen(T0):
        [bad] = enqueue(subject="暴雨预警", endpoints=[endpoint])
    assert deliver_message(bad.pk, T0) is False
    [entry] = log_of(bad)
    assert not entry.success and entry.status_code == 200
    assert entry.detail == "errcode=93000 invalid webhook url"
    bad.refresh_from_db()
    assert bad.state == MessageState.PENDING and bad.attempts == 1


def test_dingtalk_robot_is_signed_in_the_query_string(users, outbox_settings):
    secret = "SEC-dingtalk-0123456789"
    verify = dingtalk_verifier(secret, now_ms=lambda: int(T0.timestamp() * 1000))
    with FakeGateway(verify=verify) as gateway:
        gateway.answer(200, {"errcode": 0, "errmsg": "ok"})
        endpoint = robot(
            Channel.DINGTALK, gateway, path="/robot/send?access_token=abc", secret=secret
        )
        with clock.frozen(T0):  # the signature is stamped with clock.now()
            [msg] = enqueue(subject="值班交接", body="无异常", endpoints=[endpoint])
            assert deliver_message(msg.pk) is True
        [request] = gateway.requests
    assert request.path == "/robot/send"
    assert request.query["access_token"] == "abc"
    assert request.query["timestamp"] == str(int(T0.timestamp() * 1000))
    assert request.query["sign"]  # checked by the server's verifier
    assert request.json == {
        "msgtype": "markdown",
        "markdown": {"title": "值班交接", "text": "### 值班交接\n\n无异常"},
    }
    [entry] = log_of(msg)
    assert entry.success


def test_dingtalk_wrong_signature_is_a_logged_failure(users, outbox_settings):
    verify = dingtalk_verifier("the-real-secret", now_ms=lambda: int(T0.timestamp() * 1000))
    with FakeGateway(verify=verify) as gateway:
        endpoint = robot(Channel.DINGTALK, gateway, secret="a-wrong-secret")
        with clock.frozen(T0):
            [msg] = enqueue(subject="值班交接", endpoints=[endpoint])
            assert deliver_message(msg.pk) is False
        assert len(gateway.requests) == 1
    [entry] = log_of(msg)
    assert not entry.success and entry.detail == "errcode=310000 sign not match"
    msg.refresh_from_db()
    assert msg.last_error == "errcode=310000 sign not match"


def test_dingtalk_without_secret_is_not_signed(users, gateway, outbox_settings):
    gateway.answer(200, {"errcode": 0})
    endpoint = robot(Channel.DINGTALK, gateway)
    with clock.frozen(T0):
        [msg] = enqueue(subject="x", endpoints=[endpoint])
    assert deliver_message(msg.pk, T0) is True
    assert gateway.requests[0].query == {}


def test_feishu_robot_is_signed_in_the_body(users, outbox_settings):
    secret = "feishu-secret-xyz"
    verify = feishu_verifier(secret, now_s=lambda: int(T0.timestamp()))
    with FakeGateway(verify=verify) as gateway:
        gateway.answer(200, {"code": 0, "msg": "success", "StatusCode": 0})
        endpoint = robot(Channel.FEISHU, gateway, path="/open-apis/bot/v2/hook/x", secret=secret)
        with clock.frozen(T0):  # the signature is stamped with clock.now()
            [msg] = enqueue(subject="应急响应", body="启动四级", link="/e/3", endpoints=[endpoint])
            assert deliver_message(msg.pk) is True
        [request] = gateway.requests
    body = request.json
    assert body["msg_type"] == "text"
    assert body["content"] == {"text": "应急响应\n启动四级\n/e/3"}
    assert body["timestamp"] == str(int(T0.timestamp()))
    assert body["sign"]  # checked by the server's verifier
    assert log_of(msg)[0].success


def test_feishu_error_code_is_a_logged_failure(users, outbox_settings):
    verify = feishu_verifier("the-real-secret", now_s=lambda: int(T0.timestamp()))
    with FakeGateway(verify=verify) as gateway:
        endpoint = robot(Channel.FEISHU, gateway, secret="stale-secret")
        with clock.frozen(T0):
            [msg] = enqueue(subject="应急响应", endpoints=[endpoint])
            assert deliver_message(msg.pk) is False
    [entry] = log_of(msg)
    assert not entry.success and entry.detail.startswith("code=19021 sign match fail")


def test_disabled_robot_endpoint_is_not_called(users, gateway, outbox_settings):
    endpoint = robot(Channel.WECOM, gateway)
    with clock.frozen(T0):
        [msg] = enqueue(subject="x", endpoints=[endpoint])
    ChannelEndpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
    assert deliver_message(msg.pk, T0) is False
    assert gateway.requests == []
    assert log_of(msg)[0].detail == "endpoint disabled"


# --- claims: one send per attempt ----------------------------------------------------------------


def test_a_claimed_message_is_not_sent_twice(users, gateway, sms_endpoint):
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])

    claimed = outbox.claim(msg.pk, T0)  # worker A claims, is busy sending …
    assert claimed is not None
    assert deliver_message(msg.pk, T0) is False  # … worker B finds it taken
    assert deliver_due(T0 + dt.timedelta(minutes=4)) == 0  # so does the sweeper, in the lease
    assert gateway.requests == []

    assert outbox.attempt(claimed, T0) is True  # A's send
    assert deliver_message(msg.pk, T0) is False  # B again: delivered meanwhile
    assert deliver_due(T0 + dt.timedelta(days=1)) == 0
    assert len(gateway.requests) == 1
    assert len(log_of(msg)) == 1


def test_an_expired_lease_is_taken_over_and_the_late_worker_does_not_overwrite(
    users, gateway, sms_endpoint
):
    with clock.frozen(T0):
        msg = sms_to(users["inspector"])
    stalled = outbox.claim(msg.pk, T0)  # worker A claims, then stalls past its lease

    takeover = T0 + outbox.LEASE
    assert deliver_due(takeover - SECOND) == 0
    assert deliver_due(takeover) == 1  # worker B: the row was due again
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED and msg.attempts == 1

    gateway.answer(500)
    assert outbox.attempt(stalled, T0) is False  # A wakes up; its send fails …
    msg.refresh_from_db()
    assert msg.state == MessageState.DELIVERED and msg.attempts == 1  # … B's outcome stands
    assert [(e.success, e.at) for e in log_of(msg)] == [(True, takeover), (False, T0)]


def test_backoff_doubles_and_is_capped(outbox_settings):
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert outbox.backoff(60) == outbox.MAX_BACKOFF


# --- many at once: the worker's path for a warning to thousands -------------------------------


def test_deliver_batch_sends_each_once_and_logs_every_attempt(users, gateway, sms_endpoint):
    with clock.frozen(T0):
        msgs = [sms_to(users[name], subject=f"s{i}") for i, name in enumerate(users)]
    gateway.then(500, {"error": "busy"})  # one of them fails and stays pending
    delivered = outbox.deliver_batch([m.pk for m in msgs] * 2, T0)  # duplicates claimed once
    assert delivered == len(msgs) - 1
    assert sorted(r.json["message_id"] for r in gateway.requests) == sorted(m.pk for m in msgs)
    states = dict(Message.objects.filter(pk__in=[m.pk for m in msgs]).values_list("pk", "state"))
    assert sorted(states.values()) == sorted(
        [MessageState.DELIVERED] * (len(msgs) - 1) + [MessageState.PENDING]
    )
    assert DeliveryAttempt.objects.filter(message__in=msgs).count() == len(msgs)
    failed = Message.objects.get(pk__in=[m.pk for m in msgs], state=MessageState.PENDING)
    assert failed.attempts == 1 and failed.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert failed.last_error.startswith("HTTP 500")
    # Nothing due any more: a second pass sends nothing.
    assert outbox.deliver_batch([m.pk for m in msgs], T0) == 0
    assert len(gateway.requests) == len(msgs)


def test_gateway_batch_carries_many_messages_and_per_message_results(
    users, gateway, sms_endpoint, settings
):
    settings.OUTBOX_GATEWAY_BATCH = 2
    settings.OUTBOX_DELIVERY_CONCURRENCY = 1  # requests in order: the script answers the first
    with clock.frozen(T0):
        a, b, c = (sms_to(users[n], subject=n) for n in ("inspector", "housing", "office"))
    gateway.then(
        200,
        {
            "code": 0,
            "results": [
                {"message_id": a.pk, "code": 0},
                {"message_id": b.pk, "code": 17, "msg": "空号"},
            ],
        },
    )
    assert outbox.deliver_batch([a.pk, b.pk, c.pk], T0) == 2
    bodies = [r.json for r in gateway.requests]
    assert [len(body["messages"]) for body in bodies] == [2, 1]
    assert bodies[0]["messages"][0] == {
        "phone": users["inspector"].person.mobile,
        "text": "inspector\n今晚 20:00 到岗",
        "message_id": a.pk,
    }
    assert gateway.requests[0].headers["authorization"] == "Bearer tok-123"
    for msg in (a, b, c):
        msg.refresh_from_db()
    assert (a.state, b.state, c.state) == (
        MessageState.DELIVERED,
        MessageState.PENDING,
        MessageState.DELIVERED,
    )
    assert b.last_error == "code=17 空号" and b.attempts == 1
    assert [e.success for e in log_of(b)] == [False]
    assert [e.success for e in log_of(a)] == [True] and [e.success for e in log_of(c)] == [True]


def test_a_failed_batch_request_fails_every_message_in_it(users, gateway, sms_endpoint, settings):
    settings.OUTBOX_GATEWAY_BATCH = 10
    with clock.frozen(T0):
        msgs = [sms_to(users[n]) for n in ("inspector", "housing")]
    gateway.answer(503)
    assert outbox.deliver_batch([m.pk for m in msgs], T0) == 0
    assert len(gateway.requests) == 1
    for m in msgs:
        m.refresh_from_db()
        assert m.state == MessageState.PENDING and m.attempts == 1
        assert m.last_error.startswith("HTTP 503")
        assert [(e.success, e.status_code) for e in log_of(m)] == [(False, 503)]
