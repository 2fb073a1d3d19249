"""Ingest benchmark of the monitoring app; writes bench/results/ingest-<date>.json itself.

    PYTHONPATH=src python bench/ingest.py [--messages 600] [--consumers 2] [--skip-sqlite]

Scenarios (each on a fresh database, the demo seeded, N simulated gateways × 200 points):

* ``pg_mqtt``: PostgreSQL (a new database on the server named by --pg, default the local
  one) + an own Mosquitto on a free port + ``dixian ingest-mqtt`` consumers in one shared
  group. Messages of 200 readings are published with QoS 1 as fast as the publisher can;
  points/s = readings / (first publish → last reading stored and evaluated; rules on).
* ``sqlite_http``: SQLite + gunicorn (``dixian.wsgi``) + client threads POSTing the same
  batches to /api/v1/readings/.
* alarm latency (in both): while the load runs, single methane exceedances are sent; the
  latency is from sending to the alarm row's ``opened_at`` and to its outbox row's
  ``created_at`` (same clock, same machine), p50/p99.
* machine limits: raw COPY of the same rows into the partitioned readings table (no rules,
  no rollups), and a bare paho subscriber's rate on the same broker.
* CPU seconds and peak RSS of the consumer / web processes (psutil), RSS sampled every second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
POINTS_PER_GATEWAY = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, q):
    if not values:
        return None
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return round(values[k], 4)


def run(cmd, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "dixian.cli", *cmd],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )


def django_env(database_url: str | None, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DIXIAN_TESTING",)}
    env.update(
        {
            "DIXIAN_DEMO": "1",
            "DIXIAN_DATA_DIR": str(data_dir),
            "PYTHONPATH": str(ROOT / "src"),
            "DIXIAN_SIMULATE": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


PROVISION = """
from dixian.core.models import Organisation
if not Organisation.objects.filter(kind='enterprise').exists():
    Organisation.objects.create(name='基准测试企业（示例）', kind='enterprise')
from dixian.core.models import User
ent = Organisation.objects.filter(kind='enterprise').order_by('pk').first()
if not User.objects.filter(username='bench').exists():
    User.objects.create(username='bench', role='enterprise_manager', org=ent)
from dixian.monitoring.simulator import provision
from dixian.monitoring.models import Gateway, Point
import json
gws = provision({n}, {points})
out = []
for gw in gws:
    pts = list(Point.objects.filter(gateway=gw).order_by('code').values_list('code', 'kind'))
    out.append({{'code': gw.code, 'enterprise': gw.enterprise_id, 'points': pts}})
