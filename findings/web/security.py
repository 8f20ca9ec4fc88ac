"""Session secret, scheme-aware session cookies, CSRF tokens and security headers."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

from starlette.middleware.sessions import SessionMiddleware

logger = logging.getLogger(__name__)

ENV_SECRET = "FACETRADE_SECRET"
SESSION_COOKIE = "facetrade_session"
SESSION_MAX_AGE = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# No inline script or style anywhere: crawled text that slips through escaping still cannot run.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


def load_secret(var_dir: str | os.PathLike) -> str:
    """Return the signing secret: $FACETRADE_SECRET, else a file made once under ``var_dir``."""
    if os.environ.get(ENV_SECRET):
        return os.environ[ENV_SECRET]
    path = Path(var_dir) / "review-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Create with 0600 before writing so the secret is never world-readable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        logger.info("created session secret %s", path)
    return path.read_text().strip()


def csrf_token(session: dict) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(session: dict, sent: str | None) -> bool:
    """True when ``sent`` equals the session's token (compared in constant time)."""
    expected = session.get("csrf")
    return bool(expected and sent) and hmac.compare_digest(str(expected), str(sent))


class SchemeAwareSessions:
    """Signed-cookie sessions whose cookie is ``Secure`` whenever the request came over https."""

    def __init__(self, app, secret: str):
        options = dict(secret_key=secret, session_cookie=SESSION_COOKIE, max_age=SESSION_MAX_AGE,
                       same_site="lax")
        self.plain = SessionMiddleware(app, https_only=False, **options)
        self.secure = SessionMiddleware(app, https_only=True, **options)

    async def __call__(self, scope, receive, send):
        middleware = self.secure if scope.get("scheme") in ("https", "wss") else self.plain
        await middleware(scope, receive, send)


class SecurityHeaders:
    """Add CSP and the other hardening headers to every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in HEADERS if n not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
