"""Build the review app: routers per area, sessions, security headers, static files."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from classifier import DEFAULT_THRESHOLD
from findings.db import open_db
from findings.web.deps import Settings
from findings.web.routes import admin, audit, auth, evidence, items, networks, queue, reports, sellers, stats
from findings.web.security import SchemeAwareSessions, SecurityHeaders, load_secret
from findings.web.sync import sync_queue

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
def create_app(db_path: str, *, threshold: float = DEFAULT_THRESHOLD, secret: str | None = None,
               sync_interval: float = 20.0) -> Starlette:
    """Return the review app for the findings database at ``db_path`` (migrated here)."""
    db = open_db(db_path)  # applies pending migrations once, before any request
    if secret is None:
        secret = load_secret(Path(db_path).resolve().parent)
    settings = Settings(db_path=str(db_path), threshold=threshold, secret=secret,
                        sync_interval=sync_interval)
    sync_queue(db, threshold)
    settings._synced = time.monotonic()
    db.conn.close()
    routes = [*auth.routes, *queue.routes, *items.routes, *sellers.routes, *evidence.routes, *audit.routes,
              *stats.routes, *admin.routes, *reports.routes, *networks.routes, Mount("/static", StaticFiles(directory=STATIC), name="static")]
    app = Starlette(routes=routes, middleware=[
        Middleware(SecurityHeaders),
        Middleware(SchemeAwareSessions, secret=secret),
    ])
    app.state.settings = settings
    return app
