#!/usr/bin/env python3
"""Benchmark: a red warning to 10,000 叫应 targets — release, dispatch, acknowledge, escalate.

    PYTHONPATH=src .venv/bin/python bench/warning_release.py                          # SQLite
    PYTHONPATH=src .venv/bin/python bench/warning_release.py \
        --database-url postgres://postgres@127.0.0.1:5432/dx_bench_warnings   # PostgreSQL

Each run makes a fresh database (a temporary SQLite file, or drops and recreates the named
PostgreSQL database), migrates it, loads the Pinglu demo, adds N fictional village cadres
(each with a deputy) to the 叫应 directory of a bench township, and points the SMS and voice
gateways at a loopback fake gateway (``core/tests/fakegateway.py``, in a process of its own:
a real gateway is another machine). It then times:

1. ``release_warning`` of a red rainstorm warning (all target, event and outbox rows written)
   plus the first delivery attempt of every SMS (``--workers`` outbox workers each calling
   ``deliver_batch`` on chunks of 500 ids, as the huey workers do after commit; each sends
   ``OUTBOX_DELIVERY_CONCURRENCY`` requests at once over kept-alive connections, or
   ``--gateway-batch`` messages per gateway request) — limit 10 s;
2. acknowledgements through the one-tap link endpoint: real HTTP POSTs from ``--clients``
   concurrent keep-alive client threads to gunicorn (``dixian.wsgi``, gthread workers) on the
   same database — at least 500 per second;
3. one escalation sweep over N silent targets (``escalate_due`` six minutes later: N voice
   calls written) — limit 5 s.

CPU seconds (this process, and the gunicorn processes during the acks) are recorded beside
the wall-clock figures: the machine is shared, and CPU per unit of work is steadier.

Figures are merged into ``bench/results/warnings-<date>.json`` under the backend's name
(with ``-gateway-batch-N`` appended when SMS went in gateway batches).
"""

from __future__ import annotations

import sys

# This file is named like the standard library's ``warnings``: drop its own folder from the
# path before anything imports that module.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    del sys.path[0]

import argparse  # noqa: E402
import concurrent.futures  # noqa: E402
import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlparse  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LIMITS = {"release_and_first_attempts_s": 10.0, "acks_per_s": 500.0, "escalation_sweep_s": 5.0}


