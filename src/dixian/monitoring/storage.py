"""Time-series storage: readings, latest values, rollups, partitions and retention.

PostgreSQL: ``monitoring_reading`` is range-partitioned by month (created by the migration,
partitions made ahead by the housekeeping handler and on demand by the writer); a batch is
copied (COPY) into a temporary table and moved with ``INSERT … ON CONFLICT DO NOTHING
RETURNING`` so only readings never seen before come back. SQLite: one multi-row ``INSERT …
ON CONFLICT DO NOTHING RETURNING`` per chunk. Either way a reading seen twice is stored once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict

from django.db import IntegrityError, ProgrammingError, connection, transaction

READING = "monitoring_reading"
LATEST = "monitoring_latestvalue"
ROLLUP = "monitoring_rollup"
UTC = dt.UTC


def retention_days() -> dict[str, int]:
    """Days kept: raw readings, minute rollups, hour rollups (0 = forever). Env-configurable."""
    return {
        "raw": int(os.environ.get("DIXIAN_MONITORING_RAW_DAYS", "180")),
        "m": int(os.environ.get("DIXIAN_MONITORING_MINUTE_DAYS", "400")),
        "h": int(os.environ.get("DIXIAN_MONITORING_HOUR_DAYS", "0")),
    }


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# ---- partitions (PostgreSQL) ---------------------------------------------------------

_known_partitions: set[str] = set()


def month_start(ts: dt.datetime) -> dt.date:
    ts = ts.astimezone(UTC)
    return dt.date(ts.year, ts.month, 1)


def next_month(d: dt.date) -> dt.date:
    return dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)


def partition_name(d: dt.date) -> str:
    return f"{READING}_{d:%Y%m}"


def ensure_partition(d: dt.date) -> bool:
    """Create the month's partition if missing (PostgreSQL only). Returns True if created."""
    name = partition_name(d)
    if name in _known_partitions or not is_postgres():
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)", [name])
        exists = cur.fetchone()[0] is not None
        if not exists:
            try:
                # Two consumers may race to create the same month: the loser's savepoint
                # rolls back and the partition the winner made is used.
                with transaction.atomic():
                    cur.execute(
                        f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF {READING} '
                        f"FOR VALUES FROM ('{d.isoformat()}T00:00:00+00:00') "
                        f"TO ('{next_month(d).isoformat()}T00:00:00+00:00')"
                    )
            except (ProgrammingError, IntegrityError):
                exists = True
    _known_partitions.add(name)
    return not exists


def partitions() -> list[str]:
    if not is_postgres():
        return []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s ORDER BY 1",
            [READING],
        )
        return [r[0] for r in cur.fetchall()]


def make_partitions_ahead(now: dt.datetime, months: int = 3) -> list[str]:
    made = []
    d = month_start(now)
    for _ in range(months):
        if ensure_partition(d):
            made.append(partition_name(d))
        d = next_month(d)
    return made


def forget_partitions() -> None:
    _known_partitions.clear()


# ---- readings ------------------------------------------------------------------------


def write_readings(rows: list[tuple[int, dt.datetime, float, int]]) -> list[tuple]:
    """Store (point_id, ts, value, quality) rows; return the rows that were new."""
    if not rows:
        return []
    if is_postgres():
        return _write_pg(rows)
    return _write_sqlite(rows)


def _write_pg(rows):
    """The plain writer (demo loader): new rows back, nothing else."""
    new_keys = None
    with connection.wrap_database_errors, connection.cursor() as cur:
        _copy_readings(cur.cursor, rows)
        cur.execute(
            f"INSERT INTO {READING} (point_id, ts, value, quality) "
            "SELECT point_id, ts, value, quality FROM monitoring_reading_in "
            "ORDER BY point_id, ts ON CONFLICT DO NOTHING RETURNING point_id, ts"
        )
        new_keys = set(cur.fetchall())
        cur.execute("TRUNCATE monitoring_reading_in")
    return [r for r in rows if (r[0], r[1]) in new_keys]


TEMP_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS monitoring_reading_in "
    "(point_id bigint, ts timestamptz, value double precision, quality smallint); "
    "CREATE TEMP TABLE IF NOT EXISTS monitoring_latest_in "
    "(point_id bigint, ts timestamptz, value double precision, quality smallint, "
    "level smallint, changed_at timestamptz, silence_due_at timestamptz)"
)


