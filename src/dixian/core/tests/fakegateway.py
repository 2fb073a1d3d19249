"""A real HTTP server on loopback that plays an SMS gateway or a group-robot webhook.

``FakeGateway`` runs ``http.server.ThreadingHTTPServer`` on ``127.0.0.1`` with an ephemeral
port in a daemon thread. It records every request (method, path, query, headers, body) and
answers from a script: by default ``200 {"code": 0}``; ``answer()`` changes the default,
``then()`` queues one-shot answers. An answer can be slow (``delay``) or hang up without a
response (``hang_up``). A ``verify`` callable checks each request as the vendor would (e.g. a
robot's signature) and turns a mismatch into the vendor's error answer.

The signature checks here are written from the vendors' documentation independently of
``dixian.core.notify.channels``, so a wrong signer fails the tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    """One request as the gateway received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode())


@dataclass
class Answer:
    status: int = 200
    body: object = field(default_factory=lambda: {"code": 0})
    delay: float = 0.0
    hang_up: bool = False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, as real gateways: the outbox reuses its connections.
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: without this, Nagle's algorithm holds the body back
    # until the client's delayed ACK (~40 ms per request on a kept-alive connection).
    disable_nagle_algorithm = True

    def do_POST(self):  # noqa: N802 (http.server's naming)
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(self.path)
        recorded = Recorded(
            method="POST",
            path=parsed.path,
            query=dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        answer = gateway._record_and_pick(recorded)
        if answer.delay:
            gateway._release.wait(answer.delay)
        if answer.hang_up:
            self.close_connection = True
            return
        payload = json.dumps(answer.body, ensure_ascii=False).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout test)
            pass

    def log_message(self, format, *args):  # keep test output quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: FakeGateway


class FakeGateway:
    """A loopback HTTP server recording requests and answering from a script."""

    def __init__(self, verify=None):
        self.requests: list[Recorded] = []
        self.default = Answer()
        self.verify = verify
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # lifecycle
    def start(self) -> FakeGateway:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down and close the socket: later connections to the port are refused."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # script
    def answer(self, status=200, body=None, *, delay=0.0, hang_up=False) -> None:
        """Set the default answer."""
        self.default = Answer(status, {"code": 0} if body is None else body, delay, hang_up)

    def then(self, status=200, body=None, *, delay=0.0, hang_up=False) -> None:
        """Queue a one-shot answer (used before the default)."""
        self._script.append(Answer(status, {"code": 0} if body is None else body, delay, hang_up))

    def _record_and_pick(self, recorded: Recorded) -> Answer:
        with self._lock:
            self.requests.append(recorded)
            if self.verify is not None:
                error = self.verify(recorded)
                if error is not None:
                    return Answer(200, error)
            return self._script.popleft() if self._script else self.default


def dingtalk_verifier(secret: str, now_ms, tolerance_ms: int = 3_600_000):
    """Check DingTalk's query-string signature as DingTalk's server does.

    ``sign`` must be base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")) and the
    timestamp within an hour of ``now_ms()``; else the DingTalk error answer.
    """

    def verify(request: Recorded):
        timestamp = request.query.get("timestamp", "")
        sign = request.query.get("sign", "")
        if not timestamp.isdigit() or abs(int(timestamp) - now_ms()) > tolerance_ms:
            return {"errcode": 310000, "errmsg": "timestamp invalid"}
        expected = base64.b64encode(
            hmac.new(
                secret.encode("utf-8"),
                f"{timestamp}\n{secret}".encode(),
                digestmod=hashlib.sha256,
            ).digest()
        ).decode()
        if not hmac.compare_digest(sign, expected):
            return {"errcode": 310000, "errmsg": "sign not match"}
        return None

    return verify


def feishu_verifier(secret: str, now_s, tolerance_s: int = 3600):
    """Check Feishu's body signature as Feishu's server does.

    ``sign`` must be base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=b"")) and the
    timestamp within an hour of ``now_s()``; else the Feishu error answer.
    """

    def verify(request: Recorded):
        try:
            body = request.json
        except ValueError:
            return {"code": 9499, "msg": "Bad Request"}
        timestamp = str(body.get("timestamp", ""))
        if not timestamp.isdigit() or abs(int(timestamp) - now_s()) > tolerance_s:
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        string_to_sign = f"{timestamp}\n{secret}"
        expected = base64.b64encode(
            hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(str(body.get("sign", "")), expected):
            return {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        return None

    return verify
