"""The ``facetrade`` command group; each area registers its commands from facetrade.commands."""

from __future__ import annotations

import importlib
import logging

import click

from facetrade import __version__

# One module per area; each exposes ``COMMANDS``, a list of click commands or groups.
COMMAND_MODULES = (
    "facetrade.commands.database",
    "facetrade.commands.demo",
    "facetrade.commands.classify",
    "facetrade.commands.crawl",
    "facetrade.commands.sandbox",
    "facetrade.commands.review",
    "facetrade.commands.export",
    "facetrade.commands.jobs",
    "facetrade.commands.research",
    "facetrade.commands.models",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="facetrade")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Find marketplace listings that sell face and identity data, review them, take them down.

    \b
    Example:
      facetrade ingest data/sample/listings.jsonl && facetrade stats
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="facetrade")
