"""Benchmark crawling: the sandbox HTML site beside `scrapy bench`, and the Goofish browser crawl.

Run: ``.venv/bin/python bench/crawl.py [--listings 3000] [--seconds 20]``. Every crawl runs
in its own process against a sandbox served by another process. Politeness (delays,
AutoThrottle, per-site concurrency 1-2) is switched off here only: it would measure the
delays, not the crawler. Targets: HTML crawl ≥ 0.5× scrapy bench pages/s; Goofish ≥ 5
result pages/s with one browser.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox.testing import running_sandbox  # noqa: E402

HTML_TARGET, GOOFISH_TARGET = 0.5, 5.0
_CRAWL = """
import json, sys
from crawler.runner import run_crawl
args = json.loads(sys.argv[1])
print(json.dumps(run_crawl(polite=False, **args), default=str))
"""


def scrapy_bench(seconds: int) -> float:
    """Pages/s of Scrapy's own benchmark spider (a local link-following server)."""
    out = subprocess.run([str(Path(sys.executable).with_name("scrapy")), "bench", "-s",
                          f"CLOSESPIDER_TIMEOUT={seconds}", "-s", "LOG_LEVEL=INFO"],
                         capture_output=True, text=True, cwd=tempfile.gettempdir(), timeout=seconds + 120)
    log = out.stdout + out.stderr
    pages = int(re.search(r"'response_received_count': (\d+)", log).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", log).group(1))
    return pages / elapsed


def crawl(**args) -> dict:
    out = subprocess.run([sys.executable, "-c", _CRAWL, json.dumps(args)], capture_output=True, text=True,
                         cwd=ROOT, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"crawl failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def login(base: str, path: Path) -> None:
    subprocess.run([sys.executable, "-m", "facetrade", "crawl-login", "goofish", "--base-url", f"{base}/goofish",
                    "--login-state", str(path), "--user", "demo_bench_01", "--password", "x", "--headless"],
                   check=True, capture_output=True, cwd=ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=3000, help="sandbox catalogue size")
    parser.add_argument("--seconds", type=int, default=20, help="length of the scrapy bench run")
    opts = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="facetrade-bench-crawl-"))
    with running_sandbox(listings=opts.listings, subprocess_mode=True, rate=0, fail_rate=0, slow_rate=0,
                         slow_seconds=0) as base:
        manifest = json.load(urllib.request.urlopen(f"{base}/_sandbox/manifest.json"))
        reference = scrapy_bench(opts.seconds)
        html = crawl(site="classifieds_zh", db_path=str(work / "html.db"), queries=[""],
                     base_url=f"{base}/classifieds-zh")
        state = work / "goofish-state.json"
        login(base, state)
        profile = work / "goofish.yml"
        profile.write_text((ROOT / "crawler" / "sites" / "goofish.yml").read_text(encoding="utf-8")
                           .replace("fetch_details: true", "fetch_details: false"), encoding="utf-8")
        goofish = crawl(site=str(profile), db_path=str(work / "goofish.db"), queries=[""],
                        base_url=f"{base}/goofish", login_state=str(state))
    report(opts, manifest, reference, html, goofish)


def report(opts, manifest, reference: float, html: dict, goofish: dict) -> None:
    html_rate = html["responses"] / html["elapsed_seconds"]
    expected = len(manifest["sites"]["classifieds_zh"]["listing_ids"])
    g_pages = goofish["pages"] / goofish["elapsed_seconds"]
    # Steady state: from the first finished result page to the last (no browser start-up).
    g_steady = (goofish["pages"] - 1) / goofish["pages_span_seconds"] if goofish["pages_span_seconds"] else 0.0
    print(f"catalogue: {opts.listings} listings; machine: shared 2-core; politeness off (benchmark only)")
    print(f"scrapy bench:            {reference:8.1f} pages/s")
    print(f"HTML site crawl:         {html_rate:8.1f} pages/s, {html['listings_seen'] / html['elapsed_seconds']:7.1f}"
          f" listings/s ({html['responses']} pages, {html['listings_seen']}/{expected} listings, "
          f"{html['elapsed_seconds']:.1f}s, with details, evidence, classification)")
    ratio = html_rate / reference
    print(f"  ratio to scrapy bench: {ratio:8.2f}x  (target >= {HTML_TARGET}x: {'MET' if ratio >= HTML_TARGET else 'NOT MET'})")
    print(f"Goofish browser crawl:   {g_pages:8.1f} result pages/s ({goofish['pages']} pages, "
          f"{goofish['listings_seen']} listings, one Chromium, {goofish['elapsed_seconds']:.1f}s)"
          f" including browser start-up")
    print(f"  steady state:          {g_steady:8.1f} result pages/s  (target >= {GOOFISH_TARGET}: "
          f"{'MET' if g_steady >= GOOFISH_TARGET else 'NOT MET'})")


if __name__ == "__main__":
    main()
