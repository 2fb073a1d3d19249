"""PostgreSQL storage parameters for the tables updated in place on every ingest batch.

Latest values and rollups are upserted once per point and batch. Left at fillfactor 100
their pages are full, so no update can be HOT (heap-only: a new row version on the same
page, no index entry) and both tables bloat between autovacuum runs. Free space on each
page makes those updates HOT; a low vacuum threshold keeps the small latest-value table
tidy. Applies to pages written from now on (``VACUUM FULL`` rewrites an existing table).
"""

from django.db import migrations

SETTINGS = {
    "monitoring_latestvalue": "fillfactor = 40, autovacuum_vacuum_scale_factor = 0.0, "
    "autovacuum_vacuum_threshold = 5000",
    "monitoring_rollup": "fillfactor = 70, autovacuum_vacuum_scale_factor = 0.05",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, params in SETTINGS.items():
        schema_editor.execute(f"ALTER TABLE {table} SET ({params})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in SETTINGS:
        schema_editor.execute(
            f"ALTER TABLE {table} RESET (fillfactor, autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_threshold)"
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_readings_no_extra_point_index")]

    operations = [migrations.RunPython(forwards, backwards)]
