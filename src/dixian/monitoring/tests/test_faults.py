"""Fault tests of the MQTT ingest against a real Mosquitto and a real PostgreSQL.

Each module run starts its OWN throwaway PostgreSQL (initdb + pg_ctl in a temp dir, free
port) and its own ``mosquitto -p <free port>`` — never the shared services — migrates and
seeds the demo there, and runs ``dixian ingest-mqtt`` as real subprocesses.

Checked: a consumer killed mid-stream and restarted loses no acknowledged reading and
duplicates none; PostgreSQL stopped and started during ingest → the consumer backs off and
resumes; the broker restarted → reconnect and resume; two consumers in one shared group
split the load with nothing lost or doubled. "Doubled" is checked through the minute
rollups: a reading counted twice would make their sum exceed the number of readings.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.postgres

PG_BIN = Path("/usr/lib/postgresql/15/bin")
GATEWAY, TOKEN = "hy-gas", "demo-token-hy-gas"
POINTS = ["hy-p-1", "hy-lv-1"]  # values stay in the normal band: no alarms in the way
PER_MESSAGE = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class ThrowawayPostgres:
    def __init__(self, root: Path):
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/dx_faults"
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
        subprocess.run(
            as_postgres(
                [str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            as_postgres(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    "-c",
                    "create database dx_faults",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def start(self):
        subprocess.run(
            as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.root / "pg.log"),
                    "-w",
                    "-o",
                    f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
        )

    def stop(self, mode="fast"):
        subprocess.run(
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=False,
            capture_output=True,
        )

    def query(self, sql):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            cur = conn.execute(sql)
            return cur.fetchall() if cur.description else []


class ThrowawayMosquitto:
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        root.chmod(0o777)
        self.conf = root / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence true\n"
            f"persistence_location {root}/\nmax_queued_messages 0\nmax_inflight_messages 0\n"
            "user root\n"
        )
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("mosquitto did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # saves its persistence file
            self.proc.wait(10)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not (PG_BIN / "initdb").exists() or shutil.which("mosquitto") is None:
        pytest.skip("PostgreSQL 15 server binaries and mosquitto are needed")
    # Under /tmp itself: pytest's own temp root is private to root, and initdb runs as
    # the postgres user when the tests run as root.
    pg_root = Path(tempfile.mkdtemp(prefix="dx-faults-pg-"))
    pg = ThrowawayPostgres(pg_root)
    broker = ThrowawayMosquitto(tmp_path_factory.mktemp("mqtt"))
    data_dir = tmp_path_factory.mktemp("app")
    env = {k: v for k, v in os.environ.items() if k not in ("DIXIAN_TESTING",)}
    env.update(
        {
            "DATABASE_URL": pg.url,
            "DIXIAN_DEMO": "1",
            "DIXIAN_DATA_DIR": str(data_dir),
            "DIXIAN_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    for cmd in (["migrate", "-v0"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "dixian.cli", *cmd],
            env=env,
            check=True,
            capture_output=True,
            cwd=data_dir,
        )
    enterprise = pg.query(f"select enterprise_id from monitoring_gateway where code = '{GATEWAY}'")[
        0
    ][0]
    yield {"pg": pg, "broker": broker, "env": env, "dir": data_dir, "enterprise": enterprise}
    broker.stop()
    pg.stop("immediate")
    shutil.rmtree(pg_root, ignore_errors=True)


def reset(world):
    world["pg"].query(
        "truncate monitoring_reading, monitoring_rollup, monitoring_latestvalue, "
        "monitoring_deadletter"
    )


def consumer(world, client_id, group=None):
    # One shared group per test: a persistent session that left a group keeps receiving
    # its share of the group's messages (queued for it) until it returns or expires.
    group = group or client_id.split("-")[0]
    log = open(world["dir"] / f"{client_id}.log", "a")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dixian.cli",
            "ingest-mqtt",
            "--url",
            world["broker"].url,
            "--group",
            group,
            "--client-id",
            client_id,
            "--batch",
            "10",
        ],
        env=world["env"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=world["dir"],
    )


def wait_subscribed(world, client_id, times=1, timeout=60):
    """Until the consumer's log shows its ``times``-th connection (then it has subscribed)."""
    path = world["dir"] / f"{client_id}.log"
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and path.read_text().count("MQTT connected") >= times:
            time.sleep(0.5)
            return
        time.sleep(0.1)
    raise AssertionError(f"{client_id} did not connect")


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def payloads(n_messages: int, start: dt.datetime):
    """n messages of 200 readings each, every (point, time) distinct."""
    i = 0
    for _m in range(n_messages):
        readings = []
        for _r in range(PER_MESSAGE):
            point = POINTS[i % len(POINTS)]
            ts = start + dt.timedelta(seconds=i // len(POINTS))
            readings.append({"point": point, "ts": ts.isoformat(), "value": 1.0 + (i % 7) / 100})
            i += 1
        yield json.dumps({"gateway": GATEWAY, "token": TOKEN, "readings": readings}).encode()


def publish(world, messages, start, pause=0.0):
    """Publish with QoS 1 and wait until the broker has every message."""
    import paho.mqtt.client as mqtt

    from dixian.monitoring.mqtt import parse_url

    host, port, _u, _p = parse_url(world["broker"].url)
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5
    )
    client.connect(host, port)
    client.loop_start()
    topic = f"dixian/{world['enterprise']}/{GATEWAY}/readings"
    infos = []
    for raw in payloads(messages, start):
        infos.append(client.publish(topic, raw, qos=1))
        if pause:
            time.sleep(pause)
    for info in infos:
        info.wait_for_publish(30)
    client.loop_stop()
    client.disconnect()
    return messages * PER_MESSAGE


