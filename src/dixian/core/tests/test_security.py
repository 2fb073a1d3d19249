"""Security basics: Argon2, password rules, login throttling, CSRF, CSP, idle timeout."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from dixian.core import clock
from dixian.core.demo import DEMO_PASSWORD
from dixian.core.models import AuditEvent


def test_passwords_are_hashed_with_argon2(users):
    assert users["office"].password.startswith("argon2")
    assert users["office"].check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("weak", ["short1A", "alllowercaseletters", "ALLUPPER123", "12345678"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_strong_password_passes():
    validate_password("Pinglu-Safe-2024")


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_works_and_is_audited(users):
    c = Client()
    response = login(c, "office", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="user.login", actor=users["office"]).exists()
    assert c.get("/").status_code == 200


def test_wrong_password_is_refused_with_a_message(users, settings):
    settings.LANGUAGE_CODE = "en"
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = login(c, "office", "wrong-Password1")
    assert response.status_code == 200
    assert c.get("/").status_code == 302


def test_lockout_after_repeated_failures(users, settings):
    settings.LOGIN_MAX_FAILURES = 3
    c = Client()
    start = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        for _ in range(3):
            login(c, "inspector", "nope-Nope-1")
        # Even the right password is refused while locked.
        response = login(c, "inspector", DEMO_PASSWORD)
        assert response.status_code == 200
        assert "_auth_user_id" not in c.session
        assert AuditEvent.objects.filter(action="user.login_locked").exists()
    with clock.frozen(start + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS + 1)):
        response = login(c, "inspector", DEMO_PASSWORD)
        assert response.status_code == 302


def test_lockout_is_per_username_not_global(users, settings):
    settings.LOGIN_MAX_FAILURES = 3
    c = Client()
    for _ in range(3):
        login(c, "inspector", "nope-Nope-1")
    # The IP limit is four times the user limit: a different user from the same IP still signs in.
    assert login(c, "housing", DEMO_PASSWORD).status_code == 302


def test_csrf_is_enforced(users):
    c = Client(enforce_csrf_checks=True)
    response = login(c, "office", DEMO_PASSWORD)
    assert response.status_code == 403


def test_csp_and_security_headers(client_for):
    response = client_for("office").get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_pages_carry_no_inline_script(client_for):
    html = client_for("office").get("/").content.decode()
    import re

    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_idle_session_times_out(users, settings):
    c = Client()
    start = dt.datetime(2026, 3, 1, 2, 0, tzinfo=dt.UTC)
    with clock.frozen(start):
        assert login(c, "office", DEMO_PASSWORD).status_code == 302
        assert c.get("/").status_code == 200
    with clock.frozen(start + dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 5)):
        response = c.get("/org/people/")
        assert response.status_code == 302 and "idle=1" in response["Location"]
        assert c.get("/").status_code == 302


def test_secret_key_required_outside_demo(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIXIAN_") and k != "SECRET_KEY"}
    env.update({"DIXIAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "dixian.settings"})
    code = "import django; django.setup()"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DIXIAN_SECRET_KEY is required" in result.stderr
    env["DIXIAN_SECRET_KEY"] = "x" * 50
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "; from django.conf import settings; print(settings.SESSION_COOKIE_SECURE)",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"  # secure cookies outside demo mode
