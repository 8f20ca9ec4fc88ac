"""The readable report: HTML from a template, and PDF printed from it by headless Chromium."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from facetrade import __version__
from findings.export.actor import ExportError
from findings.export.thumbs import thumbnails
from findings.records import utcnow

logger = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


def to_html(conn, report: dict, rows: list[dict], *, masked: bool = True, tlp: str = "amber") -> bytes:
    """A self-contained HTML document (inline style, blurred thumbnails as data URIs)."""
    for row in rows:
        row["thumbnails"] = thumbnails(conn, row["evidence"])
    by_category = Counter(row.get("category") or "uncategorised" for row in rows).most_common()
    html = _env.get_template("report.html").render(
        report=report, rows=rows, by_category=by_category, masked=masked, tlp=tlp,
        generated_at=utcnow(), version=__version__)
    return html.encode("utf-8")


def to_pdf(html: bytes) -> bytes:
    """Print ``html`` to an A4 PDF with headless Chromium (no scripts, no network)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from crawler.browser import CHROMIUM_ARGS, chromium_path

    options = {"headless": True, "args": list(CHROMIUM_ARGS)}
    path = chromium_path()
    if path:
        options["executable_path"] = path
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**options)
            try:
                # Scripts off and every request refused: crawled text cannot run or call out.
                context = browser.new_context(java_script_enabled=False)
                page = context.new_page()
                page.route("**/*", lambda route: route.abort())
                page.set_content(html.decode("utf-8"), wait_until="load")
                return page.pdf(format="A4", print_background=True,
                                margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        raise ExportError(f"cannot print the PDF with Chromium ({path or 'Playwright default'}): "
                          f"{str(exc).splitlines()[0]}; set FACETRADE_CHROMIUM to a Chromium binary") from exc
