"""`dixian run` as a user starts it: the worker and sweeper really run, Ctrl-C stops all."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from .conftest import _free_port


def shell(server, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "dixian.cli", "shell", "-c", code],
        env=server["env"],
        capture_output=True,
        text=True,
        cwd=server["data_dir"],
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # the shell's own banner comes first


def test_worker_delivers_a_due_reminder(server):
    """A reminder written with a due time is turned into an in-app message by the running
    worker (ETA task, with the every-minute sweep as the net) — no test code runs it."""
    out = shell(
        server,
        (
            "import datetime as dt\n"
            "from django.db import transaction\n"
            "from dixian.core import clock, deadlines\n"
            "from dixian.core.models import Reminder, User\n"
            "due = clock.now() + dt.timedelta(seconds=3)\n"
            "with transaction.atomic():\n"
            "    r = Reminder.objects.create(due_at=due, recipient=User.objects.get(username='duty'),"
            " subject='e2e-reminder-check')\n"
            "    deadlines.schedule_at(due)\n"
            "print(r.pk)\n"
        ),
    )
    assert out.strip().isdigit()
    deadline = time.time() + 90
    while time.time() < deadline:
        found = shell(
            server,
            (
                "from dixian.core.models import Message\n"
                "print(Message.objects.filter(subject='e2e-reminder-check', recipient__username='duty').count())"
            ),
        ).strip()
        if found == "1":
            break
        time.sleep(2)
    assert found == "1", "the worker did not deliver the reminder within 90 s"


def _children(pid: int) -> set[int]:
    found = set()
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    found.add(int(child))
                    found |= _children(int(child))
    except FileNotFoundError:
        pass
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_run_prints_url_and_logins_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DIXIAN_TESTING", "DATABASE_URL")}
    env.update({"DIXIAN_DEMO": "1", "DIXIAN_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "dixian.cli", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=tmp_path,
    )
    lines = []
    deadline = time.time() + 90
    while time.time() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "Ctrl-C" in line:
            break
    output = "".join(lines)
    assert f"http://127.0.0.1:{port}/" in output
    assert "office" in output and "Dixian@2024" in output
    for _ in range(60):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                assert r.status == 200
                break
        except OSError:
            time.sleep(0.5)
    children = _children(proc.pid)
    assert len(children) >= 3  # gunicorn master + workers, and the huey worker
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    time.sleep(1)
    assert not [pid for pid in children if _alive(pid)]
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
