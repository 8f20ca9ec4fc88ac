"""Save a site's login state (cookies) as a Playwright storage-state file for later crawls."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from crawler.browser import launch_options
from crawler.profiles import ProfileError, SiteProfile

logger = logging.getLogger(__name__)


class LoginError(RuntimeError):
    """Logging in did not produce the session cookie in time."""


def save_login_state(profile: SiteProfile, state_path: str, *, user: str | None = None,
                     password: str | None = None, headless: bool = False, timeout: float = 300) -> Path:
    """Open the login page; fill it when given credentials, else wait for a person to log in.

    Never solves captchas: on a real site a person logs in by hand in the opened window.
    """
    from playwright.sync_api import sync_playwright

    login = profile.raw.get("login") or {}
    if not login.get("url") or not login.get("cookie"):
        raise ProfileError(f"{profile.path.name}: no login section (login.url, login.cookie)")
    options = launch_options()
    options["headless"] = headless
    if not headless:
        options["args"] = [a for a in options["args"] if a != "--headless"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**options)
        context = browser.new_context()
        page = context.new_page()
        page.goto(profile.url_template(login["url"]))
        if user and password:
            page.fill(login["user_field"], user)
            page.fill(login["password_field"], password)
            page.click(login["submit"])
        deadline = time.monotonic() + timeout
        while not any(c["name"] == login["cookie"] for c in context.cookies()):
            if time.monotonic() > deadline:
                browser.close()
                raise LoginError(f"no {login['cookie']!r} cookie after {timeout:.0f}s: not logged in")
            page.wait_for_timeout(250)
        target = Path(state_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        context.storage_state(path=str(target))
        browser.close()
    target.chmod(0o600)  # it is a login: keep it private
    return target
