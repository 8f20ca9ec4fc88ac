"""Options shared by several commands."""

from __future__ import annotations

import click

from findings.db import ENV_DB, default_db_path


def db_option(func):
    """Add ``--db PATH`` (default ``$FACETRADE_DB`` or ``var/facetrade.db``)."""
    return click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), envvar=ENV_DB,
        default=lambda: str(default_db_path()), show_default="var/facetrade.db",
        help=f"Findings database file (also ${ENV_DB}).",
    )(func)


def example(text: str) -> str:
    """Return a help epilog that ends the help with an example, as every command must."""
    lines = "\n".join(f"  {line}" for line in text.strip().splitlines())
    return f"\b\nExample:\n{lines}"
