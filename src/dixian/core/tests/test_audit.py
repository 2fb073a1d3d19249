"""The audit chain: appended in the service's transaction, tamper-evident, concurrency-safe.

Tampering is done the way an insider would, with raw SQL on ``core_auditevent`` (never the
ORM's ``save``), and ``verify_chain`` / ``dixian audit verify`` must name the broken row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from dixian.core import audit, clock, services
from dixian.core.context import request_id_var
from dixian.core.models import AuditEvent, Organisation

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ALUMINA = "山西河源氧化铝有限公司"


# --------------------------------------------------------------------------- helpers


def _last() -> AuditEvent | None:
    return AuditEvent.objects.order_by("-seq").first()


def _append(n: int, **extra) -> list[AuditEvent]:
    """Append ``n`` events through ``audit.record`` (each in its own transaction)."""
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit.record(
                    action="test.append",
                    object_type="test.thing",
                    object_id=str(i),
                    object_repr=f"测试事件 {i}",
                    before={"i": i, "name": "平陆县"},
                    after={"i": i + 1, "amount": Decimal("10.50"), "nested": {"deep": [1, 2.5]}},
                    **extra,
                )
            )
    return events


def _sql(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _verify_command() -> tuple[int, str, str]:
    """Run ``audit verify`` in process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err, no_color=True)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def chain(db):
    """Five fresh events at the head of an intact chain."""
    checked, broken = audit.verify_chain()
    assert broken is None, broken
    events = _append(5)
    checked, broken = audit.verify_chain()
    assert broken is None and checked == AuditEvent.objects.count()
    return events


# ------------------------------------------------------------------ 1. service writes


def test_service_write_appends_one_event_in_its_transaction(users):
    org = Organisation.objects.get(name=ALUMINA)
    old_phone, old_lat = org.phone, org.latitude
    previous = _last()
    count = AuditEvent.objects.count()

    org.phone = "0359-3520000"
    org.address = "山西省运城市平陆县张店镇（示例）"
    org.latitude = Decimal("34.987654")
    token = request_id_var.set("req-audit-test-1")
    try:
        services.object_save(actor=users["office"], instance=org)
    finally:
        request_id_var.reset(token)

    assert AuditEvent.objects.count() == count + 1
    event = _last()
    assert event.seq == previous.seq + 1
    assert event.prev_hash == previous.hash
    assert event.actor_id == users["office"].pk
    assert event.actor_name == "office"
    assert event.request_id == "req-audit-test-1"
    assert event.action == "organisation.update"
    assert (event.object_type, event.object_id) == ("core.organisation", str(org.pk))
    assert event.org_id_hint == org.pk
    assert event.before["phone"] == old_phone
    assert event.before["latitude"] == str(old_lat)
    assert event.after["phone"] == "0359-3520000"
    assert event.after["address"] == "山西省运城市平陆县张店镇（示例）"
    assert event.after["latitude"] == "34.987654"
    assert sorted(event.after["industries"]) == sorted(org.industries.values_list("pk", flat=True))
    assert event.hash == audit.compute_hash(event)
    assert audit.verify_chain() == (AuditEvent.objects.count(), None)


def test_failed_transaction_leaves_neither_change_nor_event(users):
    org = Organisation.objects.get(name=ALUMINA)
    old_phone = org.phone
    head, count = _last().hash, AuditEvent.objects.count()

    with pytest.raises(RuntimeError, match="later step failed"):
        with transaction.atomic():
            org.phone = "0359-0000000"
            services.object_save(actor=users["office"], instance=org)
            assert AuditEvent.objects.count() == count + 1  # written inside the transaction
            raise RuntimeError("later step failed")

    assert AuditEvent.objects.count() == count
    assert _last().hash == head
    assert Organisation.objects.get(pk=org.pk).phone == old_phone
    assert audit.verify_chain()[1] is None


def test_failed_audit_write_rolls_back_the_change(users, monkeypatch):
    org = Organisation.objects.get(name=ALUMINA)
    old_phone = org.phone
    count = AuditEvent.objects.count()

    def boom(obj):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(audit, "_org_hint", boom)
    org.phone = "0359-1111111"
    with pytest.raises(RuntimeError, match="audit unavailable"):
        services.object_save(actor=users["office"], instance=org)

    assert AuditEvent.objects.count() == count
    assert Organisation.objects.get(pk=org.pk).phone == old_phone


