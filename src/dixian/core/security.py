"""Password rules and login throttling."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import clock


class MixedClassesValidator:
    """A password needs at least three of: lower case, upper case, digits, other characters."""

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < 3:
            raise ValidationError(
                _(
                    "The password must mix at least three of: lower-case letters, upper-case "
                    "letters, digits and symbols."
                ),
                code="password_classes",
            )

    def get_help_text(self):
        return _(
            "Mix at least three of: lower-case letters, upper-case letters, digits and symbols."
        )


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def locked_until(username: str, ip: str | None) -> dt.datetime | None:
    """When too many recent failures exist for this username or this IP, the lock's end."""
    from .models import LoginAttempt

    now = clock.now()
    window_start = now - dt.timedelta(seconds=settings.LOGIN_WINDOW_SECONDS)
    for filt in ({"username": username.lower()}, {"ip": ip} if ip else None):
        if filt is None:
            continue
        failures = list(
            LoginAttempt.objects.filter(at__gte=window_start, success=False, **filt)
            .order_by("-at")
            .values_list("at", flat=True)[
                : settings.LOGIN_MAX_FAILURES * (1 if "username" in filt else 4)
            ]
        )
        limit = settings.LOGIN_MAX_FAILURES * (1 if "username" in filt else 4)
        if len(failures) >= limit:
            # A success after the failures resets the count.
            last_ok = (
                LoginAttempt.objects.filter(success=True, **filt)
                .order_by("-at")
                .values_list("at", flat=True)
                .first()
            )
            if last_ok and last_ok > failures[-1]:
                continue
            until = failures[0] + dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
            if until > now:
                return until
    return None


def note_attempt(username: str, ip: str | None, success: bool) -> None:
    from .models import LoginAttempt

    LoginAttempt.objects.create(
        username=username.lower()[:150], ip=ip, at=clock.now(), success=success
    )
