"""``dixian run``: migrate, seed the demo if empty, serve with gunicorn, run the worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ... import demo


class Command(BaseCommand):
    help = "Set up and serve Dixian: migrations, demo data if empty, web server and worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("DIXIAN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("DIXIAN_PORT", "8000")))
        parser.add_argument(
            "--web-workers", type=int, default=int(os.environ.get("DIXIAN_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--no-demo", action="store_true", help="do not load the demo into an empty database"
        )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_demo"] and not demo.is_seeded():
            self.stdout.write("Empty database: loading the Pinglu demo …")
            demo.seed()
        env = os.environ.copy()
        env.setdefault("DJANGO_SETTINGS_MODULE", "dixian.settings")
        if settings.DEMO:
            env["DIXIAN_DEMO"] = "1"
        env["DIXIAN_DATA_DIR"] = str(settings.DATA_DIR)
        bind = f"{options['host']}:{options['port']}"
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dixian.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(options["web_workers"]),
                "--threads",
                "4",
                "--timeout",
                "120",
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        worker = subprocess.Popen([sys.executable, "-m", "dixian.cli", "worker"], env=env)
        children = [web, worker]
        # Monitoring: in demo mode the sensor simulator feeds the demo gateways over HTTP
        # (DIXIAN_SIMULATE=0 turns it off); with DIXIAN_MQTT_URL an MQTT consumer runs too.
        if settings.DEMO and os.environ.get("DIXIAN_SIMULATE", "1") != "0":
            children.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "dixian.cli",
                        "simulate",
                        "--http",
                        f"http://{options['host']}:{options['port']}",
                        "--interval",
                        os.environ.get("DIXIAN_SIMULATE_INTERVAL", "10"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                )
            )
        if os.environ.get("DIXIAN_MQTT_URL"):
            children.append(
                subprocess.Popen([sys.executable, "-m", "dixian.cli", "ingest-mqtt"], env=env)
            )
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"\nDixian is running at {url}"))
        self.stdout.write(
            f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
            f" · data in {settings.DATA_DIR}"
        )
        if demo.is_seeded():
            self.stdout.write("Demo logins (username / password — role · organisation):")
            for row in demo.list_users():
                self.stdout.write(
                    f"  {row['username']:<11} {row['password']}  — {row['role']} · {row['org']}"
                )
        self.stdout.write("Press Ctrl-C to stop.\n")
        sys.stdout.flush()

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for child in children:
                    if child.poll() is not None:
                        self.stderr.write(
                            f"process {child.args[2:4]} exited with {child.returncode}; stopping"
                        )
                        stopping = True
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.time() + 10
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    child.kill()
            self.stdout.write("Stopped.")
