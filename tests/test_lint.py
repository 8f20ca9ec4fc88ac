"""The code has no unused imports, unused variables or undefined names (pyflakes)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

PACKAGES = ["facetrade", "findings", "classifier", "crawler", "sandbox", "jobs", "bench", "tests"]


def test_pyflakes_is_clean():
    paths = [str(ROOT / p) for p in PACKAGES if (ROOT / p).exists()]
    done = subprocess.run([sys.executable, "-m", "pyflakes", *paths], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