def _temp_tables(raw_cursor) -> None:
    """Make the session's input tables if missing. Not remembered per connection: a
    transaction that made them and then rolled back (a failed batch, a test) takes them
    away again, and every later batch on that connection would fail. One statement per
    batch of thousands of readings."""
    raw_cursor.execute(TEMP_TABLES)


def _ts_text(rows, col: int) -> dict:
    """Each distinct datetime of column ``col`` once as ISO text (batches share times)."""
    return {ts: ts.isoformat() for ts in {r[col] for r in rows} if ts is not None}


def _copy_readings(raw_cursor, rows) -> None:
    """COPY (point_id, ts, value, quality) rows into the session's input table."""
    for month in {month_start(ts) for ts in {r[1] for r in rows}}:
        ensure_partition(month)
    _temp_tables(raw_cursor)
    text = _ts_text(rows, 1)
    data = "".join([f"{pid}\t{text[ts]}\t{value!r}\t{q}\n" for pid, ts, value, q in rows])
    with raw_cursor.copy(
        "COPY monitoring_reading_in (point_id, ts, value, quality) FROM STDIN"
    ) as cp:
        cp.write(data.encode())


# One exchange, no parameters (the rows came by COPY): store the new readings, add exactly
# those to their minute and hour rollups, answer which input rows were already stored, and
# read the previous latest values of the points concerned.
INGEST_SQL = f"""
WITH new AS (
    INSERT INTO {READING} (point_id, ts, value, quality)
    SELECT point_id, ts, value, quality FROM monitoring_reading_in ORDER BY point_id, ts
    ON CONFLICT DO NOTHING RETURNING point_id, ts, value
), agg AS (
    SELECT point_id, 'm' AS period, date_trunc('minute', ts, 'UTC') AS bucket,
           count(*) AS n, sum(value) AS total, min(value) AS vmin, max(value) AS vmax
    FROM new GROUP BY 1, 3
    UNION ALL
    SELECT point_id, 'h', date_trunc('hour', ts, 'UTC'),
           count(*), sum(value), min(value), max(value)
    FROM new GROUP BY 1, 3
), roll AS (
    INSERT INTO {ROLLUP} (point_id, period, bucket, n, total, vmin, vmax)
    SELECT point_id, period, bucket, n, total, vmin, vmax FROM agg
    ORDER BY point_id, period, bucket
    ON CONFLICT (point_id, period, bucket) DO UPDATE SET
        n = {ROLLUP}.n + excluded.n, total = {ROLLUP}.total + excluded.total,
        vmin = LEAST({ROLLUP}.vmin, excluded.vmin), vmax = GREATEST({ROLLUP}.vmax, excluded.vmax)
)
SELECT i.point_id, (extract(epoch FROM i.ts) * 1000000)::bigint FROM monitoring_reading_in i
WHERE NOT EXISTS (SELECT 1 FROM new n WHERE n.point_id = i.point_id AND n.ts = i.ts);
SELECT point_id, (extract(epoch FROM ts) * 1000000)::bigint, value, level,
       (extract(epoch FROM changed_at) * 1000000)::bigint
FROM {LATEST} WHERE point_id IN (SELECT DISTINCT point_id FROM monitoring_reading_in);
TRUNCATE monitoring_reading_in
"""


def ingest_pg(rows) -> tuple[set, dict]:
    """PostgreSQL: store (point_id, ts, value, quality) rows (unique keys) with their rollups.

    Returns (keys already stored before, {point_id: (ts, value, level, changed_at)} of the
    previous latest values). Two exchanges with the server: COPY, then one statement list.
    """
    if not rows:
        return set(), {}
    with connection.wrap_database_errors, connection.cursor() as cur:
        raw = cur.cursor
        _copy_readings(raw, rows)
        raw.execute(INGEST_SQL)
        seen = {(pid, _EPOCH + _US * ts) for pid, ts in raw.fetchall()}
        raw.nextset()
        # Times as integer microseconds: Django's timestamptz loader (Python, per value)
        # costs ~15 µs a row here, the integers under 1 µs.
        previous = {
            pid: (_EPOCH + _US * ts, value, level, _EPOCH + _US * changed)
            for pid, ts, value, level, changed in raw.fetchall()
        }
    return seen, previous


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
_US = dt.timedelta(microseconds=1)


