"""The delivery log page: administrators see every message and each delivery attempt."""

import datetime as dt

from dixian.core import clock
from dixian.core.choices import Channel, MessageState
from dixian.core.models import ChannelEndpoint
from dixian.core.notify import deliver_message, enqueue


def test_admin_sees_failed_sms_with_its_attempts(users, client_for):
    ChannelEndpoint.objects.create(kind=Channel.SMS, name="gw", url="http://127.0.0.1:9/sms")
    t0 = dt.datetime(2026, 5, 1, 1, 0, tzinfo=dt.UTC)
    with clock.frozen(t0):
        (msg,) = enqueue(
            subject="防汛值班提醒", recipients=[users["township"]], channels=[Channel.SMS]
        )
    deliver_message(msg.pk, t0)  # port 9: connection refused → logged, retried later
    msg.refresh_from_db()
    assert msg.state == MessageState.PENDING and msg.attempts == 1

    admin = client_for("admin")
    listing = admin.get("/system/outbox/?channel=sms").content.decode()
    assert "防汛值班提醒" in listing
    detail = admin.get(f"/system/outbox/{msg.pk}/").content.decode()
    assert "connection failed" in detail  # the attempt's detail in the log
    # Not the township officer's business to browse others' delivery logs:
    other = client_for("inspector").get(f"/system/outbox/{msg.pk}/")
    assert other.status_code == 404