def stored(world) -> tuple[int, int]:
    rows = world["pg"].query(
        "select (select count(*) from monitoring_reading), "
        "(select coalesce(sum(n), 0) from monitoring_rollup where period = 'm')"
    )
    return int(rows[0][0]), int(rows[0][1])


def wait_for(world, expected, timeout=120):
    deadline = time.time() + timeout
    got = (0, 0)
    while time.time() < deadline:
        try:
            got = stored(world)
        except Exception:  # the database may be restarting
            got = got
        if got[0] >= expected:
            time.sleep(1)  # anything more would be a duplicate: give it a chance to show
            return stored(world)
        time.sleep(0.3)
    return got


def start_time(hours_ago):
    return dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=hours_ago)


def test_consumer_killed_mid_stream_loses_and_doubles_nothing(world):
    reset(world)
    c = consumer(world, "kill-me")
    wait_subscribed(world, "kill-me")
    total = 100 * PER_MESSAGE
    thread = threading.Thread(target=publish, args=(world, 100, start_time(10), 0.03))
    thread.start()
    deadline = time.time() + 60
    try:
        while stored(world)[0] < total // 5 and time.time() < deadline:
            time.sleep(0.05)
        assert 0 < stored(world)[0] < total, "kill must happen mid-stream"
    finally:
        c.kill()  # SIGKILL: no clean shutdown, unacknowledged messages stay with the session
        c.wait()
        thread.join()
    c = consumer(world, "kill-me")  # same client id: resumes the persistent session
    try:
        readings, rolled = wait_for(world, total)
    finally:
        stop(c)
    assert readings == total
    assert rolled == total  # no reading evaluated twice


def test_two_consumers_share_the_load(world):
    reset(world)
    a, b = consumer(world, "share-a"), consumer(world, "share-b")
    wait_subscribed(world, "share-a")
    wait_subscribed(world, "share-b")
    total = publish(world, 60, start_time(20))
    try:
        readings, rolled = wait_for(world, total)
    finally:
        stop(a)
        stop(b)
    assert (readings, rolled) == (total, total)
    logs = [(world["dir"] / f"share-{x}.log").read_text() for x in "ab"]
    counts = [int(log.rsplit("messages=", 1)[-1].split()[0]) for log in logs]
    assert sum(counts) >= 60 and all(n > 0 for n in counts), counts


def test_postgres_restart_during_ingest(world):
    reset(world)
    c = consumer(world, "pg-restart")
    wait_subscribed(world, "pg-restart")
    total = 80 * PER_MESSAGE
    thread = threading.Thread(target=publish, args=(world, 80, start_time(30), 0.02))
    thread.start()
    time.sleep(1.0)
    world["pg"].stop("fast")
    time.sleep(3)
    world["pg"].start()
    thread.join()
    try:
        readings, rolled = wait_for(world, total)
    finally:
        stop(c)
    assert (readings, rolled) == (total, total)
    assert "retrying" in (world["dir"] / "pg-restart.log").read_text()


def test_broker_restart_reconnects_and_resumes(world):
    reset(world)
    c = consumer(world, "broker-restart")
    wait_subscribed(world, "broker-restart")
    first = publish(world, 20, start_time(40))
    world["broker"].stop()
    time.sleep(1)
    world["broker"].start()
    wait_subscribed(world, "broker-restart", times=2)
    second = publish(world, 20, start_time(45))
    try:
        readings, rolled = wait_for(world, first + second)
    finally:
        stop(c)
    assert (readings, rolled) == (first + second, first + second)
