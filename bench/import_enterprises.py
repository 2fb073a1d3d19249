#!/usr/bin/env python3
"""Benchmark: import 10,000 enterprises from one Excel file (all-or-nothing importer).

    PYTHONPATH=src .venv/bin/python bench/import_enterprises.py                 # SQLite
    PYTHONPATH=src .venv/bin/python bench/import_enterprises.py \
        --database-url postgres://postgres@127.0.0.1:5432/dx_bench_import     # PostgreSQL

Each run makes a fresh database (a temporary SQLite file, or drops and recreates the named
PostgreSQL database), migrates it, loads the Pinglu demo (townships and industries), writes
an .xlsx of N generated enterprises with valid, distinct credit codes, then times
``imports.import_enterprises`` — reading, checking every row and writing — and checks the
result (row count, organisation paths, profiles, grades). The figures are merged into
``bench/results/import-enterprises-<date>.json`` under the backend's name.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 30.0


def fresh_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_file(n: int) -> bytes:
    from openpyxl import Workbook

    from dixian.core.demo import INDUSTRIES, TOWNSHIPS
    from dixian.standards import uscc

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业")
    ws.append(["企业名称 *", "统一社会信用代码 *", "所在乡镇 *", "行业 *", "地址", "纬度", "经度",
               "法定代表人", "主要负责人", "规模（规上/规下）", "从业人数", "经营状态",
               "重大危险源（是/否）"])  # fmt: skip
    industries = [name for _code, name, _parent, _hr in INDUSTRIES]
    for i in range(n):
        body = f"9114082{9}BN{i:07d}"
        code = body + uscc.check_character(body)
        _tcode, township, lat, lng = TOWNSHIPS[i % len(TOWNSHIPS)]
        ws.append([
            f"基准测试企业{i:05d}有限公司", code, township,
            industries[i % len(industries)] + ("、粉尘涉爆" if i % 7 == 0 else ""),
            f"{township}示例路{i}号", float(lat) + (i % 50) / 5000, float(lng) + (i % 37) / 5000,
            f"法人{i}", f"负责人{i}", "规上" if i % 5 == 0 else "规下", i % 400, "在营",
            "是" if i % 23 == 0 else "否",
        ])  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="dx-bench-import-")
    os.environ["DIXIAN_DATA_DIR"] = data_dir
    os.environ["DIXIAN_DEMO"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dixian.settings")
    if args.database_url:
        fresh_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dixian.core import demo
    from dixian.core.models import Organisation
    from dixian.enterprises import imports
    from dixian.enterprises.models import EnterpriseProfile

    call_command("migrate", verbosity=0)
    demo.seed()
    t0 = time.perf_counter()
    payload = make_file(args.rows)
    t_file = time.perf_counter() - t0
    before = Organisation.objects.count()
    t0, c0 = time.perf_counter(), time.process_time()
    result = imports.import_enterprises(actor=None, data=payload, filename="bench.xlsx")
    t_import = time.perf_counter() - t0
    # CPU time of this process: what the import costs apart from waiting for a busy machine
    # (and, on PostgreSQL, apart from the database server's own work).
    c_import = time.process_time() - c0
    created = Organisation.objects.count() - before
    bench_orgs = Organisation.objects.filter(name__startswith="基准测试企业")
    wrong_paths = sum(
        1 for pk, path in bench_orgs.values_list("pk", "path") if path != f"{pk:08d}/"
    )
    profiles = EnterpriseProfile.objects.filter(org__in=bench_orgs)
    graded = profiles.filter(grade__isnull=False).count()
    # A second import of the same file must refuse every row and write nothing.
    t0 = time.perf_counter()
    try:
        imports.import_enterprises(actor=None, data=payload, filename="bench.xlsx")
        refused = 0
    except imports.ImportFailed as exc:
        refused = len({e.row for e in exc.errors})
    t_refuse = time.perf_counter() - t0
    ok = (
        result["created"] == args.rows == created == profiles.count() == graded
        and wrong_paths == 0
        and refused == args.rows
        and Organisation.objects.count() - before == created
    )
    backend = connection.vendor
    figures = {
        "backend": backend,
        "rows": args.rows,
        "file_bytes": len(payload),
        "generate_file_s": round(t_file, 3),
        "import_s": round(t_import, 3),
        "rows_per_s": round(args.rows / t_import, 1),
        "import_cpu_s": round(c_import, 3),
        "reimport_all_refused_s": round(t_refuse, 3),
        "limit_s": LIMIT_SECONDS,
        "within_limit": t_import < LIMIT_SECONDS,
        "checks_passed": ok,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"import-enterprises-{dt.date.today().isoformat()}.json"
    merged = json.loads(target.read_text()) if target.exists() else {}
    merged[backend] = figures
    target.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if ok and figures["within_limit"] else 1


if __name__ == "__main__":
    sys.exit(main())
