#!/usr/bin/env python3
"""Benchmark: the 动态清零 board and the hazard list over 1,000,000 hazards and 10,000
enterprises on PostgreSQL.

It (re)creates its own database, migrates, loads the Pinglu demo (accounts, departments,
townships), then bulk-inserts the enterprises, their industries and the hazards with
server-side ``INSERT … SELECT generate_series`` (no row travels through Python). The
services keep the board's summary table and the daily task writes the trend's snapshots on
a live system; bulk SQL goes past both, so the script rebuilds the summary from the hazards,
takes the snapshots of the trend's window, checks the summary against a direct count and
runs ANALYZE. Then it times real requests through Django's test client as a county-wide
user (``office``) and as a department user (``inspector``): median and p90 of ``--runs``
requests per page after one warm-up, with this process's CPU per request and the load
average. Results go to ``bench/results/hazards-<date>.json``.

    python bench/hazards.py --database-url postgres://postgres@127.0.0.1:5432/dx_bench_hazards

Shape of the data: hazards found over the last three years, 4 % still open (a tenth of
those major), a third of the open ones past their deadline; enterprises spread over the nine
townships with one or two industries each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def recreate(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DIXIAN_DEMO", "1")
    # Plain static storage (no collectstatic manifest needed); queries are not recorded.
    os.environ.setdefault("DIXIAN_TESTING", "1")
    os.environ.setdefault("DIXIAN_DATA_DIR", tempfile.mkdtemp(prefix="dx-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "dixian.settings"
    import django

    django.setup()


def load(enterprises: int, hazards: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from dixian.core import demo

    demo.seed()
    timings = {}
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SELECT id FROM core_division WHERE level = 'township' ORDER BY code")
        townships = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM core_industry WHERE parent_id IS NOT NULL OR code IN ('hazchem','construction','gas','fireworks') ORDER BY id"
        )
        industries = [r[0] for r in cur.fetchall()]
        cur.execute(
            """
            INSERT INTO core_organisation
                (name, short_name, aliases, kind, parent_id, division_id, credit_code, address,
                 phone, latitude, longitude, is_active, path, created_at)
            SELECT 'bench enterprise ' || g, '', '', 'enterprise', NULL,
                   (%s::bigint[])[1 + g %% %s], '', '', '', NULL, NULL, true, '', now()
            FROM generate_series(1, %s) g
            """,
            [townships, len(townships), enterprises],
        )
        cur.execute(
            "UPDATE core_organisation SET path = lpad(id::text, 8, '0') || '/' "
            "WHERE name LIKE 'bench enterprise %%'"
        )
        cur.execute(
            """
            INSERT INTO core_organisation_industries (organisation_id, industry_id)
            SELECT id, (%s::bigint[])[1 + id %% %s] FROM core_organisation
            WHERE name LIKE 'bench enterprise %%'
            UNION
            SELECT id, (%s::bigint[])[1 + (id / 7) %% %s] FROM core_organisation
            WHERE name LIKE 'bench enterprise %%' AND id %% 3 = 0
            """,
            [industries, len(industries), industries, len(industries)],
        )
        timings["enterprises_s"] = round(time.perf_counter() - t, 2)
        cur.execute(
            "SELECT min(id), max(id) FROM core_organisation WHERE name LIKE 'bench enterprise %%'"
        )
        lo, hi = cur.fetchone()
        cur.execute(
            "SELECT id FROM core_organisation WHERE kind = 'department' AND short_name = '县应急局'"
        )
        dept = cur.fetchone()[0]
        t = time.perf_counter()
        # g: 1..N. Open when g % 25 = 0 (4 %); major when open and g % 250 = 0; overdue for a
        # third of the open ones.
        cur.execute(
            """
            INSERT INTO prevention_hazard
                (enterprise_id, title, description, location, source, source_ref, level, criteria,
                 state, is_open, department_id, found_at, due_at, rectified_at, closed_at,
                 closed_on_time, rectification_note, plan_responsibility, plan_measures,
                 plan_emergency, completion_report, escalation_level, next_escalation_at)
            SELECT %s + (g::bigint * 7919) %% (%s - %s + 1),
                   'bench hazard ' || g, '', '',
                   (ARRAY['self_check','patrol','inspection','sensor_alarm','public','other'])[1 + g %% 6],
                   '',
                   CASE WHEN g %% 250 = 0 THEN 'major' ELSE 'general' END,
                   '[]'::jsonb,
                   CASE WHEN g %% 25 = 0 THEN (CASE WHEN g %% 250 = 0 THEN 'listed' ELSE 'rectifying' END)
                        ELSE 'closed' END,
                   g %% 25 = 0,
                   %s,
                   now() - ((g %% 1095) || ' days')::interval - ((g %% 1440) || ' minutes')::interval,
                   CASE WHEN g %% 25 = 0 THEN now() + (((g / 25) %% 3 - 1) * 10 || ' days')::interval
                        ELSE now() - ((g %% 1095) || ' days')::interval + interval '7 days' END,
                   NULL,
                   CASE WHEN g %% 25 = 0 THEN NULL
                        ELSE now() - ((g %% 1095) || ' days')::interval + interval '5 days' END,
                   CASE WHEN g %% 25 = 0 THEN NULL ELSE g %% 10 <> 0 END,
                   '', '', '', '', '', 0,
                   CASE WHEN g %% 25 = 0 THEN now() + (((g / 25) %% 3 - 1) * 10 || ' days')::interval END
            FROM generate_series(1, %s) g
            """,
            [lo, hi, lo, dept, hazards],
        )
        timings["hazards_s"] = round(time.perf_counter() - t, 2)
    # The rows went in with SQL, past the services that keep the board's summary: recount it
    # from the hazards, and take the daily snapshots of the trend's window (what the daily
    # task writes on a live system).
    from dixian.prevention import summary

    t = time.perf_counter()
    timings["summary_rows"] = summary.rebuild()
    timings["summary_rebuild_s"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    timings["snapshot_days"] = len(summary.take_due_snapshots())
    timings["snapshots_s"] = round(time.perf_counter() - t, 2)
    with connection.cursor() as cur:
        t = time.perf_counter()
        # What autovacuum does on a live system: statistics and the visibility map (index-only
        # scans of the open-hazard index).
        cur.execute("VACUUM ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - t, 2)
        cur.execute("SELECT count(*), count(*) FILTER (WHERE is_open) FROM prevention_hazard")
        total, open_ = cur.fetchone()
    return {"load": timings, "rows": {"hazards": total, "open": open_, "enterprises": hi - lo + 1}}


def check_summary() -> dict:
    """The summary against a direct count of the open hazards (must be equal)."""
    from dixian.prevention import summary

    t = time.perf_counter()
    diff = summary.mismatches()
    return {"mismatches": len(diff), "check_s": round(time.perf_counter() - t, 2)}


def measure(runs: int) -> dict:
    from django.test import Client

    from dixian.core.models import User

    pages = {
        "board": "/prevention/board/",
        "hazard_list": "/prevention/hazards/",
        "hazard_list_open": "/prevention/hazards/?open=1",
        "hazard_list_page_2": None,  # filled from page 1's keyset link
    }
    out = {}
    for username in ("office", "inspector"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        first = client.get("/prevention/hazards/")
        before = first.content.decode().split("before=")
        if len(before) > 1:
            pages["hazard_list_page_2"] = "/prevention/hazards/?before=" + before[1].split('"')[0]
        for name, path in pages.items():
            if path is None:
                continue
            client.get(path)  # warm-up
            times = []
            cpu = 0.0
            for _ in range(runs):
                t = time.perf_counter()
                c = time.process_time()
                r = client.get(path)
                cpu += time.process_time() - c
                times.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            times.sort()
            out[f"{username}:{name}"] = {
                "path": path,
                "median_ms": round(statistics.median(times), 1),
                "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
                "max_ms": round(times[-1], 1),
                # CPU of this (Django) process per request; the database's own work is not in
                # it. Less sensitive than wall time to other load on the machine.
                "python_cpu_ms": round(cpu * 1000 / runs, 1),
            }
            print(
                f"{username:10s} {name:20s} median {out[f'{username}:{name}']['median_ms']:8.1f} ms"
            )
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/dx_bench_hazards")
    p.add_argument("--hazards", type=int, default=1_000_000)
    p.add_argument("--enterprises", type=int, default=10_000)
    p.add_argument("--runs", type=int, default=15)
    p.add_argument("--reuse", action="store_true", help="measure an already loaded database")
    args = p.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        p.error("--database-url must be a PostgreSQL URL")
    if not args.reuse:
        recreate(args.database_url)
    setup_django(args.database_url)
    loaded = {} if args.reuse else load(args.enterprises, args.hazards)
    print("loaded:", loaded)
    consistency = check_summary()
    print("summary vs hazards:", consistency)
    load_before = os.getloadavg()
    results = measure(args.runs)
    load_after = os.getloadavg()
    target = 300.0
    payload = {
        "benchmark": "hazards",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "hazards": args.hazards,
        "enterprises": args.enterprises,
        "runs": args.runs,
        **loaded,
        "summary_check": consistency,
        "results": results,
        "target_median_ms": target,
        "all_under_target": all(r["median_ms"] < target for r in results.values()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in load_after],
        },
    }
    out = ROOT / "bench" / "results" / f"hazards-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    print("written", out)
    return 0 if payload["all_under_target"] and not consistency["mismatches"] else 1


if __name__ == "__main__":
    sys.exit(main())
