"""``dixian simulate``: realistic sensor signals for the demo and for load tests."""

import os

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Send simulated sensor readings over HTTP or MQTT: daily cycle, noise, drift, "
        "occasional exceedances (--anomalies) and dropouts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=0, help="extra simulated gateways")
        parser.add_argument("--points", type=int, default=10, help="points per simulated gateway")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between sends")
        target = parser.add_mutually_exclusive_group()
        target.add_argument("--http", help="base URL, e.g. http://127.0.0.1:8000")
        target.add_argument("--mqtt", help="broker URL, e.g. mqtt://127.0.0.1:1883")
        parser.add_argument("--anomalies", action="store_true", help="exceedances and dropouts")
        parser.add_argument("--duration", type=float, default=0, help="stop after N s (0: never)")
        parser.add_argument("--no-demo", action="store_true", help="do not feed the demo gateways")

    def handle(self, *args, **o):
        from dixian.monitoring.simulator import Simulator

        if not o["http"] and not o["mqtt"]:
            raise CommandError("give --http URL or --mqtt URL")
        sim = Simulator.from_database(
            extra_gateways=o["enterprises"],
            points=o["points"],
            demo=not o["no_demo"],
            anomalies=o["anomalies"] or os.environ.get("DIXIAN_SIMULATE_ANOMALIES") == "1",
        )
        self.stdout.write(
            f"Simulating {len(sim.gateways)} gateways, {sim.point_count} points, "
            f"every {o['interval']} s → {o['http'] or o['mqtt']}"
        )
        sim.run(
            interval=o["interval"],
            http=o["http"],
            mqtt=o["mqtt"],
            duration=o["duration"] or None,
            log=self.stdout.write,
        )
