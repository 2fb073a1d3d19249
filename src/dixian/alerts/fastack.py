"""A WSGI fast lane for the one-tap 叫应 answer: ``POST /alerts/a/<token>/`` with ``do=ack``.

Thousands of people tap their link within minutes of a red warning. The view itself costs a
third of a millisecond (a signed token, one SQL statement); Django's request handling around
it costs three times that. This lane answers exactly the requests the view would answer
with a redirect, with the same service call and the same response headers, and hands every
other request — a bad token, a feedback form, an unknown target, anything unexpected — to
Django unchanged (the body it read is put back).

The response headers (security policy, frame and referrer policies, Vary, …) are not listed
here: the first answer goes through Django and the lane copies that response's headers,
minus the per-request ones, so a change to the middleware cannot drift from this lane.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import uuid
from urllib.parse import parse_qsl

from django.core import signals

log = logging.getLogger(__name__)

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_PER_REQUEST = {"location", "x-request-id", "content-length", "content-language", "set-cookie"}
_ALLOWED_FIELDS = {"do", "csrfmiddlewaretoken"}
_MAX_BODY = 512


class FastAck:
    def __init__(self, app):
        self.app = app
        self.headers: list[tuple[str, str]] | None = None
        self.pattern: re.Pattern | None = None
        self.fast = 0  # answers given by the lane (tests and benchmarks read it)
        self._lock = threading.Lock()

    # -- helpers --------------------------------------------------------------------------

    def _path_pattern(self) -> re.Pattern:
        if self.pattern is None:
            from django.urls import reverse

            probe = reverse("alerts:ack", args=["TOKEN"])
            head, tail = probe.split("TOKEN")
            self.pattern = re.compile(
                "^" + re.escape(head) + r"([A-Za-z0-9_:\-]+)" + re.escape(tail) + "$"
            )
        return self.pattern

    @staticmethod
    def _form(environ) -> tuple[bytes | None, dict | None]:
        """The body (read, at most _MAX_BODY bytes) and its fields when it is a small form."""
        ctype = environ.get("CONTENT_TYPE", "")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None, None
        if not ctype.startswith("application/x-www-form-urlencoded") or not 0 < length <= _MAX_BODY:
            return None, None
        body = environ["wsgi.input"].read(length)
        try:
            fields = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError):
            return body, None
        names = [k for k, _v in fields]
        if len(names) != len(set(names)) or not set(names) <= _ALLOWED_FIELDS:
            return body, None
        return body, dict(fields)

    def _django(self, environ, start_response, body: bytes | None, *, learn: bool):
        if body is not None:
            environ["wsgi.input"] = io.BytesIO(body)
        if not learn:
            return self.app(environ, start_response)

        def capture(status, headers, exc_info=None):
            if status.startswith("302") and self.headers is None:
                with self._lock:
                    self.headers = [(k, v) for k, v in headers if k.lower() not in _PER_REQUEST]
            return start_response(status, headers, exc_info)

        return self.app(environ, capture)

    # -- WSGI -----------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        match = self._path_pattern().match(environ.get("PATH_INFO", ""))
        if match is None:
            return self.app(environ, start_response)
        body, form = self._form(environ)
        if form is None or form.get("do") != "ack":
            return self._django(environ, start_response, body, learn=False)
        if self.headers is None:
            return self._django(environ, start_response, body, learn=True)

        from .models import AckChannel, WarningTarget
        from .services import WarningClosed, acknowledge_id, target_id_for_token

        target_id = target_id_for_token(match.group(1))
        if target_id is None:
            return self._django(environ, start_response, body, learn=False)
        signals.request_started.send(sender=self.__class__, environ=environ)
        to_django = False
        try:
            acknowledge_id(target_id, channel=AckChannel.LINK)
        except WarningClosed:
            pass  # the view answers a closed warning with the same redirect
        except WarningTarget.DoesNotExist:
            to_django = True  # Django renders its 404 page
        except Exception:  # the answer is idempotent: Django tries again and reports
            log.exception("fast acknowledgement failed; handing the request to Django")
            to_django = True
        finally:
            signals.request_finished.send(sender=self.__class__)
        if to_django:
            return self._django(environ, start_response, body, learn=False)
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        self.fast += 1
        start_response(
            "302 Found",
            [
                *self.headers,
                ("Location", path),
                ("X-Request-ID", request_id),
                ("Content-Length", "0"),
            ],
        )
        return [b""]