def test_event_that_would_not_verify_is_refused(db, monkeypatch):
    """``record`` re-reads its row; if it would not verify it is not written at all."""
    count = AuditEvent.objects.count()
    real = audit.compute_hash
    calls = []

    def flaky(event):
        calls.append(event)
        digest = real(event)
        return digest if len(calls) == 1 else "f" * 64

    monkeypatch.setattr(audit, "compute_hash", flaky)
    with pytest.raises(audit.AuditError, match="round trip"):
        audit.record(action="test.flaky", object_type="test.thing")
    assert AuditEvent.objects.count() == count


# ------------------------------------------------- values survive the database round trip


def test_awkward_values_hash_identically_after_the_round_trip(db):
    naive = dt.datetime(2026, 3, 1, 8, 30, 15, 654321)
    after = {
        "decimal": Decimal("12.340"),
        "negative_decimal": Decimal("-0.000001"),
        "date": dt.date(2024, 2, 29),
        "time": dt.time(23, 59, 59, 999999),
        "aware": dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=SHANGHAI),
        "naive": naive,
        "zh": "平陆县人民政府 · 赤泥堆场「示例」",
        "emoji": "⚠️🔥",
        "escapes": 'quote " backslash \\ newline \n tab \t',
        "nul": "a\x00b",
        "surrogate": "x\ud800y",
        "floats": [0.1, 0.1 + 0.2, 1.5e-07, 123456.789, -2.5, 1.0, 1e16, 1.5e300, -0.0],
        "non_finite": [math.nan, math.inf, -math.inf],
        "ints": [0, -1, 2**53 + 1, 2**70],
        "bools": [True, False, None],
        "nested": {"a": {"b": {"c": [1, {"d": "深"}]}}, 3: "int key", "空": {}},
        "tuple": (1, "二"),
        "set": {"b", "a", "c"},
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "bytes": b"\x00\xff",
        "empty": [],
    }
    event = audit.record(action="test.roundtrip", object_type="test.thing", after=after)
    stored = AuditEvent.objects.get(pk=event.pk)

    assert audit.compute_hash(stored) == stored.hash == event.hash
    assert audit.verify_chain() == (AuditEvent.objects.count(), None)
    a = stored.after
    assert a["decimal"] == "12.340" and a["negative_decimal"] == "-0.000001"
    assert a["date"] == "2024-02-29" and a["time"] == "23:59:59.999999"
    assert a["aware"] == "2026-03-01T00:30:15.123456+00:00"
    # A naive value means the default time zone (Asia/Shanghai), as when Django saves it.
    assert a["naive"] == "2026-03-01T00:30:15.654321+00:00"
    assert a["zh"] == after["zh"] and a["emoji"] == after["emoji"]
    assert a["escapes"] == after["escapes"]
    assert a["nul"] == "a\ufffdb" and a["surrogate"] == "x\ufffdy"
    assert a["floats"] == [0.1, 0.1 + 0.2, 1.5e-07, 123456.789, -2.5, 1.0, 10**16, 15 * 10**299, 0]
    assert a["non_finite"] == ["NaN", "Infinity", "-Infinity"]
    assert a["ints"] == [0, -1, 2**53 + 1, 2**70]
    assert a["nested"] == {"a": {"b": {"c": [1, {"d": "深"}]}}, "3": "int key", "空": {}}
    assert a["tuple"] == [1, "二"] and a["set"] == ["a", "b", "c"]
    assert a["uuid"] == "12345678-1234-5678-1234-567812345678"
    assert a["bytes"] == "00ff" and a["empty"] == []


@pytest.mark.parametrize(
    "at",
    [
        dt.datetime(2026, 3, 1, 8, 0, 0, 1, tzinfo=SHANGHAI),
        dt.datetime(2026, 3, 1, 8, 0, 0, 999999, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 8, 0, 0, 0, tzinfo=dt.UTC),
    ],
    ids=["1us-shanghai", "999999us-utc", "0us"],
)
def test_timestamps_keep_their_microseconds(db, at):
    with clock.frozen(at):
        event = audit.record(action="test.clock", object_type="test.thing")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == at
    assert audit.compute_hash(stored) == stored.hash
    assert audit.verify_chain()[1] is None


# ---------------------------------------------------------------- 2. tampering by hand