print('JSON' + json.dumps(out))
"""


def prepare(env, cwd, gateways: int) -> list[dict]:
    run(["migrate", "-v0"], env, cwd)  # no demo: one enterprise is enough here
    out = run(["shell", "-c", PROVISION.format(n=gateways, points=POINTS_PER_GATEWAY)], env, cwd)
    return json.loads(out.stdout.split("JSON", 1)[1])


def make_messages(gws, n_messages, start, with_token):
    """n messages of 200 readings (one gateway, one time each); normal values."""
    msgs = []
    for m in range(n_messages):
        gw = gws[m % len(gws)]
        ts = (start + dt.timedelta(seconds=m // len(gws))).isoformat()
        readings = [
            {"point": code, "ts": ts, "value": round(0.3 + ((m + j) % 10) / 1000, 4)}
            for j, (code, _kind) in enumerate(gw["points"])
        ]
        body = {"gateway": gw["code"], "readings": readings}
        if with_token:
            body["token"] = f"demo-token-{gw['code']}"
        msgs.append((gw, json.dumps(body).encode()))
    return msgs


def alarm_messages(gws, count, with_token):
    """Single methane exceedances on distinct ch4 points (each opens a new red alarm)."""
    out = []
    candidates = [(gw, code) for gw in gws for code, kind in gw["points"] if kind == "ch4"]
    for gw, code in candidates[:count]:
        out.append((gw, code, with_token))
    return out


def alarm_payload(gw, code, with_token):
    body = {
        "gateway": gw["code"],
        "readings": [{"point": code, "ts": dt.datetime.now(dt.UTC).isoformat(), "value": 2.0}],
    }
    if with_token:
        body["token"] = f"demo-token-{gw['code']}"
    return json.dumps(body).encode()


class Sampler:
    """CPU seconds and RSS of a set of processes (and their children), sampled each second."""

    def __init__(self, pids):
        self.procs = []
        for pid in pids:
            try:
                p = psutil.Process(pid)
                self.procs += [p, *p.children(recursive=True)]
            except psutil.NoSuchProcess:
                pass
        self.rss = []
        self.stop_event = threading.Event()
        self.cpu0 = self._cpu()
        self.sys0 = psutil.cpu_times()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _cpu(self):
        total = 0.0
        for p in self.procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    def _loop(self):
        while not self.stop_event.wait(1.0):
            total = 0
            for p in self.procs:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.rss.append(total)

    def finish(self, elapsed):
        self.stop_event.set()
        self.thread.join()
        cpu = self._cpu() - self.cpu0
        sys1 = psutil.cpu_times()
        busy = (sys1.user + sys1.system) - (self.sys0.user + self.sys0.system)
        idle_total = sum(sys1) - sum(self.sys0)
        mb = [r / 2**20 for r in self.rss] or [0]
        return {
            "process_cpu_seconds": round(cpu, 1),
            "process_cpu_cores_avg": round(cpu / elapsed, 2) if elapsed else None,
            "machine_cpu_busy_pct": round(100 * busy / idle_total, 1) if idle_total else None,
            "rss_mb_first": round(mb[0], 1),
            "rss_mb_peak": round(max(mb), 1),
            "rss_mb_last": round(mb[-1], 1),
            "rss_samples": len(mb),
        }


def db_counts(query):
    return query(
        "select (select count(*) from monitoring_reading), "
        "(select coalesce(sum(n),0) from monitoring_rollup where period = 'm')"
    )[0]


def alarm_latencies(query, sent: dict):
    """sent: point code → send time (epoch). Returns (to alarm row, to outbox row) lists."""
    rows = query(
        "select p.code, a.opened_at, (select min(m.created_at) from core_message m "
        "where m.dedupe_key like 'alarm:' || a.id || ':open:%%') "
        "from monitoring_alarm a join monitoring_point p on p.id = a.point_id "
        "where a.kind = 'threshold'"
    )
    to_alarm, to_outbox = [], []
    for code, opened, outbox in rows:
        if code in sent:
            to_alarm.append(_epoch(opened) - sent[code])
            if outbox is not None:
                to_outbox.append(_epoch(outbox) - sent[code])
    return to_alarm, to_outbox


def _epoch(value):
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


# ---- PostgreSQL + MQTT ---------------------------------------------------------------


def start_mosquitto(tmp: Path):
    port = free_port()
    conf = tmp / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n"
        "max_inflight_messages 0\n"
    )
    proc = subprocess.Popen(
        ["mosquitto", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, port


def paho_client(port, **kw):
    import paho.mqtt.client as mqtt

    c = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5, **kw
    )
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)  # unlimited local queue
    c.connect("127.0.0.1", port, keepalive=60)
    c.loop_start()
    return c


def wait_all(infos, timeout):
    deadline = time.monotonic() + timeout
    for info in infos:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            info.wait_for_publish(remaining)
        except (RuntimeError, ValueError):
            pass


def bare_subscriber_rate(port, messages) -> dict:
    """How fast a do-nothing QoS 1 subscriber receives the same messages on this broker."""
    got = {"n": 0, "first": None, "last": None}
    done = threading.Event()

    def on_message(client, userdata, msg):
        got["n"] += 1
        got["last"] = time.monotonic()
        if got["first"] is None:
            got["first"] = got["last"]
        if got["n"] >= len(messages):
            done.set()

    sub = paho_client(port, client_id="bench-bare")
    sub.on_message = on_message
    sub.subscribe("bare/#", qos=1)
    time.sleep(0.5)
    pub = paho_client(port, client_id="bench-bare-pub")
    t0 = time.monotonic()
    infos = [pub.publish("bare/x", raw, qos=1) for _gw, raw in messages]
    wait_all(infos, 120)
    done.wait(120)
    elapsed = (got["last"] or time.monotonic()) - t0
    pub.loop_stop()
    sub.loop_stop()
    pub.disconnect()
    sub.disconnect()
    readings = got["n"] * POINTS_PER_GATEWAY
    return {
        "messages": got["n"],
        "seconds": round(elapsed, 2),
        "points_per_s": round(readings / elapsed) if elapsed else None,
    }


def raw_copy_rate(pg_url, msgs) -> dict:
    """COPY the same rows (point id, time, value) into a partitioned copy of the table."""
    import psycopg

    rows = []
    for m, (_gw, raw) in enumerate(msgs):
        body = json.loads(raw)
        for j, r in enumerate(body["readings"]):
            rows.append((m * 1000 + j, dt.datetime.fromisoformat(r["ts"]), r["value"], 0))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("drop table if exists bench_copy")
        conn.execute(
            "create table bench_copy (point_id bigint not null, ts timestamptz not null, "
            "value double precision not null, quality smallint not null, "
            "primary key (point_id, ts)) partition by range (ts)"
        )
        conn.execute(
            "create table bench_copy_all partition of bench_copy "
            "for values from ('2000-01-01') to ('2100-01-01')"
        )
        t0 = time.monotonic()
        with (
            conn.cursor() as cur,
            cur.copy("copy bench_copy (point_id, ts, value, quality) from stdin") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        elapsed = time.monotonic() - t0
        conn.execute("drop table bench_copy")
    return {
        "rows": len(rows),
        "seconds": round(elapsed, 2),
        "rows_per_s": round(len(rows) / elapsed),
    }


def scenario_pg_mqtt(args, tmp: Path) -> dict:
    import psycopg

    admin = args.pg.rstrip("/") + "/postgres"
    name = "dx_monitoring_bench"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    url = args.pg.rstrip("/") + "/" + name

    def query(sql):
        with psycopg.connect(url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    env = django_env(url, tmp / "pg-app")
    (tmp / "pg-app").mkdir()
    gws = prepare(env, tmp / "pg-app", args.gateways)
    broker, port = start_mosquitto(tmp)
    result = {"gateways": len(gws), "points": len(gws) * POINTS_PER_GATEWAY}
    try:
        consumers = []
        for i in range(args.consumers):
            log = open(tmp / f"consumer-{i}.log", "w")
            consumers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "dixian.cli",
                        "ingest-mqtt",
                        "--url",
                        f"mqtt://127.0.0.1:{port}",
                        "--group",
                        "bench",
                        "--client-id",
                        f"bench-{i}",
                        "--batch",
                        str(args.batch),
                    ],
                    env=env,
                    cwd=tmp / "pg-app",
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        deadline = time.monotonic() + 300  # consumers import Django and subscribe
        while time.monotonic() < deadline:
            logs = [(tmp / f"consumer-{i}.log").read_text() for i in range(args.consumers)]
            if all("MQTT connected" in text for text in logs):
                break
            time.sleep(0.2)
        time.sleep(1)
        base = query("select count(*) from monitoring_reading")[0][0]
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
        msgs = make_messages(gws, args.messages, start, with_token=True)
        alarms = alarm_messages(gws, args.alarms, with_token=True)
        total = len(msgs) * POINTS_PER_GATEWAY
        pub = paho_client(port, client_id="bench-pub")
        sent = {}
        sampler = Sampler([c.pid for c in consumers])
        t0 = time.monotonic()
        every = max(1, len(msgs) // (len(alarms) + 1))
        infos = []
        a = 0
        for i, (gw, raw) in enumerate(msgs):
            infos.append(
                pub.publish(f"dixian/{gw['enterprise']}/{gw['code']}/readings", raw, qos=1)
            )
            if i % every == every - 1 and a < len(alarms):
                agw, code, _t = alarms[a]
                sent[code] = time.time()
                pub.publish(
                    f"dixian/{agw['enterprise']}/{agw['code']}/readings",
                    alarm_payload(agw, code, True),
                    qos=1,
                )
                a += 1
        publish_s = time.monotonic() - t0
        wait_all(infos, args.timeout)
        deadline = time.monotonic() + args.timeout
        stored = 0
        while time.monotonic() < deadline:
            stored = query("select count(*) from monitoring_reading")[0][0] - base
            if stored >= total + a:
                break
            time.sleep(0.25)
        elapsed = time.monotonic() - t0
        usage = sampler.finish(elapsed)
        pub.loop_stop()
        pub.disconnect()
        to_alarm, to_outbox = alarm_latencies(query, sent)
        for c in consumers:
            c.send_signal(signal.SIGTERM)
        for c in consumers:
            try:
                c.wait(20)
            except subprocess.TimeoutExpired:
                c.kill()
        readings, rolled = db_counts(query)
        result.update(
            {
                "messages": len(msgs),
                "readings_per_message": POINTS_PER_GATEWAY,
                "readings_sent": total,
                "readings_stored": int(stored),
                "complete": stored >= total,
                "seconds": round(elapsed, 2),
                "publisher_seconds": round(publish_s, 2),
                "points_per_s": round(stored / elapsed),
                "rollup_minute_sum_equals_readings": int(rolled) == int(readings),
                "consumers": args.consumers,
                "batch_messages_per_transaction": args.batch,
                "alarm_latency_s": {
                    "alarms": len(to_alarm),
                    "to_alarm_row_p50": pct(to_alarm, 50),
                    "to_alarm_row_p99": pct(to_alarm, 99),
                    "to_outbox_row_p50": pct(to_outbox, 50),
                    "to_outbox_row_p99": pct(to_outbox, 99),
                    "under_load": True,
                },
                "resources_consumers": usage,
                "consumer_logs": [
                    (tmp / f"consumer-{i}.log").read_text()[-300:] for i in range(args.consumers)
                ],
            }
        )
        result["limit_raw_copy"] = raw_copy_rate(url, msgs)
        result["limit_bare_subscriber"] = bare_subscriber_rate(port, msgs)
        copy_rate = result["limit_raw_copy"]["rows_per_s"]
        result["fraction_of_raw_copy"] = round(result["points_per_s"] / copy_rate, 3)
    finally:
        broker.terminate()
        broker.wait(10)
    return result


# ---- SQLite + HTTP -------------------------------------------------------------------


def scenario_sqlite_http(args, tmp: Path) -> dict:
    import sqlite3

    data = tmp / "sqlite-app"
    data.mkdir()
    env = django_env(None, data)
    gws = prepare(env, data, args.gateways)
    port = free_port()
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dixian.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=data,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"),
    )
    base_url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    db = data / "dixian.sqlite3"

    def query(sql):
        conn = sqlite3.connect(db, timeout=30)
        try:
            return conn.execute(sql.replace("%%", "%")).fetchall()
        finally:
            conn.close()

    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=3)
    n = max(50, args.messages // 3)
    msgs = make_messages(gws, n, start, with_token=False)
    alarms = alarm_messages(gws, args.alarms, with_token=False)
    result = {"gateways": len(gws), "points": len(gws) * POINTS_PER_GATEWAY}

    def post(gw, raw):
        req = urllib.request.Request(
            base_url + "/api/v1/readings/",
            data=raw,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Gateway demo-token-{gw['code']}",
            },
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status

    try:
        base = query("select count(*) from monitoring_reading")[0][0]
        sampler = Sampler([web.pid])
        t0 = time.monotonic()
        work = list(msgs)
        lock = threading.Lock()
        errors = []

        def client():
            while True:
                with lock:
                    if not work:
                        return
                    gw, raw = work.pop(0)
                try:
                    post(gw, raw)
                except Exception as exc:  # counted, not fatal
                    errors.append(str(exc))

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        sent = {}
        for agw, code, _t in alarms:
            time.sleep(max(0.05, (n / 400) / max(1, len(alarms))))
            sent[code] = time.time()
            post(agw, alarm_payload(agw, code, False))
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        usage = sampler.finish(elapsed)
        stored = query("select count(*) from monitoring_reading")[0][0] - base
        to_alarm, to_outbox = alarm_latencies(query, sent)
        readings, rolled = db_counts(query)
        total = len(msgs) * POINTS_PER_GATEWAY
        result.update(
            {
                "messages": len(msgs),
                "readings_per_message": POINTS_PER_GATEWAY,
                "readings_sent": total,
                "readings_stored": int(stored) - len(sent),
                "http_errors": len(errors),
                "seconds": round(elapsed, 2),
                "points_per_s": round((stored - len(sent)) / elapsed),
                "rollup_minute_sum_equals_readings": int(rolled) == int(readings),
                "client_threads": 4,
                "web": "gunicorn 2 workers × 2 threads",
                "alarm_latency_s": {
                    "alarms": len(to_alarm),
                    "to_alarm_row_p50": pct(to_alarm, 50),
                    "to_alarm_row_p99": pct(to_alarm, 99),
                    "to_outbox_row_p50": pct(to_outbox, 50),
                    "to_outbox_row_p99": pct(to_outbox, 99),
                    "under_load": True,
                },
                "resources_web": usage,
            }
        )
    finally:
        web.terminate()
        web.wait(20)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--alarms", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-pg", action="store_true")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dx-bench-ingest-"))
    load_before = os.getloadavg()
    out = {
        "benchmark": "monitoring ingest",
        "command": "PYTHONPATH=src python bench/ingest.py " + " ".join(sys.argv[1:]),
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
            "note": "2 cores shared with other developers' test runs during the measurement",
        },
        "targets": {
            "pg_mqtt_points_per_s": 30000,
            "fraction_of_raw_copy": 0.5,
            "alarm_p99_s": 1.0,
        },
    }
    try:
        if not args.skip_pg:
            out["pg_mqtt"] = scenario_pg_mqtt(args, tmp)
        if not args.skip_sqlite:
            out["sqlite_http"] = scenario_sqlite_http(args, tmp)
    finally:
        out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        out["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"ingest-{dt.date.today().isoformat()}.json"
        path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
        print(json.dumps(out, indent=2, ensure_ascii=False))
        print(f"written {path}")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
