"""Delivery channels: e-mail, SMS over a configurable HTTP gateway, group-robot webhooks.

Robot formats follow each vendor's custom-robot webhook: WeCom (企业微信) ``msgtype``
markdown with ``errcode`` 0 on success; DingTalk (钉钉) ``timestamp`` and HMAC-SHA256 ``sign``
query parameters; Feishu (飞书) ``timestamp`` and ``sign`` in the body, ``code`` 0 on success.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.core.mail import send_mail

from ..choices import Channel


class DeliveryError(Exception):
    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


def _text(msg) -> str:
    parts = [msg.subject]
    if msg.body:
        parts.append(msg.body)
    if msg.link:
        parts.append(msg.link)
    return "\n".join(parts)


def _post_json(url: str, payload: dict, *, timeout: float, headers: dict | None = None):
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
        raise DeliveryError(f"HTTP {exc.code}", status_code=exc.code) from exc
    except urllib.error.URLError as exc:
        raise DeliveryError(f"connection failed: {exc.reason}") from exc
    try:
        answer = json.loads(body.decode() or "{}")
    except ValueError:
        answer = {}
    return status, answer


def _check_code(status: int, answer: dict, keys=("errcode", "code", "StatusCode")):
    for key in keys:
        if key in answer and str(answer[key]) not in {"0", "OK", "ok"}:
            message = answer.get("errmsg") or answer.get("msg") or answer.get("message") or ""
            raise DeliveryError(f"{key}={answer[key]} {message}".strip(), status_code=status)
    return status, json.dumps(answer, ensure_ascii=False)[:300]


def send_email(msg, endpoint, *, timeout):
    if not msg.address:
        raise DeliveryError("recipient has no e-mail address")
    send_mail(msg.subject, _text(msg), None, [msg.address], fail_silently=False)
    return None, "sent"


def send_sms(msg, endpoint, *, timeout):
    if not msg.address:
        raise DeliveryError("recipient has no mobile number")
    headers = {"Authorization": f"Bearer {endpoint.secret}"} if endpoint.secret else {}
    status, answer = _post_json(
        endpoint.url,
        {"phone": msg.address, "text": _text(msg), "message_id": msg.pk},
        timeout=timeout,
        headers=headers,
    )
    return _check_code(status, answer)


def send_wecom(msg, endpoint, *, timeout):
    content = f"**{msg.subject}**\n{msg.body}" + (f"\n[{msg.link}]({msg.link})" if msg.link else "")
    status, answer = _post_json(
        endpoint.url, {"msgtype": "markdown", "markdown": {"content": content}}, timeout=timeout
    )
    return _check_code(status, answer)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def send_dingtalk(msg, endpoint, *, timeout):
    url = endpoint.url
    if endpoint.secret:
        ts = int(time.time() * 1000)
        sep = "&" if "?" in url else "?"
        url = f"{url}{sep}timestamp={ts}&sign={urllib.parse.quote_plus(dingtalk_sign(endpoint.secret, ts))}"
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
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_feishu(msg, endpoint, *, timeout):
    payload = {"msg_type": "text", "content": {"text": _text(msg)}}
    if endpoint.secret:
        ts = int(time.time())
        payload.update({"timestamp": str(ts), "sign": feishu_sign(endpoint.secret, ts)})
    status, answer = _post_json(endpoint.url, payload, timeout=timeout)
    return _check_code(status, answer)


SENDERS = {
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
    Channel.WECOM: send_wecom,
    Channel.DINGTALK: send_dingtalk,
    Channel.FEISHU: send_feishu,
}


def send(msg, endpoint, *, timeout: float):
    sender = SENDERS.get(msg.channel)
    if sender is None:
        raise DeliveryError(f"channel {msg.channel} cannot be delivered")
    if msg.channel != Channel.EMAIL and endpoint is None:
        raise DeliveryError("no endpoint for this channel")
    return sender(msg, endpoint, timeout=timeout)
