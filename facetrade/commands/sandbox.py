"""``facetrade sandbox``: run the local sandbox marketplace that crawlers are tested against."""

from __future__ import annotations

import json

import click

from facetrade.options import example


@click.group(epilog=example("facetrade sandbox serve --port 8800 --listings 3000 --seed 7"))
def sandbox() -> None:
    """Run the local sandbox marketplace (Goofish-, Taobao- and classifieds-style sites)."""


def _options(listings, seed, rate, burst, block_after, block_seconds, no_login, fail_rate,
             slow_rate, slow_seconds, bench):
    from sandbox.options import SandboxOptions

    if listings < 1:
        raise click.BadParameter("must be at least 1", param_hint="--listings")
    base = SandboxOptions.benchmark() if bench else SandboxOptions()
    changes = dict(listings=listings, seed=seed, block_after=block_after,
                   block_seconds=block_seconds, require_login=not no_login, slow_seconds=slow_seconds)
    # --bench switches defences and faults off unless the user also set them explicitly.
    for name, value in (("rate", rate), ("burst", burst), ("fail_rate", fail_rate), ("slow_rate", slow_rate)):
        if value is not None:
            changes[name] = value
    return base.with_changes(**changes)


@sandbox.command(epilog=example(
    "facetrade sandbox serve --port 8800 --listings 3000 --seed 7\n"
    "facetrade sandbox serve --bench --port 0     # no rate limit, no faults"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8800, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 = any free port; the URL is printed).")
@click.option("--listings", default=3000, show_default=True, type=int, help="Catalogue size.")
@click.option("--seed", default=7, show_default=True, type=int, help="Catalogue seed (same seed, same catalogue).")
@click.option("--rate", type=click.FloatRange(0), default=None,
              help="Goofish API calls/s allowed per session (0 = no limit) [default: 2].")
@click.option("--burst", type=click.IntRange(1), default=None, help="Goofish API burst per session [default: 20].")
@click.option("--block-after", default=0, show_default=True, type=click.IntRange(0),
              help="Block a session after this many API calls (0 = never).")
@click.option("--block-seconds", default=30.0, show_default=True, type=click.FloatRange(0),
              help="How long a blocked session stays blocked.")
@click.option("--no-login", is_flag=True, help="Goofish APIs answer without the login cookie.")
@click.option("--fail-rate", type=click.FloatRange(0, 1), default=None,
              help="Share of classifieds pages that 500 on the first try [default: 0.02].")
@click.option("--slow-rate", type=click.FloatRange(0, 1), default=None,
              help="Share of classifieds pages answered slowly [default: 0.01].")
@click.option("--slow-seconds", default=1.5, show_default=True, type=click.FloatRange(0),
              help="Delay of a slow page.")
@click.option("--bench", is_flag=True, help="Benchmark mode: no rate limit, no 500s, no slow pages.")
@click.option("--access-log", is_flag=True, help="Log every request.")
def serve(host, port, access_log, **kwargs) -> None:
    """Serve the sandbox marketplace until interrupted; the manifest is at /_sandbox/manifest.json."""
    from sandbox.server import serve as run

    options = _options(**kwargs)
    try:
        run(options, host=host, port=port, quiet=not access_log,
            announce=lambda line: click.echo(line, nl=True) or None)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    except KeyboardInterrupt:
        pass


@sandbox.command(epilog=example("facetrade sandbox manifest --listings 300 --seed 7 > manifest.json"))
@click.option("--listings", default=3000, show_default=True, type=int, help="Catalogue size.")
@click.option("--seed", default=7, show_default=True, type=int, help="Catalogue seed.")
@click.option("--base-url", default="http://127.0.0.1:8800", show_default=True,
              help="Base URL the manifest's site URLs start with.")
def manifest(listings, seed, base_url) -> None:
    """Print the ground-truth manifest of a catalogue without starting a server."""
    from sandbox import manifest as manifest_module
    from sandbox.options import SandboxOptions
    from sandbox.state import SandboxState

    if listings < 1:
        raise click.BadParameter("must be at least 1", param_hint="--listings")
    state = SandboxState(SandboxOptions(listings=listings, seed=seed))
    click.echo(json.dumps(manifest_module.build(state, base_url.rstrip("/")), ensure_ascii=False, indent=1))


COMMANDS = [sandbox]
