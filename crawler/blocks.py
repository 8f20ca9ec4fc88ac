"""Recognise anti-bot blocks, captchas, rate limits and login walls in a response."""

from __future__ import annotations

import html
import json
import re

# mtop ``ret`` codes that mean "stop": the site wants a human (slider / captcha), a login,
# or is rate limiting us. Anything else failing (an item deleted) is a per-item error.
BLOCKING_RET_CODES = {
    "RGV587_ERROR": "anti-bot block (RGV587_ERROR)",
    "FAIL_SYS_USER_VALIDATE": "captcha / user validation required (FAIL_SYS_USER_VALIDATE)",
    "FAIL_SYS_SESSION_EXPIRED": "login session expired (FAIL_SYS_SESSION_EXPIRED)",
    "FAIL_SYS_TOKEN_EMPTY": "not logged in: mtop token missing (FAIL_SYS_TOKEN_EMPTY)",
    "FAIL_SYS_TOKEN_EXOIRED": "login token expired (FAIL_SYS_TOKEN_EXOIRED)",
    "FAIL_SYS_TOKEN_EXPIRED": "login token expired (FAIL_SYS_TOKEN_EXPIRED)",
    "FAIL_SYS_ILLEGAL_ACCESS": "access refused (FAIL_SYS_ILLEGAL_ACCESS)",
    "FAIL_SYS_FLOWLIMIT": "rate limited (FAIL_SYS_FLOWLIMIT)",
}
_URL_MARKERS = {
    "_____tmd_____/punish": "anti-bot punish page",
    "/punish": "anti-bot punish page",
    "login.taobao.com": "login wall",
    "login.goofish.com": "login wall",
    "passport.goofish.com": "login wall",
    "/login": "login wall",
    "sec.taobao.com": "security check page",
}
# Markers of slider / captcha pages (Alibaba "nc" no-captcha slider, baxia, generic text).
_BODY_MARKERS = [
    (re.compile(rb"nc_1_n1z|nocaptcha|baxia-dialog|_____tmd_____|punish\?x5secdata", re.I),
     "slider captcha page"),
    (re.compile("滑动验证|请拖动下方滑块|拖动滑块|验证码拦截|亲，请登录".encode("utf-8")),
     "slider captcha / login page"),
    (re.compile(rb"RGV587_ERROR|FAIL_SYS_USER_VALIDATE|FAIL_SYS_SESSION_EXPIRED"), "mtop block envelope"),
]
_PUNISH_URL = re.compile(rb"[^\s\"'<>]*_____tmd_____/punish[^\s\"'<>]*")
_STATUS_REASONS = {
    403: "HTTP 403 Forbidden (access refused)",
    429: "HTTP 429 Too Many Requests (rate limited)",
}


def ret_block_reason(ret) -> str | None:
    """Return why an mtop ``ret`` list means a block, or None if it does not."""
    if not isinstance(ret, list):
        return None
    for entry in ret:
        code = str(entry).split("::", 1)[0].strip()
        if code in BLOCKING_RET_CODES:
            message = str(entry).split("::", 1)[1] if "::" in str(entry) else ""
            reason = BLOCKING_RET_CODES[code]
            return f"{reason}: {message}" if message else reason
    return None


def envelope_block_reason(envelope) -> str | None:
    """Return why an mtop JSON envelope is a block (with its punish URL), or None."""
    if not isinstance(envelope, dict):
        return None
    reason = ret_block_reason(envelope.get("ret"))
    if reason is None:
        return None
    data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
    url = data.get("url")
    return f"{reason} (punish URL {url})" if url else reason


def response_block_reason(status: int, url: str, body: bytes, content_type: str = "") -> str | None:
    """Return a human reason if this HTTP answer is a block/captcha/login wall, else None."""
    if url.rstrip("/").endswith("/robots.txt"):
        return None  # robots.txt answers are handled by Scrapy's robots middleware
    if status in _STATUS_REASONS:
        return f"{_STATUS_REASONS[status]} at {url}"
    for marker, reason in _URL_MARKERS.items():
        if marker in url:
            return f"{reason} at {url}"
    head = body[:200_000]
    if b'"ret"' in head and "json" in content_type.lower():
        try:
            reason = envelope_block_reason(json.loads(body))
        except ValueError:
            reason = None
        if reason:
            return f"{reason} at {url}"
        return None
    for pattern, reason in _BODY_MARKERS:
        if pattern.search(head):
            punish = _PUNISH_URL.search(head)
            if punish:
                reason += f" (punish URL {html.unescape(punish.group(0).decode('latin-1'))})"
            return f"{reason} at {url}"
    return None
