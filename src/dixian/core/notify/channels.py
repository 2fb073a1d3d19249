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
plus ``"kind": "voice"`` and answers the same way.

Every sender returns ``(status_code, detail)`` for the delivery log, or raises
``DeliveryError``; the outbox decides whether to retry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

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


def _post_json(url: str, payload: dict, *, timeout: float, headers: dict | None = None):
    """POST ``payload`` as JSON; return ``(status, answer)`` with the answer parsed as a dict.

    Every transport failure (HTTP error status, refused connection, timeout, a peer that
    hangs up) becomes a ``DeliveryError``.
    """
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        try:
            snippet = exc.read(200).decode(errors="replace").strip()
        except Exception:  # the error body is only a courtesy for the log
            snippet = ""
        finally:
            exc.close()
        detail = f"HTTP {exc.code}" + (f": {snippet}" if snippet else "")
        raise DeliveryError(detail, status_code=exc.code) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"connection failed: {exc.reason}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"timed out after {timeout:g} s") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"connection failed: {type(exc).__name__}: {exc}") from exc
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