LATEST_SQL = f"""
INSERT INTO {LATEST} (point_id, ts, value, quality, level, changed_at, silence_due_at, link_state)
SELECT point_id, ts, value, quality, level, changed_at, silence_due_at, 'online'
FROM monitoring_latest_in ORDER BY point_id
ON CONFLICT (point_id) DO UPDATE SET
    ts = excluded.ts, value = excluded.value, quality = excluded.quality,
    level = excluded.level, changed_at = excluded.changed_at,
    silence_due_at = excluded.silence_due_at
WHERE excluded.ts >= {LATEST}.ts;
UPDATE {LATEST} SET link_state = 'online', remind_at = NULL
WHERE link_state = 'offline' AND point_id IN (SELECT point_id FROM monitoring_latest_in)
RETURNING point_id;
TRUNCATE monitoring_latest_in
"""


def write_latest_pg(rows) -> list[int]:
    """PostgreSQL: upsert latest values by COPY and one statement list (an older ts never
    wins). Rows: (point_id, ts, value, quality, level, changed_at, silence_due_at). Returns
    the points that were offline (silent) and are back."""
    if not rows:
        return []
    with connection.wrap_database_errors, connection.cursor() as cur:
        raw = cur.cursor
        _temp_tables(raw)
        text = _ts_text(rows, 1)
        text.update(_ts_text(rows, 5))
        text.update(_ts_text(rows, 6))
        text[None] = "\\N"
        data = "".join(
            [
                f"{pid}\t{text[ts]}\t{value!r}\t{q}\t{level}\t{text[changed]}\t{text[due]}\n"
                for pid, ts, value, q, level, changed, due in rows
            ]
        )
        with raw.copy(
            "COPY monitoring_latest_in "
            "(point_id, ts, value, quality, level, changed_at, silence_due_at) FROM STDIN"
        ) as cp:
            cp.write(data.encode())
        raw.execute(LATEST_SQL)
        raw.nextset()
        return [r[0] for r in raw.fetchall()]


def _sqlite_ts(ts: dt.datetime) -> str:
    return connection.ops.adapt_datetimefield_value(ts)


def _write_sqlite(rows):
    by_key = {}
    for row in rows:
        by_key[(row[0], _sqlite_ts(row[1]))] = row
    items = list(by_key.items())
    new = []
    with connection.cursor() as cur:
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            values = ",".join(["(%s,%s,%s,%s)"] * len(chunk))
            params = []
            for (pid, ts), row in chunk:
                params += [pid, ts, row[2], row[3]]
            cur.execute(
                f"INSERT INTO {READING} (point_id, ts, value, quality) VALUES {values} "
                "ON CONFLICT DO NOTHING RETURNING point_id, CAST(ts AS TEXT)",
                params,
            )
            new += [by_key[(pid, ts)] for pid, ts in cur.fetchall()]
    return new


# ---- latest values -------------------------------------------------------------------


def read_latest(point_ids) -> dict[int, tuple]:
    """point_id → (ts, value, level, changed_at) of the stored latest values."""
    from .models import LatestValue

    return {
        pk: (ts, value, level, changed)
        for pk, ts, value, level, changed in LatestValue.objects.filter(
            point_id__in=list(point_ids)
        ).values_list("point_id", "ts", "value", "level", "changed_at")
    }


