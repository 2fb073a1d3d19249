"""Delivery channels: e-mail, SMS over a configurable HTTP gateway, group-robot webhooks.

Robot formats follow each vendor's custom-robot webhook:

- WeCom (企业微信): ``{"msgtype": "markdown", "markdown": {"content": …}}``, ``errcode`` 0 on
  success.
- DingTalk (钉钉): ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a signing
  secret the URL gets ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(key=secret,
  msg="{timestamp}\\n{secret}")) query parameters; ``errcode`` 0 on success.
- Feishu (飞书): ``{"msg_type": "text", "content": {"text": …}}``; with a signing secret the
  body gets ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}",
  msg="")); ``code`` (or the older ``StatusCode``) 0 on success.

The SMS gateway is any HTTP endpoint that takes ``{"phone", "text", "message_id"}`` as JSON
with the endpoint's secret as a bearer token and answers ``{"code": 0}`` on success. The
voice-call gateway (a text-to-speech call, the stronger channel of 叫应) takes the same body
plus ``"kind": "voice"`` and answers the same way. With ``OUTBOX_GATEWAY_BATCH`` above 1,
phone messages go to the gateway in batches (``send_phone_batch``). HTTP connections are
kept alive per thread and host.

Every sender returns ``(status_code, detail)`` for the delivery log, or raises
``DeliveryError``; the outbox decides whether to retry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading
import urllib.parse

from django.core.mail import send_mail

from .. import clock
from ..choices import Channel

ROBOT_CHANNELS = frozenset({Channel.WECOM, Channel.DINGTALK, Channel.FEISHU})


class DeliveryError(Exception):
    """A delivery attempt failed; ``status_code`` is the HTTP status when there was one."""

    def __init__(self, message: str, status_code: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status_code = status_code
        # A permanent failure (no address to send to) is not retried.
        self.permanent = permanent


def _text(msg) -> str:
    parts = [msg.subject]
    if msg.body:
        parts.append(msg.body)
    if msg.link:
        parts.append(msg.link)
    return "\n".join(parts)


class _Pool(threading.local):
    """Keep-alive HTTP connections of the current thread, one per (scheme, host, port)."""

    def __init__(self):
        self.connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}


_pool = _Pool()


def _connection(scheme: str, host: str, port: int | None, timeout: float):
    key = (scheme, host, port or (443 if scheme == "https" else 80))
    conn = _pool.connections.get(key)
    reused = conn is not None
    if conn is None:
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=timeout)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        _pool.connections[key] = conn
    conn.timeout = timeout
    if conn.sock is not None:
        conn.sock.settimeout(timeout)
    return key, conn, reused


def _drop(key) -> None:
    conn = _pool.connections.pop(key, None)
    if conn is not None:
        conn.close()


# A kept-alive connection the server closed while idle fails on reuse with one of these
# before the request was read; the request is then sent once more on a fresh connection.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


def _post_json(url: str, payload: dict, *, timeout: float, headers: dict | None = None):
    """POST ``payload`` as JSON; return ``(status, answer)`` with the answer parsed as a dict.

    Connections are kept alive per thread and host (a warning to thousands of people is
    thousands of requests to one gateway). Every transport failure (HTTP error status,
    refused connection, timeout, a peer that hangs up) becomes a ``DeliveryError``.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"connection failed: unsupported URL {url[:80]}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    data = json.dumps(payload, ensure_ascii=False).encode()
    all_headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Content-Length": str(len(data)),
        "Connection": "keep-alive",
        **(headers or {}),
    }
    for _try in range(2):
        key, conn, reused = _connection(parts.scheme, parts.hostname, parts.port, timeout)
        try:
            conn.request("POST", target, body=data, headers=all_headers)
            response = conn.getresponse()
            status = response.status
            body = response.read(65536)
            if response.will_close or response.length:
                # The server ends the connection (HTTP/1.0, "Connection: close") or sent more
                # than we read: do not reuse it.
                _drop(key)
            break
        except _STALE as exc:
            _drop(key)
            if reused:
                continue  # the idle connection had been closed: once more on a fresh one
            raise DeliveryError(f"connection failed: {type(exc).__name__}: {exc}") from exc
        except TimeoutError as exc:
            _drop(key)
            raise DeliveryError(f"timed out after {timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            _drop(key)
            raise DeliveryError(f"connection failed: {type(exc).__name__}: {exc}") from exc
    if status >= 400:
        snippet = body[:200].decode(errors="replace").strip()
        detail = f"HTTP {status}" + (f": {snippet}" if snippet else "")
        raise DeliveryError(detail, status_code=status)
    try:
        answer = json.loads(body.decode() or "{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    return status, answer


def _check_code(status: int, answer: dict, keys=("errcode", "code", "StatusCode")):
    """Fail when the answer carries a vendor result code other than 0."""
    for key in keys:
        if key in answer and str(answer[key]) not in {"0", "OK", "ok"}:
            message = answer.get("errmsg") or answer.get("msg") or answer.get("message") or ""
            raise DeliveryError(f"{key}={answer[key]} {message}".strip(), status_code=status)
    return status, json.dumps(answer, ensure_ascii=False)[:300]


def send_email(msg, endpoint, *, timeout):
    """E-mail through Django's configured backend (SMTP in production)."""
    if not msg.address:
        raise DeliveryError("recipient has no e-mail address", permanent=True)
    send_mail(msg.subject, _text(msg), None, [msg.address], fail_silently=False)
    return None, "sent"


def send_sms(msg, endpoint, *, timeout):
    """SMS through the configured HTTP gateway (bearer token = the endpoint's secret)."""
    if not msg.address:
        raise DeliveryError("recipient has no mobile number", permanent=True)
    headers = {"Authorization": f"Bearer {endpoint.secret}"} if endpoint.secret else {}
    status, answer = _post_json(
        endpoint.url,
        {"phone": msg.address, "text": _text(msg), "message_id": msg.pk},
        timeout=timeout,
        headers=headers,
    )
    return _check_code(status, answer)


def send_voice(msg, endpoint, *, timeout):
    """A text-to-speech phone call through the configured HTTP voice gateway."""
    if not msg.address:
        raise DeliveryError("recipient has no phone number", permanent=True)
    headers = {"Authorization": f"Bearer {endpoint.secret}"} if endpoint.secret else {}
    status, answer = _post_json(
        endpoint.url,
        {"phone": msg.address, "text": _text(msg), "message_id": msg.pk, "kind": "voice"},
        timeout=timeout,
        headers=headers,
    )
    return _check_code(status, answer)


def send_phone_batch(msgs, endpoint, *, timeout) -> list[tuple[bool, int | None, str]]:
    """Many SMS (or voice calls) in one gateway request, as bulk SMS gateways offer.

    Body ``{"messages": [{"phone", "text", "message_id"[, "kind": "voice"]}, …]}``; the
    answer ``{"code": 0}`` accepts them all, or ``{"code": 0, "results": [{"message_id",
    "code", "msg"}, …]}`` decides per message (a message missing from the results failed).
    Returns one ``(ok, status_code, detail)`` per message, in order; a failed request fails
    every message in it (each is retried on its own schedule).
    """
    headers = {"Authorization": f"Bearer {endpoint.secret}"} if endpoint.secret else {}
    items = []
    for msg in msgs:
        item = {"phone": msg.address, "text": _text(msg), "message_id": msg.pk}
        if msg.channel == Channel.VOICE:
            item["kind"] = "voice"
        items.append(item)
    try:
        status, answer = _post_json(
            endpoint.url, {"messages": items}, timeout=timeout, headers=headers
        )
        _status, summary = _check_code(status, answer)
    except DeliveryError as exc:
        return [(False, exc.status_code, str(exc))] * len(msgs)
    results = answer.get("results")
    if not isinstance(results, list):
        return [(True, status, summary)] * len(msgs)
    by_id = {}
    for entry in results:
        if isinstance(entry, dict) and "message_id" in entry:
            by_id[str(entry["message_id"])] = entry
    outcomes = []
    for msg in msgs:
        entry = by_id.get(str(msg.pk))
        if entry is None:
            outcomes.append((False, status, "batch answer has no result for this message"))
            continue
        try:
            _status, detail = _check_code(status, entry)
        except DeliveryError as exc:
            outcomes.append((False, status, str(exc)))
        else:
            outcomes.append((True, status, detail))
    return outcomes


def send_wecom(msg, endpoint, *, timeout):
    """WeCom group robot, markdown message."""
    content = f"**{msg.subject}**\n{msg.body}" + (f"\n[{msg.link}]({msg.link})" if msg.link else "")
    status, answer = _post_json(
        endpoint.url, {"msgtype": "markdown", "markdown": {"content": content}}, timeout=timeout
    )
    return _check_code(status, answer)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk robot signature: base64(HMAC-SHA256(secret, "{timestamp}\\n{secret}"))."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def send_dingtalk(msg, endpoint, *, timeout):
    """DingTalk group robot, markdown message; signed in the query string when a secret is set."""
    url = endpoint.url
    if endpoint.secret:
        ts = int(clock.now().timestamp() * 1000)
        sep = "&" if "?" in url else "?"
        sign = urllib.parse.quote_plus(dingtalk_sign(endpoint.secret, ts))
        url = f"{url}{sep}timestamp={ts}&sign={sign}"
    text = f"### {msg.subject}\n\n{msg.body}" + (
        f"\n\n[{msg.link}]({msg.link})" if msg.link else ""
    )
    status, answer = _post_json(
        url,
        {"msgtype": "markdown", "markdown": {"title": msg.subject, "text": text}},
        timeout=timeout,
    )
    return _check_code(status, answer)


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu robot signature: base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg=""))."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_feishu(msg, endpoint, *, timeout):
    """Feishu group robot, text message; signed in the body when a secret is set."""
    payload = {"msg_type": "text", "content": {"text": _text(msg)}}
    if endpoint.secret:
        ts = int(clock.now().timestamp())
        payload.update({"timestamp": str(ts), "sign": feishu_sign(endpoint.secret, ts)})
    status, answer = _post_json(endpoint.url, payload, timeout=timeout)
    return _check_code(status, answer)


SENDERS = {
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
    Channel.VOICE: send_voice,
    Channel.WECOM: send_wecom,
    Channel.DINGTALK: send_dingtalk,
    Channel.FEISHU: send_feishu,
}


def send(msg, endpoint, *, timeout: float):
    """Deliver ``msg`` once through its channel; return ``(status_code, detail)``."""
    sender = SENDERS.get(msg.channel)
    if sender is None:
        raise DeliveryError(f"channel {msg.channel} cannot be delivered")
    if msg.channel != Channel.EMAIL and endpoint is None:
        raise DeliveryError("no endpoint for this channel")
    return sender(msg, endpoint, timeout=timeout)
