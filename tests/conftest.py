"""Shared fixtures: temporary databases, the repository root, the shared material folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A path for a fresh findings database file."""
    return tmp_path / "facetrade.db"


@pytest.fixture
def cli_env(db_path) -> dict:
    """Environment for running the real ``facetrade`` command in a subprocess."""
    env = dict(os.environ)
    env["FACETRADE_DB"] = str(db_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def facetrade_cmd(*args: str) -> list[str]:
    """Command line that runs the installed facetrade CLI with this interpreter."""
    return [sys.executable, "-m", "facetrade", *args]


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory) -> Path:
    """A classifier model trained once per test session from the repository's data."""
    from classifier.train import train

    path = tmp_path_factory.mktemp("model") / "classifier.joblib"
    train(out_path=path)
    return path


def key_paths(obj, prefix: str = "") -> set[str]:
    """Every key path in a JSON value; list items are written ``[]``."""
    found = set()
    if isinstance(obj, dict):
        for key, value in obj.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | key_paths(value, path)
    elif isinstance(obj, list):
        for value in obj:
            found |= key_paths(value, prefix + "[]")
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI every dependency is installed and ../shared is present, so a skip is a failure.

    Locally a test may skip when Chromium, Redis or the shared fixtures are missing; in CI
    that would hide a broken install step behind a green run.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may be missing: {report.longrepr}"
