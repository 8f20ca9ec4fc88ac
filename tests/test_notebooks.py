"""The notebooks run cleanly against a demo database from a sandbox crawl, draw their charts, and are stored without outputs."""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import ROOT
from sandbox.testing import running_sandbox
from test_networks_world import crawl_all, facetrade

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHARTS = {"weekly_trends.ipynb": 4, "model_evaluation.ipynb": 3, "seller_networks.ipynb": 2}


def test_committed_notebooks_have_no_outputs():
    assert {p.name for p in NOTEBOOKS} == set(CHARTS)
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        for cell in book.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name}: strip outputs"


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    """A demo database (sandbox crawl + networks), the sandbox manifest, and a kernel spec for this interpreter."""
    from ipykernel.kernelspec import install

    tmp = tmp_path_factory.mktemp("notebooks")
    db_path = tmp / "facetrade.db"
    with running_sandbox(listings=150, seed=3, rate=0, fail_rate=0, slow_rate=0) as base:
        manifest = crawl_all(base, db_path)
    assert facetrade("networks", "build", "--db", str(db_path)).returncode == 0
    (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    # A kernel spec in a temp prefix that runs this very interpreter: works on a fresh CI machine.
    install(prefix=str(tmp / "jupyter"), kernel_name="facetrade-test")
    return {"FACETRADE_DB": str(db_path), "FACETRADE_MANIFEST": str(tmp / "manifest.json"),
            "JUPYTER_PATH": str(tmp / "jupyter" / "share" / "jupyter"), "MPLBACKEND": "module://matplotlib_inline.backend_inline"}


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_notebook_runs_and_draws_its_charts(name, demo_env, monkeypatch):
    from nbclient import NotebookClient

    for key, value in demo_env.items():
        monkeypatch.setenv(key, value)
    book = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    NotebookClient(book, kernel_name="facetrade-test", timeout=120,
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    images = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= CHARTS[name], f"{name}: {len(images)} charts"
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