def fresh_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(data_dir: str, database_url: str, workers: int, threads: int):
    """gunicorn serving dixian.wsgi on a free port, on the bench's database."""
    env = {k: v for k, v in os.environ.items() if k not in ("DIXIAN_TESTING",)}
    env.update(
        {
            "DIXIAN_DEMO": "1",
            "DIXIAN_DATA_DIR": data_dir,
            "PYTHONPATH": str(ROOT / "src"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    port = free_port()
    log = open(Path(data_dir) / "gunicorn.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "dixian.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=data_dir,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start: " + (Path(data_dir) / "gunicorn.log").read_text())


def web_cpu(proc) -> float:
    import psutil

    try:
        main = psutil.Process(proc.pid)
        total = 0.0
        for p in [main, *main.children(recursive=True)]:
            t = p.cpu_times()
            total += t.user + t.system
        return total
    except psutil.NoSuchProcess:
        return 0.0


def post_acks(port: int, paths: list[str], clients: int) -> list[int]:
    """POST ``do=ack`` to every path from ``clients`` threads, each on one kept-alive
    connection (reconnecting when the server closes it); the statuses in order."""
    statuses = [0] * len(paths)
    body = b"do=ack"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "keep-alive"}

    def run(offset):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(offset, len(paths), clients):
            for _try in range(3):
                try:
                    conn.request("POST", paths[i], body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    statuses[i] = response.status
                    if response.will_close:
                        conn.close()
                    break
                except (http.client.HTTPException, OSError):
                    conn.close()
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def warm_up(port: int, paths: list[str], clients: int) -> None:
    """GET the acknowledgement pages (no state change) so the workers have loaded the code."""

    def run(offset):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for path in paths[offset::clients]:
            conn.request("GET", path)
            conn.getresponse().read()
        conn.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _gateway_process(conn) -> None:
    """The fake SMS/voice gateway in its own process, as a real gateway is another machine:
    its CPU is not the bench's, and it does not compete with delivery for one interpreter."""
    from dixian.core.tests.fakegateway import FakeGateway

    gateway = FakeGateway().start()
    conn.send(gateway.url)
    while True:
        msg = conn.recv()
        if msg == "count":
            conn.send(len(gateway.requests))
        else:
            gateway.stop()
            conn.send(True)
            os._exit(0)  # no finalisers of anything inherited from the parent


class RemoteGateway:
    """``FakeGateway`` in a forked child; made before any database connection is opened."""

    def __init__(self):
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_gateway_process, args=(child,), daemon=True)
        self._proc.start()
        self.url = self._conn.recv()

    def hits(self) -> int:
        self._conn.send("count")
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send("stop")
        self._conn.recv()
        self._proc.join(10)


def cpu_self() -> float:
    t = os.times()
    return t.user + t.system


def build_directory(n: int):
    """A bench township with one village and N cadres (and N deputies) in the directory."""
    from dixian.alerts.models import ContactEntry, TargetRole
    from dixian.core.choices import DivisionLevel, OrgKind
    from dixian.core.models import Division, Organisation, Person

    county = Division.objects.get(code="140829")
    town = Division.objects.create(
        code="140829999", name="基准镇", level=DivisionLevel.TOWNSHIP, parent=county
    )
    village = Division.objects.create(
        code="140829999001", name="基准村", level=DivisionLevel.VILLAGE, parent=town
    )
    org = Organisation.objects.create(
        name="基准村村民委员会", kind=OrgKind.VILLAGE_COMMITTEE, division=village
    )
    people = Person.objects.bulk_create(
        [Person(name=f"干部{i:05d}", org=org, mobile=f"1380000{i:04d}") for i in range(n)]
        + [Person(name=f"副职{i:05d}", org=org, mobile=f"1390000{i:04d}") for i in range(n)],
        batch_size=2000,
    )
    ContactEntry.objects.bulk_create(
        [
            ContactEntry(
                division=village,
                role=TargetRole.VILLAGE_FLOOD,
                person=people[i],
                deputy=people[n + i],
                org=org,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    return town


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--acks", type=int, default=2_000, help="acknowledgements to time")
    parser.add_argument("--workers", type=int, default=2, help="outbox workers (huey threads)")
    parser.add_argument(
        "--concurrency", type=int, default=8, help="gateway requests in flight per worker"
    )
    parser.add_argument(
        "--gateway-batch",
        type=int,
        default=0,
        help="messages per SMS gateway request (OUTBOX_GATEWAY_BATCH; 0: one each)",
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent ack client threads")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn worker")
    args = parser.parse_args()
    load_before = round(os.getloadavg()[0], 2)

    data_dir = tempfile.mkdtemp(prefix="dx-bench-warnings-")
    os.environ["DIXIAN_DATA_DIR"] = data_dir
    os.environ["DIXIAN_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dixian.settings")
    if args.database_url:
        fresh_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DIXIAN_OUTBOX_GATEWAY_BATCH"] = str(args.gateway_batch)
    os.environ["DIXIAN_OUTBOX_DELIVERY_CONCURRENCY"] = str(args.concurrency)
    import django

    django.setup()
    sys.path.insert(0, str(ROOT / "src"))
    from django.core.management import call_command
    from django.db import connection, connections

    from dixian.alerts import services
    from dixian.alerts.models import TargetState, WarningEvent, WarningTarget
    from dixian.core import clock, demo
    from dixian.core.choices import Channel, MessageState
    from dixian.core.models import ChannelEndpoint, DeliveryAttempt, Message, User
    from dixian.core.notify import deliver_batch

    connections.close_all()
    gateway = RemoteGateway()  # forked before this process opens a database connection
    call_command("migrate", verbosity=0)
    demo.seed()
    town = build_directory(args.targets)
    ChannelEndpoint.objects.create(kind=Channel.SMS, name="bench sms", url=gateway.url)
    ChannelEndpoint.objects.create(kind=Channel.VOICE, name="bench voice", url=gateway.url)
    duty, office = User.objects.get(username="duty"), User.objects.get(username="office")
    start = clock.now()
    w = services.draft_warning(
        actor=duty,
        kind="rainstorm",
        level="red",
        headline="基准镇暴雨红色预警（基准测试）",
        text="基准测试",
        effective_at=start,
        expires_at=start + dt.timedelta(hours=12),
        divisions=[town],
        roles=["village_flood"],
    )
    services.approve_warning(actor=office, warning=w)

    # 1. Release + first delivery attempts.
    cpu0 = cpu_self()
    t0 = time.perf_counter()
    summary = services.release_warning(actor=office, warning=w)
    t_release = time.perf_counter() - t0
    sms_ids = list(
        Message.objects.filter(channel=Channel.SMS, person__org__division__parent=town)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # The huey tasks enqueued after commit carry chunks of 500 ids; the workers take them.
    chunks = [sms_ids[i : i + 500] for i in range(0, len(sms_ids), 500)]
    lock = threading.Lock()

    def worker():
        done = 0
        try:
            while True:
                with lock:
                    if not chunks:
                        return done
                    ids = chunks.pop(0)
                done += deliver_batch(ids)
        finally:
            connections.close_all()

    with concurrent.futures.ThreadPoolExecutor(args.workers) as pool:
        delivered = sum(pool.map(lambda _: worker(), range(args.workers)))
    t_first = time.perf_counter() - t0
    cpu_first = cpu_self() - cpu0
    attempted = Message.objects.filter(pk__in=sms_ids, attempts__gte=1).count()
    logged = DeliveryAttempt.objects.filter(message__in=sms_ids).count()
    gateway_hits = gateway.hits()

    # 2. Acknowledgements through the link endpoint: real HTTP against gunicorn.
    targets = list(
        WarningTarget.objects.filter(warning=w).order_by("pk").values_list("pk", flat=True)
    )[: args.acks]
    urls = [f"/alerts/a/{services.ack_token(pk)}/" for pk in targets]
    connections.close_all()
    web, port = start_web(data_dir, args.database_url, args.web_workers, args.web_threads)
    try:
        warm_up(port, urls[:20], min(args.clients, 4))  # load the code in every worker
        web_cpu0, cpu0 = web_cpu(web), cpu_self()
        t0 = time.perf_counter()
        statuses = post_acks(port, urls, args.clients)
        t_acks = time.perf_counter() - t0
        web_cpu_acks, client_cpu_acks = web_cpu(web) - web_cpu0, cpu_self() - cpu0
    finally:
        web.terminate()
        web.wait(20)
    acked = WarningTarget.objects.filter(pk__in=targets, state=TargetState.ACKNOWLEDGED).count()
    ack_events = WarningEvent.objects.filter(
        target__in=targets, kind="acknowledged", channel="link"
    ).count()

    # 3. One escalation sweep over N silent targets (the acknowledged ones are re-opened).
    WarningTarget.objects.filter(warning=w).update(
        state=TargetState.CALLING, acknowledged_at=None, step=0, due_at=start
    )
    silent = WarningTarget.objects.filter(warning=w, state=TargetState.CALLING).count()
    cpu0 = cpu_self()
    t0 = time.perf_counter()
    swept = services.escalate_due(start + dt.timedelta(minutes=6), batch=max(silent, 5000))
    t_sweep = time.perf_counter() - t0
    cpu_sweep = cpu_self() - cpu0
    voice = Message.objects.filter(
        channel=Channel.VOICE, person__org__division__parent=town, state=MessageState.PENDING
    ).count()
    gateway.stop()

    checks = {
        "targets": summary["targets"] == args.targets,
        "first_attempts": attempted == len(sms_ids) == delivered == logged == args.targets,
        "acks": acked == ack_events == len(targets) and all(s == 302 for s in statuses),
        "sweep": swept == silent == voice == args.targets,
    }
    ok = (
        summary["targets"] == args.targets
        and attempted == len(sms_ids) == args.targets
        and delivered == args.targets
        and logged == args.targets
        and acked == len(targets)
        and ack_events == len(targets)
        and all(s == 302 for s in statuses)
        and swept == silent == args.targets
        and voice == args.targets
    )
    figures = {
        "backend": connection.vendor,
        "targets": args.targets,
        "release_s": round(t_release, 3),
        "release_and_first_attempts_s": round(t_first, 3),
        "release_and_first_attempts_cpu_s": round(cpu_first, 3),
        "first_attempts_delivered": delivered,
        "delivery_log_rows": logged,
        "gateway_requests": gateway_hits,
        "delivery_workers": args.workers,
        "delivery_concurrency": args.concurrency,
        "gateway_batch": args.gateway_batch,
        "acks_timed": len(urls),
        "acks_s": round(t_acks, 3),
        "acks_per_s": round(len(urls) / t_acks, 1),
        "acks_http": f"gunicorn gthread {args.web_workers} workers x {args.web_threads} threads, "
        f"{args.clients} keep-alive client threads",
        "acks_web_cpu_ms_per_ack": round(1000 * web_cpu_acks / len(urls), 3),
        "acks_client_cpu_ms_per_ack": round(1000 * client_cpu_acks / len(urls), 3),
        "escalation_sweep_targets": silent,
        "escalation_sweep_s": round(t_sweep, 3),
        "escalation_sweep_cpu_s": round(cpu_sweep, 3),
        "limits": LIMITS,
        "within_limits": {
            "release_and_first_attempts": t_first <= LIMITS["release_and_first_attempts_s"],
            "acks": len(urls) / t_acks >= LIMITS["acks_per_s"],
            "escalation_sweep": t_sweep <= LIMITS["escalation_sweep_s"],
        },
        "checks_passed": ok,
        "checks": checks,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        # Other processes share the machine: the 1-minute load average before the run.
        "load_average_1m": load_before,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"warnings-{dt.date.today().isoformat()}.json"
    merged = json.loads(target.read_text()) if target.exists() else {}
    key = connection.vendor + (
        f"-gateway-batch-{args.gateway_batch}" if args.gateway_batch > 1 else ""
    )
    merged[key] = figures
    target.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if ok and all(figures["within_limits"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
