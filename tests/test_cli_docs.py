"""Every command documents itself: its help ends with an example, and the README names it."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from conftest import ROOT
from facetrade.cli import cli


def command_paths(group: click.Group, prefix=("facetrade",)):
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if isinstance(command, click.Group):
            yield from command_paths(command, path)


COMMANDS = list(command_paths(cli))


def test_the_cli_has_the_foundation_commands():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"facetrade ingest", "facetrade search", "facetrade stats"} <= names


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in COMMANDS])
def test_help_ends_with_an_example(path):
    result = CliRunner().invoke(cli, [*path.split()[1:], "--help"], prog_name="facetrade")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.rstrip().splitlines() if line.strip()]
    example_at = max(i for i, line in enumerate(lines) if line.strip() == "Example:") if any(
        line.strip() == "Example:" for line in lines) else None
    assert example_at is not None, f"{path} --help has no Example: section"
    tail = lines[example_at + 1:]
    assert tail and all(line.strip().startswith("facetrade") for line in tail), \
        f"{path} --help must end with example command lines, got {tail}"


@pytest.mark.parametrize("path", [" ".join(p) for p, c in COMMANDS if not isinstance(c, click.Group)])
def test_readme_mentions_every_command(path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert path in readme, f"README.md does not mention `{path}`"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme.split("```")[1]
    assert "make demo" in head and "make test" in head
