"""Deadlines: the sweeper advances due rows exactly once, under a controlled clock.

Reminders are the core's deadline rows. Time is ``core.clock.frozen`` or an explicit ``now``;
huey runs in immediate mode in tests, so ETA sweeps are checked in huey's own schedule.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from dixian.core import clock, deadlines
from dixian.core.choices import Channel, MessageState
from dixian.core.models import Message, Reminder, User
from dixian.core.notify import unread_count
from dixian.core.sweeps import DueReminders

T0 = dt.datetime(2024, 5, 6, 1, 30, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def restore_handlers():
    """Put the registry back as it was, whatever a test registered."""
    saved = deadlines.handlers()
    yield
    deadlines._handlers[:] = saved


@pytest.fixture
def huey_schedule():
    """Huey's (in-memory, immediate-mode) schedule, empty before and after the test."""
    assert HUEY.immediate
    HUEY.storage.flush_all()
    yield HUEY
    HUEY.storage.flush_all()


def reminder(**kwargs) -> Reminder:
    kwargs.setdefault("subject", "营业执照即将到期")
    kwargs.setdefault("due_at", T0 + 10 * MINUTE)
    return Reminder.objects.create(**kwargs)


def messages_of(rem: Reminder):
    return Message.objects.filter(dedupe_key__startswith=f"reminder:{rem.pk}:")


def test_due_columns_are_indexed_with_their_state(db):
    def indexed(table):
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        return [c["columns"] for c in constraints.values() if c["index"]]

    assert ["state", "due_at"] in indexed(Reminder._meta.db_table)
    assert ["state", "next_attempt_at"] in indexed(Message._meta.db_table)


def test_reminder_becomes_an_inapp_message_once_the_clock_passes_due(users):
    user = users["township"]
    before = unread_count(user)
    rem = reminder(recipient=user, body="请及时办理延续", link="/orgs/5")

    with clock.frozen(T0 + 10 * MINUTE - dt.timedelta(seconds=1)):
        assert deadlines.sweep()["reminders"] == 0
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SCHEDULED and rem.sent_at is None
    assert not messages_of(rem).exists()

    with clock.frozen(T0 + 10 * MINUTE):
        assert deadlines.sweep()["reminders"] == 1
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SENT and rem.sent_at == T0 + 10 * MINUTE
    [msg] = messages_of(rem)
    assert msg.recipient == user and msg.channel == Channel.INAPP
    assert msg.state == MessageState.DELIVERED and msg.created_at == T0 + 10 * MINUTE
    assert (msg.subject, msg.body, msg.link) == ("营业执照即将到期", "请及时办理延续", "/orgs/5")
    assert unread_count(user) == before + 1

    # Sweeping again, later, changes nothing.
    with clock.frozen(T0 + 11 * MINUTE):
        assert deadlines.sweep()["reminders"] == 0
        assert deadlines.sweep()["reminders"] == 0
    assert messages_of(rem).count() == 1
    assert unread_count(user) == before + 1


def test_two_workers_racing_on_the_same_rows_send_once(users):
    user = users["township"]
    rems = [reminder(recipient=user, subject=f"r{i}") for i in range(3)]
    now = T0 + 10 * MINUTE
    worker_a, worker_b = DueReminders(), DueReminders()

    # Both read the due rows before either moves one.
    seen_a = list(worker_a.due_queryset(now).values_list("pk", flat=True))
    seen_b = list(worker_b.due_queryset(now).values_list("pk", flat=True))
    assert {r.pk for r in rems} <= set(seen_a) == set(seen_b)
    won_a = [pk for pk in seen_a if worker_a.advance(pk, now)]
    won_b = [pk for pk in seen_b if worker_b.advance(pk, now)]
    assert {r.pk for r in rems} <= set(won_a) and won_b == []

    # And two whole runs: the second finds nothing.
    assert worker_b.run(now) == 0
    for rem in rems:
        assert messages_of(rem).count() == 1


def test_a_reminder_not_yet_due_is_untouched(users):
    rem = reminder(recipient=users["grid"], due_at=T0 + dt.timedelta(seconds=30))
    assert deadlines.sweep(T0 + dt.timedelta(seconds=29))["reminders"] == 0
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SCHEDULED and rem.sent_at is None
    assert not messages_of(rem).exists()
    assert deadlines.sweep(T0 + dt.timedelta(seconds=30))["reminders"] == 1


def test_a_cancelled_reminder_is_never_sent(users):
    rem = reminder(recipient=users["grid"], state=Reminder.State.CANCELLED, due_at=T0)
    for later in (T0, T0 + MINUTE, T0 + dt.timedelta(days=30)):
        deadlines.sweep(later)
    rem.refresh_from_db()
    assert rem.state == Reminder.State.CANCELLED and rem.sent_at is None
    assert not messages_of(rem).exists()


