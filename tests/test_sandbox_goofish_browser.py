"""The Goofish-style search page works in a real browser: login, JS rendering, paging, blocks."""

from __future__ import annotations

import os
import shutil

import pytest

from sandbox.testing import running_sandbox

CHROMIUM = os.environ.get("FACETRADE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no Chromium installed")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def test_login_then_search_renders_every_page_from_the_api(browser):
    with running_sandbox(listings=600, rate=0) as base:
        page = browser.new_page()
        api_answers = []
        page.on("response", lambda r: api_answers.append(r) if "idlemtopsearch" in r.url else None)
        page.goto(base + "/goofish/search?q=%E4%BA%BA%E8%84%B8")
        page.wait_for_selector("body[data-state=login-required]")
        page.click("a.login")
        page.fill("#fm-login-id", "demo_analyst")
        page.fill("#fm-login-password", "pw")
        page.click("button.password-login")
        seen, number = [], 1
        while True:
            page.wait_for_selector(f'body[data-state=ready][data-page-number="{number}"]')
            seen += page.eval_on_selector_all("a.feeds-item-wrap", "els => els.map(e => e.dataset.id)")
            if page.is_disabled(".search-pagination-arrow-right"):
                break
            page.click(".search-pagination-arrow-right")
            number += 1
        truth = page.request.get(base + "/_sandbox/manifest.json").json()
        assert seen == truth["sites"]["goofish"]["queries"]["人脸"] and len(seen) > 30
        assert api_answers and api_answers[-1].json()["ret"] == ["SUCCESS::调用成功"]
        page.close()


def test_a_blocked_session_sees_the_slider_page(browser):
    with running_sandbox(listings=100, rate=0, block_after=1) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/goofish/login")
        page.fill("#fm-login-id", "demo_analyst")
        page.fill("#fm-login-password", "pw")
        page.click("button.password-login")
        page.goto(base + "/goofish/search?q=a")
        page.wait_for_selector("body[data-state=ready]")
        page.goto(base + "/goofish/search?q=b")
        page.wait_for_selector("body[data-state=blocked]")
        frame = page.frame_locator("iframe.punish")
        assert "滑块" in frame.locator("#nc_1__scale_text").inner_text()
        context.close()