def write_latest(rows: list[tuple]) -> list[int]:
    """Upsert (point_id, ts, value, quality, level, changed_at[, silence_due_at]); an older
    ts never wins. Returns the points that were offline (silent) and are back."""
    if not rows:
        return []
    rows = [r if len(r) == 7 else (*r, None) for r in rows]
    if is_postgres():
        return write_latest_pg(rows)
    rows = sorted(rows, key=lambda r: r[0])  # one lock order for every consumer: no deadlock
    rows = [
        (p, _sqlite_ts(t), v, q, lv, _sqlite_ts(c), _sqlite_ts(d) if d else None)
        for p, t, v, q, lv, c, d in rows
    ]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {LATEST} (point_id, ts, value, quality, level, changed_at, "
            "silence_due_at, link_state) VALUES (%s, %s, %s, %s, %s, %s, %s, 'online') "
            "ON CONFLICT (point_id) DO UPDATE SET "
            "ts = excluded.ts, value = excluded.value, quality = excluded.quality, "
            "level = excluded.level, changed_at = excluded.changed_at, "
            "silence_due_at = excluded.silence_due_at "
            f"WHERE excluded.ts >= {LATEST}.ts",
            rows,
        )
    from .models import LatestValue, LinkState

    ids = list(
        LatestValue.objects.filter(
            point_id__in=[r[0] for r in rows], link_state=LinkState.OFFLINE
        ).values_list("point_id", flat=True)
    )
    if ids:
        LatestValue.objects.filter(point_id__in=ids).update(
            link_state=LinkState.ONLINE, remind_at=None
        )
    return ids


# ---- rollups -------------------------------------------------------------------------


def buckets(ts: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    ts = ts.astimezone(UTC)
    minute = ts.replace(second=0, microsecond=0)
    return minute, minute.replace(minute=0)


def write_rollups(new_rows) -> None:
    """Add the new readings to their one-minute and one-hour buckets."""
    if not new_rows:
        return
    agg: dict[tuple, list] = defaultdict(lambda: [0, 0.0, None, None])
    for pid, ts, value, _q in new_rows:
        if isinstance(ts, str):  # not expected, but never mix types in a key
            continue
        minute, hour = buckets(ts)
        for key in ((pid, "m", minute), (pid, "h", hour)):
            a = agg[key]
            a[0] += 1
            a[1] += value
            a[2] = value if a[2] is None else min(a[2], value)
            a[3] = value if a[3] is None else max(a[3], value)
    pg = is_postgres()
    lo, hi = ("LEAST", "GREATEST") if pg else ("min", "max")
    rows = [
        (pid, period, bucket if pg else _sqlite_ts(bucket), n, total, vmin, vmax)
        for (pid, period, bucket), (n, total, vmin, vmax) in sorted(agg.items())
    ]
    with connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {ROLLUP} (point_id, period, bucket, n, total, vmin, vmax) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (point_id, period, bucket) DO UPDATE SET "
            f"n = {ROLLUP}.n + excluded.n, total = {ROLLUP}.total + excluded.total, "
            f"vmin = {lo}({ROLLUP}.vmin, excluded.vmin), vmax = {hi}({ROLLUP}.vmax, excluded.vmax)",
            rows,
        )


# ---- retention -----------------------------------------------------------------------


def apply_retention(now: dt.datetime) -> dict[str, int]:
    """Drop what is older than the retention (whole partitions on PostgreSQL)."""
    from .models import Reading, Rollup

    days = retention_days()
    done = {"raw": 0, "m": 0, "h": 0}
    if days["raw"]:
        cutoff = now - dt.timedelta(days=days["raw"])
        if is_postgres():
            keep_from = month_start(cutoff)
            for name in partitions():
                suffix = name.rsplit("_", 1)[-1]
                if suffix.isdigit() and len(suffix) == 6:
                    d = dt.date(int(suffix[:4]), int(suffix[4:]), 1)
                    if next_month(d) <= keep_from:
                        with connection.cursor() as cur:
                            cur.execute(f'DROP TABLE IF EXISTS "{name}"')
                        _known_partitions.discard(name)
                        done["raw"] += 1
        else:
            done["raw"] = Reading.objects.filter(ts__lt=cutoff).delete()[0]
    for period in ("m", "h"):
        if days[period]:
            cutoff = now - dt.timedelta(days=days[period])
            done[period] = Rollup.objects.filter(period=period, bucket__lt=cutoff).delete()[0]
    return done


# Migration helper: turn the plain table into a partitioned one (PostgreSQL only).
PARTITION_SQL = f"""
DROP TABLE {READING};
CREATE TABLE {READING} (
    point_id bigint NOT NULL,
    ts timestamptz NOT NULL,
    value double precision NOT NULL,
    quality smallint NOT NULL,
    PRIMARY KEY (point_id, ts)
) PARTITION BY RANGE (ts);
"""


def partition_reading_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        cur.execute(PARTITION_SQL)
    forget_partitions()