def test_a_reminder_to_an_org_reaches_all_its_active_users(users):
    org = users["inspector"].org
    User.objects.filter(pk=users["duty"].pk).update(is_active=False)  # same org, inactive
    extra = User.objects.create(username="second-inspector", org=org)
    active = set(User.objects.filter(org=org, is_active=True).values_list("pk", flat=True))
    assert {users["inspector"].pk, extra.pk} <= active and users["duty"].pk not in active

    rem = reminder(org=org, due_at=T0)
    assert deadlines.sweep(T0)["reminders"] == 1
    msgs = list(messages_of(rem))
    assert {m.recipient_id for m in msgs} == active
    assert len(msgs) == len(active)
    assert all(m.org_id == org.pk and m.channel == Channel.INAPP for m in msgs)


def test_a_broken_handler_does_not_stop_the_others(users, restore_handlers):
    class Broken(deadlines.DeadlineHandler):
        name = "test-broken"

        def run(self, now):
            raise RuntimeError("handler bug")

    deadlines.register(Broken)
    deadlines.register(DueReminders)  # re-register: now it runs after the broken one
    try:
        names = [h.name for h in deadlines.handlers()]
        assert names.index("test-broken") < names.index("reminders")
        rem = reminder(recipient=users["grid"], due_at=T0)
        result = deadlines.sweep(T0)
        assert result["test-broken"] == -1
        assert result["reminders"] == 1
        rem.refresh_from_db()
        assert rem.state == Reminder.State.SENT
    finally:
        deadlines.unregister("test-broken")
    assert "test-broken" not in [h.name for h in deadlines.handlers()]


def test_a_row_whose_consequences_fail_is_rolled_back_and_the_others_go_on(users):
    class Poisoned(DueReminders):
        name = "test-poisoned"

        def on_due(self, obj, now):
            if obj.subject == "poison":
                raise RuntimeError("cannot send this one")
            super().on_due(obj, now)

    poison = reminder(recipient=users["grid"], subject="poison", due_at=T0 - MINUTE)
    fine = reminder(recipient=users["grid"], subject="fine", due_at=T0)
    # Not registered: run directly, so only this handler touches the rows.
    assert Poisoned().run(T0) == 1
    poison.refresh_from_db()
    fine.refresh_from_db()
    assert poison.state == Reminder.State.SCHEDULED  # rolled back, still due next sweep
    assert fine.state == Reminder.State.SENT
    assert not messages_of(poison).exists() and messages_of(fine).count() == 1


# --- schedule_at: ETA sweeps through huey --------------------------------------------------------


def test_schedule_at_parks_an_eta_sweep_and_does_not_sweep_early(
    users, huey_schedule, django_capture_on_commit_callbacks
):
    due = T0 + dt.timedelta(seconds=30)
    rem = reminder(recipient=users["grid"], due_at=due)
    with clock.frozen(T0):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert deadlines.schedule_at(due) is True
            assert huey_schedule.scheduled() == []  # nothing before commit
        assert len(callbacks) == 1
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SCHEDULED  # immediate mode did not sweep early

    # Huey holds one sweep, 30 s from (huey's wall-clock) now.
    [task] = huey_schedule.scheduled()
    assert task.name.endswith("sweep_deadlines")
    wall = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert dt.timedelta(seconds=25) < task.eta - wall <= dt.timedelta(seconds=30)

    # What the consumer does at the ETA: take the task off the schedule and run it.
    with clock.frozen(due):
        [ready] = huey_schedule.read_schedule(task.eta)
        huey_schedule.execute(ready, timestamp=task.eta)
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SENT and rem.sent_at == due
    assert huey_schedule.scheduled() == []


def test_schedule_at_a_passed_due_time_sweeps_right_after_commit(
    users, huey_schedule, django_capture_on_commit_callbacks
):
    rem = reminder(recipient=users["grid"], due_at=T0 - dt.timedelta(seconds=5))
    with clock.frozen(T0):
        with django_capture_on_commit_callbacks(execute=True):
            deadlines.schedule_at(rem.due_at)
            rem.refresh_from_db()
            assert rem.state == Reminder.State.SCHEDULED  # not inside the transaction
    rem.refresh_from_db()
    assert rem.state == Reminder.State.SENT and rem.sent_at == T0
    assert huey_schedule.scheduled() == []


def test_schedule_at_leaves_far_deadlines_to_the_minute_sweep(
    db, huey_schedule, django_capture_on_commit_callbacks
):
    with clock.frozen(T0):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            far = T0 + deadlines.ETA_HORIZON + dt.timedelta(seconds=1)
            assert deadlines.schedule_at(far) is False
        assert callbacks == []
    assert huey_schedule.scheduled() == []
    with pytest.raises(ValueError):
        deadlines.schedule_at(dt.datetime(2024, 5, 6, 12, 0))  # naive
