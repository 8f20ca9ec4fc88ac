"""Commands for the review app: ``serve`` and the ``users`` group (add, list, set-role, disable)."""

from __future__ import annotations

import getpass
import sys

import click

from classifier import DEFAULT_THRESHOLD
from facetrade.options import db_option, example


def _read_password(password_file: str | None) -> str:
    if password_file == "-":
        return sys.stdin.readline().rstrip("\r\n")
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                return handle.readline().rstrip("\r\n")
        except OSError as exc:
            raise click.ClickException(f"cannot read password file {password_file}: {exc.strerror}") from exc
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise click.ClickException("the passwords do not match")
    return first


@click.command(epilog=example("""
facetrade serve --db var/facetrade.db --port 8000 --threshold 0.6
"""))
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind. Keep 127.0.0.1 unless a TLS proxy sits in front.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="TCP port.")
@click.option("--threshold", default=DEFAULT_THRESHOLD, show_default=True, type=click.FloatRange(0, 1),
              help="Queue listings whose latest score is at least this.")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help="Serve https (cookies become Secure).")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help="Private key for --ssl-certfile.")
@click.option("--proxy-headers", is_flag=True,
              help="Trust X-Forwarded-Proto/For from a local reverse proxy (https detection).")
def serve(db_path, host, port, threshold, ssl_certfile, ssl_keyfile, proxy_headers):
    """Serve the analyst review queue in the browser.

    Needs at least one user (`facetrade users add`). The session secret comes from
    $FACETRADE_SECRET or a file created once next to the database.
    """
    import uvicorn

    from findings.db import open_db
    from findings.web.app import create_app
    from findings.web.users import list_users

    if not list_users(open_db(db_path)):
        raise click.ClickException(
            f"no review users in {db_path}; add one first: facetrade users add NAME --role admin")
    app = create_app(db_path, threshold=threshold)
    scheme = "https" if ssl_certfile else "http"
    click.echo(f"review app on {scheme}://{host}:{port}/ (Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning", ssl_certfile=ssl_certfile,
                ssl_keyfile=ssl_keyfile, proxy_headers=proxy_headers,
                forwarded_allow_ips="127.0.0.1" if proxy_headers else None)


@click.group(epilog=example("""
facetrade users add alice --role lead
"""))
def users():
    """Manage review app accounts (roles: analyst < lead < admin)."""


@users.command("add", epilog=example("""
facetrade users add demo_analyst --role analyst --password-file secrets/demo.txt
"""))
@click.argument("name")
@click.option("--role", type=click.Choice(["analyst", "lead", "admin"]), default="analyst", show_default=True)
@click.option("--password-file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read the password from the first line of this file ('-' for stdin) instead of a prompt.")
@db_option
def users_add(name, role, password_file, db_path):
    """Add a user; the password is stored as an argon2id hash."""
    from findings.db import open_db
    from findings.web.users import UserError, add_user

    password = _read_password(password_file)
    try:
        user = add_user(open_db(db_path), name, password, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"added {user['name']} ({user['role']})")


@users.command("list", epilog=example("""
facetrade users list
"""))
@db_option
def users_list(db_path):
    """List users with their role, status and last login."""
    from findings.db import open_db
    from findings.web.users import list_users

    for user in list_users(open_db(db_path)):
        status = "disabled" if user["disabled"] else "active"
        click.echo(f"{user['name']}\t{user['role']}\t{status}\tlast login {user['last_login_at'] or 'never'}")


@users.command("set-role", epilog=example("""
facetrade users set-role alice lead
"""))
@click.argument("name")
@click.argument("role", type=click.Choice(["analyst", "lead", "admin"]))
@db_option
def users_set_role(name, role, db_path):
    """Change a user's role (audited)."""
    from findings.db import open_db
    from findings.web.users import UserError, set_role

    try:
        user = set_role(open_db(db_path), name, role)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user['name']} is now {user['role']}")


@users.command("disable", epilog=example("""
facetrade users disable bob
"""))
@click.argument("name")
@click.option("--enable", is_flag=True, help="Re-enable a disabled user instead.")
@db_option
def users_disable(name, enable, db_path):
    """Disable a user (their sessions stop working at once); audited."""
    from findings.db import open_db
    from findings.web.users import UserError, set_disabled

    try:
        set_disabled(open_db(db_path), name, not enable)
    except UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{name} {'enabled' if enable else 'disabled'}")


COMMANDS = [serve, users]
