"""``dixian ingest-mqtt``: consume gateway readings from MQTT (see dixian.monitoring.mqtt)."""

import logging
import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Consume sensor readings from MQTT (shared subscription, QoS 1, ack after commit)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default=os.environ.get("DIXIAN_MQTT_URL", "mqtt://127.0.0.1:1883")
        )
        parser.add_argument("--group", default=os.environ.get("DIXIAN_MQTT_GROUP", "dixian"))
        parser.add_argument(
            "--client-id",
            default=os.environ.get("DIXIAN_MQTT_CLIENT_ID") or None,
            help="stable per process: a restarted consumer resumes its session",
        )
        parser.add_argument("--batch", type=int, default=50, help="messages per transaction")
        parser.add_argument(
            "--linger",
            type=float,
            default=float(os.environ.get("DIXIAN_MQTT_LINGER", "0.15")),
            help="seconds the oldest message of a batch may wait for the batch to fill",
        )

    def handle(self, *args, **options):
        from dixian.monitoring.mqtt import run_forever

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        self.stdout.write(f"Consuming {options['url']} (group {options['group']})")
        run_forever(
            options["url"],
            options["group"],
            options["batch"],
            options["client_id"],
            linger=options["linger"],
        )
