"""End-to-end fixtures: a real `dixian run` server and Debian's Chromium via Playwright.

The server is the production path (gunicorn + worker, demo loaded into an empty database) in
a temporary data directory. When DATABASE_URL points at PostgreSQL, the server gets a fresh
database of its own (<name>_e2e), so the e2e suite runs on both databases in CI.
Screenshots go to docs/screenshots/ (the README shows them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fresh_postgres_url(url: str) -> str:
    import psycopg

    parsed = urlparse(url)
    name = (parsed.path.lstrip("/") or "dixian") + "_e2e"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DIXIAN_TESTING",)}
    env.update({"DIXIAN_DEMO": "1", "DIXIAN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    db_url = os.environ.get("DATABASE_URL", "")
    if db_url.startswith("postgres"):
        env["DATABASE_URL"] = _fresh_postgres_url(db_url)
    else:
        env.pop("DATABASE_URL", None)
    log = open(data_dir / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dixian.cli", "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=data_dir,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + float(os.environ.get("DIXIAN_E2E_START_TIMEOUT", "600"))
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("dixian run exited:\n" + (data_dir / "server.log").read_text())
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("server did not start:\n" + (data_dir / "server.log").read_text())
    users = json.loads(
        subprocess.run(
            [sys.executable, "-m", "dixian.cli", "seed-demo", "--list-users"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=data_dir,
        ).stdout
    )
    yield {
        "url": base,
        "users": {u["username"]: u for u in users},
        "data_dir": data_dir,
        "env": env,
        "proc": proc,
    }
    proc.send_signal(signal.SIGINT)  # what Ctrl-C does
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail(
            "Debian's chromium is required for the end-to-end suite (apt-get install chromium)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class Session:
    """A browser context (desktop or phone) with console/CSP error capture."""

    def __init__(self, browser, server, *, phone=False, locale="zh-CN"):
        options = {
            "viewport": PHONE if phone else DESKTOP,
            "locale": locale,
            "accept_downloads": True,
        }
        if phone:
            options.update({"is_mobile": True, "has_touch": True, "device_scale_factor": 2})
        self.context = browser.new_context(**options)
        self.page = self.context.new_page()
        self.server = server
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def go(self, path):
        response = self.page.goto(self.server["url"] + path)
        return response

    def login(self, username):
        user = self.server["users"][username]
        self.go("/accounts/login/")
        self.page.fill("#id_username", user["username"])
        self.page.fill("#id_password", user["password"])
        self.page.click("button[type=submit].btn-primary")
        self.page.wait_for_url(self.server["url"] + "/")

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_load_state("networkidle")
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    def close(self):
        self.context.close()


@pytest.fixture
def desktop(browser, server):
    s = Session(browser, server)
    yield s
    s.close()


@pytest.fixture
def phone(browser, server):
    s = Session(browser, server, phone=True)
    yield s
    s.close()