def _edit_after(event: AuditEvent) -> None:
    after = dict(event.after)
    after["amount"] = "99.50"
    _sql(
        f"UPDATE core_auditevent SET after = {_json_param()} WHERE seq = %s",
        [json.dumps(after), event.seq],
    )


def _shift_time(event: AuditEvent) -> None:
    later = event.at + dt.timedelta(microseconds=1)
    _sql(
        "UPDATE core_auditevent SET at = %s WHERE seq = %s",
        [connection.ops.adapt_datetimefield_value(later), event.seq],
    )


EDITS = {
    "after-json": _edit_after,
    "before-json-nulled": lambda e: _sql(
        "UPDATE core_auditevent SET before = NULL WHERE seq = %s", [e.seq]
    ),
    "action": lambda e: _sql(
        "UPDATE core_auditevent SET action = 'test.harmless' WHERE seq = %s", [e.seq]
    ),
    "actor_name": lambda e: _sql(
        "UPDATE core_auditevent SET actor_name = 'someone-else' WHERE seq = %s", [e.seq]
    ),
    "actor_id": lambda e: _sql("UPDATE core_auditevent SET actor_id = 1 WHERE seq = %s", [e.seq]),
    "at+1us": _shift_time,
    "object_repr": lambda e: _sql(
        "UPDATE core_auditevent SET object_repr = '测试事件 X' WHERE seq = %s", [e.seq]
    ),
    "request_id": lambda e: _sql(
        "UPDATE core_auditevent SET request_id = 'forged' WHERE seq = %s", [e.seq]
    ),
    "org_id_hint": lambda e: _sql(
        "UPDATE core_auditevent SET org_id_hint = 424242 WHERE seq = %s", [e.seq]
    ),
    "hash": lambda e: _sql(
        "UPDATE core_auditevent SET hash = %s WHERE seq = %s", ["0" * 64, e.seq]
    ),
}


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_editing_a_field_is_named_as_content_altered(chain, edit):
    target = chain[2]
    edit(target)
    checked, broken = audit.verify_chain()
    assert broken is not None
    assert broken.seq == target.seq
    assert broken.reason.startswith("content altered")
    assert checked == target.seq - 1


def test_editing_prev_hash_is_named(chain):
    target = chain[2]
    _sql("UPDATE core_auditevent SET prev_hash = %s WHERE seq = %s", [chain[0].hash, target.seq])
    checked, broken = audit.verify_chain()
    assert broken.seq == target.seq and "previous-hash" in broken.reason


def test_deleting_an_event_in_the_middle_names_the_missing_seq(chain):
    target = chain[2]
    assert _sql("DELETE FROM core_auditevent WHERE seq = %s", [target.seq]) == 1
    checked, broken = audit.verify_chain()
    assert broken.seq == target.seq
    assert "missing" in broken.reason and f"#{target.seq + 1}" in broken.reason


def test_deleting_the_first_event_is_named(chain):
    assert _sql("DELETE FROM core_auditevent WHERE seq = 1") == 1
    checked, broken = audit.verify_chain()
    assert (checked, broken.seq) == (0, 1) and "missing" in broken.reason


