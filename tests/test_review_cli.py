"""The review commands: `facetrade users ...` manage accounts, `facetrade serve` serves the app."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx
from click.testing import CliRunner

from conftest import facetrade_cmd
from facetrade.cli import cli
from findings.db import open_db


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, prog_name="facetrade")


def test_users_add_list_set_role_disable(db_path, tmp_path):
    secret = tmp_path / "pw.txt"
    secret.write_text("demo-password-9\n")
    added = run("users", "add", "demo_cli_user", "--role", "analyst", "--password-file", str(secret), "--db", str(db_path))
    assert added.exit_code == 0 and "added demo_cli_user (analyst)" in added.output
    assert run("users", "add", "demo_cli_lead", "--role", "lead", "--password-file", "-", "--db", str(db_path),
               input="demo-password-8\n").exit_code == 0
    assert run("users", "set-role", "demo_cli_user", "lead", "--db", str(db_path)).exit_code == 0
    assert run("users", "disable", "demo_cli_lead", "--db", str(db_path)).exit_code == 0
    listing = run("users", "list", "--db", str(db_path)).output
    assert "demo_cli_user\tlead\tactive" in listing and "demo_cli_lead\tlead\tdisabled" in listing
    db = open_db(db_path)
    stored = db.execute("SELECT password_hash FROM review_users WHERE name = 'demo_cli_user'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "demo-password-9" not in stored
    actions = [a for (a,) in db.execute("SELECT action FROM review_audit ORDER BY id")]
    assert actions == ["user_add", "user_add", "role_change", "user_disable"]


def test_user_mistakes_get_a_clear_message_and_no_traceback(db_path, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text("abc\n")
    for args in (("users", "add", "demo_x", "--password-file", str(short)),
                 ("users", "add", "bad name!", "--password-file", str(short)),
                 ("users", "set-role", "nobody_here", "lead"),
                 ("users", "disable", "nobody_here"),
                 ("users", "add", "demo_y", "--password-file", str(tmp_path / "missing.txt"))):
        result = run(*args, "--db", str(db_path))
        assert result.exit_code != 0, args
        assert "Error:" in result.output and "Traceback" not in result.output, args
    assert "no review users" in run("serve", "--db", str(db_path)).output


def test_serve_answers_on_localhost(db_path, tmp_path, cli_env):
    (tmp_path / "pw.txt").write_text("demo-password-7\n")
    assert run("users", "add", "demo_admin", "--role", "admin", "--password-file", str(tmp_path / "pw.txt"),
               "--db", str(db_path)).exit_code == 0
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(facetrade_cmd("serve", "--db", str(db_path), "--port", str(port)), env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/queue", follow_redirects=False)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stdout.read()
                time.sleep(0.2)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
        login = httpx.get(f"http://127.0.0.1:{port}/login")
        assert login.status_code == 200 and "Log in" in login.text
        assert (db_path.parent / "review-secret").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
