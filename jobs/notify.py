"""Deliver an alert: webhook JSON in the shape Slack, WeCom or DingTalk accepts, or email over SMTP."""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

logger = logging.getLogger(__name__)
USER_AGENT = "facetrade-alerts/0.1"


class DeliveryError(RuntimeError):
    """An alert that did not reach its channel (it is retried after the next run)."""


@dataclass
class Alert:
    key: str                  # dedupe key of the message's first subject (findings have one each)
    kind: str                 # finding / blocked / failed
    job: str
    run_id: int | None
    title: str
    lines: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)   # every dedupe key this message covers
    data: dict = field(default_factory=dict)        # structured payload for kind: json webhooks

    def text(self) -> str:
        return "\n".join([self.title, *self.lines])


_MARKUP = re.compile(r"[`*\[\]<>|#~]")


def _plain(text: str) -> str:
    """Listing titles are hostile: drop characters that chat markup would act on."""
    return _MARKUP.sub(" ", text)


def webhook_payload(kind: str, alert: Alert) -> dict:
    """The JSON body for a webhook of ``kind`` (slack, wecom, dingtalk or json)."""
    title, lines = _plain(alert.title), [_plain(line) for line in alert.lines]
    if kind == "slack":  # incoming webhook: {"text": ...}
        return {"text": "\n".join([f"*{title}*", *lines])}
    if kind == "wecom":  # 企业微信 group robot, markdown message
        return {"msgtype": "markdown", "markdown": {"content": "\n".join([f"**{title}**", *lines])}}
    if kind == "dingtalk":  # 钉钉 custom robot, text message
        return {"msgtype": "text", "text": {"content": "\n".join([title, *lines])}}
    return {"event": alert.kind, "job": alert.job, "run": alert.run_id, "title": alert.title,
            "lines": alert.lines, "keys": alert.keys, **alert.data}


def post_webhook(hook: dict, alert: Alert, timeout: float = 15) -> None:
    body = json.dumps(webhook_payload(hook["kind"], alert), ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(hook["url"], data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            reply = answer.read(2000)
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"webhook {hook['name']} ({hook['url']}): {exc}") from None
    # DingTalk and WeCom answer 200 with {"errcode": N} when they refuse a message.
    try:
        errcode = json.loads(reply).get("errcode", 0)
    except (ValueError, AttributeError):
        errcode = 0
    if errcode:
        raise DeliveryError(f"webhook {hook['name']} refused the message: {reply[:300]!r}")


def send_email(cfg: dict, alert: Alert, timeout: float = 20) -> None:
    msg = EmailMessage()
    msg["Subject"] = alert.title[:200]
    msg["From"], msg["To"] = cfg["from"], ", ".join(cfg["to"])
    msg.set_content(alert.text() + "\n\n-- facetrade (trust-and-safety monitoring)\n")
    password = os.environ.get(cfg["password_env"]) if cfg.get("password_env") else None
    try:
        smtp_cls = smtplib.SMTP_SSL if cfg.get("ssl") else smtplib.SMTP
        with smtp_cls(cfg["host"], cfg["port"], timeout=timeout) as smtp:
            if cfg.get("starttls"):
                smtp.starttls(context=ssl.create_default_context())
            if cfg.get("username"):
                smtp.login(cfg["username"], password or "")
            smtp.send_message(msg)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"email via {cfg['host']}:{cfg['port']}: {exc}") from None


def deliver(channel: dict, alert: Alert) -> None:
    """Send one alert to one channel (a webhook dict, or the email dict named 'email')."""
    if channel["name"] == "email" and "host" in channel:
        send_email(channel, alert)
    else:
        post_webhook(channel, alert)