def test_deleting_and_renumbering_is_still_caught(chain):
    """Close the gap after a deletion: the next event's previous-hash gives it away."""
    target = chain[2]
    _sql("DELETE FROM core_auditevent WHERE seq = %s", [target.seq])
    for event in chain[3:]:
        _sql("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [event.seq - 1, event.seq])
    checked, broken = audit.verify_chain()
    assert broken.seq == target.seq and "previous-hash" in broken.reason


@pytest.mark.parametrize("pair", [(1, 2), (0, 4), (2, 3)], ids=["adjacent", "far", "middle"])
def test_swapping_two_events_names_the_earlier(chain, pair):
    a, b = chain[pair[0]], chain[pair[1]]
    _sql("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [-1, a.seq])
    _sql("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _sql("UPDATE core_auditevent SET seq = %s WHERE seq = %s", [b.seq, -1])
    assert AuditEvent.objects.get(seq=a.seq).pk == b.pk  # really swapped
    checked, broken = audit.verify_chain()
    assert broken is not None and broken.seq == a.seq
    assert checked == a.seq - 1


def test_edit_with_recomputed_own_hash_breaks_the_next_link(chain):
    target, following = chain[2], chain[3]
    _edit_after(target)
    edited = AuditEvent.objects.get(pk=target.pk)
    assert edited.after["amount"] == "99.50"
    _sql(
        "UPDATE core_auditevent SET hash = %s WHERE seq = %s",
        [audit.compute_hash(edited), target.seq],
    )
    checked, broken = audit.verify_chain()
    assert broken.seq == following.seq
    assert "previous-hash" in broken.reason
    assert checked == target.seq  # the edited row itself now looks consistent


def test_only_the_first_break_is_reported(chain):
    _sql("UPDATE core_auditevent SET action = 'x' WHERE seq = %s", [chain[3].seq])
    _sql("UPDATE core_auditevent SET action = 'y' WHERE seq = %s", [chain[1].seq])
    assert audit.verify_chain()[1].seq == chain[1].seq


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite stores garbage here")
@pytest.mark.parametrize(
    "garbage, reason",
    [("yesterday-ish", "content altered"), ("2026-13-45 25:61:00", "unreadable")],
    ids=["unparsable", "out-of-range"],
)
def test_garbage_in_a_column_is_named_not_a_crash(chain, garbage, reason):
    """SQLite takes any text in a datetime column; verify must name the row, not crash."""
    target = chain[2]
    _sql("UPDATE core_auditevent SET at = %s WHERE seq = %s", [garbage, target.seq])
    for batch_size in (2000, 2, 1):
        checked, broken = audit.verify_chain(batch_size=batch_size)
        assert broken.seq == target.seq and broken.reason.startswith(reason)
        assert checked == target.seq - 1
    assert _verify_command()[0] == 1


def test_verify_command_exit_status_and_message(chain):
    status, out, err = _verify_command()
    total = AuditEvent.objects.count()
    assert status == 0 and err == ""
    assert f"audit chain intact: {total} events verified" in out
    assert f"head #{total} {chain[-1].hash}" in out

    _sql("UPDATE core_auditevent SET actor_name = 'nobody' WHERE seq = %s", [chain[2].seq])
    status, out, err = _verify_command()
    assert status == 1
    assert f"AUDIT CHAIN BROKEN at event #{chain[2].seq}: content altered" in err
    assert "intact" not in out


def test_deleting_a_user_does_not_break_the_chain(db):
    """``AuditEvent.actor`` is DO_NOTHING: SET_NULL would rewrite ``actor_id`` in the chain."""
    from dixian.core.models import User

    user = User.objects.create_user(username="short-lived", password="x-Y-z-12345678")
    audit.record(action="test.by_user", object_type="test.thing", actor=user)
    audit.record(action="test.after", object_type="test.thing")
    user_pk = user.pk
    user.delete()
    assert AuditEvent.objects.get(action="test.by_user").actor_id == user_pk
    assert audit.verify_chain()[1] is None


# ------------------------------------------------------------ 3. the real command line


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("dixian")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dixian.cli"]


def _cli_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIXIAN_", "DATABASE_"))}
    env.update(DIXIAN_DATA_DIR=str(data_dir), DIXIAN_DEMO="1", PYTHONIOENCODING="utf-8")
    return env


def _run(args: list[str], data_dir: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        _cli() + args,
        env=_cli_env(data_dir),
        capture_output=True,
        text=True,
        timeout=180,
        **kw,
    )


APPEND_EVENTS = """
from django.db import transaction
from dixian.core import audit
for i in range({n}):
    with transaction.atomic():
        audit.record(action="cli.test", object_type="test.thing", object_id=str(i),
                     object_repr="{tag}", after={{"i": i, "tag": "{tag}", "zh": "平陆"}})
"""


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory):
    """A migrated, demo-seeded SQLite data directory built with the real CLI."""
    data_dir = tmp_path_factory.mktemp("dixian-cli")
    for args in (["migrate", "-v0"], ["seed-demo"]):
        result = _run(args, data_dir)
        assert result.returncode == 0, result.stderr
    return data_dir


@pytest.fixture
def sqlite_dir(demo_sqlite, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(demo_sqlite, data_dir)
    return data_dir


def _sqlite(db_file: Path, sql: str, params=()) -> tuple[list[tuple], int]:
    """Run one statement with Python's sqlite3, by hand, and commit: (rows, rowcount)."""
    with contextlib.closing(sqlite3.connect(db_file)) as db, db:
        cursor = db.execute(sql, params)
        return cursor.fetchall(), cursor.rowcount


def _event_count(sqlite_dir) -> int:
    rows, _ = _sqlite(sqlite_dir / "dixian.sqlite3", "SELECT count(*) FROM core_auditevent")
    return rows[0][0]


def test_cli_verify_passes_on_the_demo_and_names_a_hand_edited_row(sqlite_dir):
    base = _event_count(sqlite_dir)  # what the demo seed recorded
    assert base >= 1
    result = _run(["shell", "-c", APPEND_EVENTS.format(n=4, tag="cli")], sqlite_dir)
    assert result.returncode == 0, result.stderr

    result = _run(["audit", "verify"], sqlite_dir)
    assert result.returncode == 0, result.stderr
    assert f"audit chain intact: {base + 4} events verified" in result.stdout

    db_file = sqlite_dir / "dixian.sqlite3"
    rows, _ = _sqlite(db_file, "SELECT seq, action FROM core_auditevent ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, base + 5))
    assert rows[-1][1] != "demo.seed" and "demo.seed" in {r[1] for r in rows}
    _, changed = _sqlite(
        db_file, "UPDATE core_auditevent SET after = json_set(after, '$.zh', '洪洞') WHERE seq = 3"
    )
    assert changed == 1

    result = _run(["audit", "verify"], sqlite_dir)
    assert result.returncode == 1
    assert "AUDIT CHAIN BROKEN at event #3: content altered" in result.stderr
    assert "(2 events before it verified)" in result.stderr


def test_cli_verify_names_a_deleted_row(sqlite_dir):
    result = _run(["shell", "-c", APPEND_EVENTS.format(n=3, tag="del")], sqlite_dir)
    assert result.returncode == 0, result.stderr
    _, deleted = _sqlite(sqlite_dir / "dixian.sqlite3", "DELETE FROM core_auditevent WHERE seq = 2")
    assert deleted == 1
    result = _run(["audit", "verify"], sqlite_dir)
    assert result.returncode == 1
    assert "AUDIT CHAIN BROKEN at event #2: missing" in result.stderr


def test_concurrent_processes_on_sqlite_leave_a_valid_chain(sqlite_dir):
    """Four processes append at once to one SQLite file (IMMEDIATE transactions, WAL)."""
    base = _event_count(sqlite_dir)
    procs = [
        subprocess.Popen(
            _cli() + ["shell", "-c", APPEND_EVENTS.format(n=25, tag=f"p{p}")],
            env=_cli_env(sqlite_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in range(4)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err

    rows, _ = _sqlite(sqlite_dir / "dixian.sqlite3", "SELECT seq FROM core_auditevent")
    seqs = [seq for (seq,) in rows]
    assert sorted(seqs) == list(range(1, base + 101))
    result = _run(["audit", "verify"], sqlite_dir)
    assert result.returncode == 0, result.stderr
    assert f"audit chain intact: {base + 100} events verified" in result.stdout


# ----------------------------------------------------- 4. concurrent writers, PostgreSQL


@pytest.fixture(scope="module")
def reseed_demo_afterwards(django_db_blocker):
    """A transactional test flushes the database when it ends; put the demo world back.

    Module-scoped so that it is torn down after the test's own flush.
    """
    yield
    from dixian.core import demo

    with django_db_blocker.unblock():
        demo.seed()


THREADS, PER_THREAD = 8, 25


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_leave_a_valid_chain(reseed_demo_afterwards):
    before = AuditEvent.objects.count()
    assert audit.verify_chain() == (before, None)
    barrier = threading.Barrier(THREADS)
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                with transaction.atomic():
                    audit.record(
                        action="test.concurrent",
                        object_type="test.thread",
                        object_id=f"{n}-{i}",
                        after={"thread": n, "i": i, "amount": Decimal("1.10"), "zh": "并发"},
                    )
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []

    new = AuditEvent.objects.filter(action="test.concurrent")
    assert new.count() == THREADS * PER_THREAD
    assert sorted(new.values_list("object_id", flat=True)) == sorted(
        f"{n}-{i}" for n in range(THREADS) for i in range(PER_THREAD)
    )
    seqs = sorted(AuditEvent.objects.values_list("seq", flat=True))
    assert seqs == list(range(1, before + THREADS * PER_THREAD + 1))
    assert audit.verify_chain() == (before + THREADS * PER_THREAD, None)
