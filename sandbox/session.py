"""Goofish login sessions: signed cookies that survive a restart with the same seed."""

from __future__ import annotations

import base64
import hashlib
import hmac

COOKIE = "cookie2"


def _key(seed: int, generation: int) -> bytes:
    return hashlib.sha256(f"facetrade-sandbox|{seed}|{generation}".encode()).digest()


def issue(login_id: str, seed: int, generation: int) -> str:
    """Return the session cookie value for ``login_id``."""
    user = base64.urlsafe_b64encode(login_id.encode("utf-8")).decode().rstrip("=")
    sig = hmac.new(_key(seed, generation), user.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{user}.{sig}"


def verify(value: str | None, seed: int, generation: int) -> str | None:
    """Return the login id of a valid session cookie, else None (missing, forged or expired)."""
    if not value or "." not in value:
        return None
    user, _, sig = value.rpartition(".")
    good = hmac.new(_key(seed, generation), user.encode(), hashlib.sha256).hexdigest()[:24]
    if not hmac.compare_digest(sig, good):
        return None
    try:
        return base64.urlsafe_b64decode(user + "=" * (-len(user) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
