"""Run one job: a `facetrade crawl` subprocess under a per-job lock, recorded in crawl_runs."""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from findings.db import open_db
from findings.store import Store

from jobs.config import Job

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    job: str
    status: str                 # ok / blocked / interrupted / failed / skipped
    run_id: int | None = None
    exit_code: int | None = None
    message: str = ""
    output: list[str] = field(default_factory=list)


def job_paths(db_path, name: str) -> tuple[Path, Path]:
    """(job directory, lock file) for a job, next to the database like the crawler's jobs."""
    base = Path(db_path).resolve().parent / "jobs"
    return base / f"job-{name}", base / "locks" / f"{name}.lock"


def crawl_command(job: Job, db_path, jobdir: Path) -> list[str]:
    args = [sys.executable, "-m", "facetrade", "crawl", job.site, "--db", str(db_path), "--jobdir", str(jobdir)]
    for query in job.queries:
        args += ["--query", query]
    for flag, value in (("--base-url", job.base_url), ("--max-pages", job.max_pages),
                        ("--delay", job.delay), ("--login-state", job.login_state)):
        if value is not None:
            args += [flag, str(value)]
    return args


class JobRunner:
    """Runs jobs as subprocesses; remembers them so a stopping scheduler can end them cleanly."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.running: dict[str, subprocess.Popen] = {}
        self.busy: set[str] = set()  # jobs between their start and their last alert
        self.stopping = False
        self._guard = threading.Lock()

    def run(self, job: Job) -> RunResult:
        jobdir, lock_path = job_paths(self.db_path, job.name)
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(lock_path, "w") as lock:
            try:  # another scheduler or `jobs run` may hold it: never two runs of one job
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                logger.warning("job %s: previous run still going (lock %s held): skipped", job.name, lock_path)
                return RunResult(job.name, "skipped", message="previous run still going")
            return self._run_locked(job, jobdir)

    def _run_locked(self, job: Job, jobdir: Path) -> RunResult:
        db = open_db(self.db_path)
        try:
            before = db.execute("SELECT coalesce(max(id), 0) FROM crawl_runs").fetchone()[0]
        finally:
            db.conn.close()
        logger.info("job %s: crawling %s", job.name, job.site)
        code, output = self._crawl(job, jobdir)
        result = self._record(job, jobdir, before, code, output)
        logger.log(logging.INFO if result.status == "ok" else logging.WARNING,
                   "job %s: run %s %s%s", job.name, result.run_id, result.status,
                   f" — {result.message}" if result.message else "")
        return result

    def _crawl(self, job: Job, jobdir: Path) -> tuple[int, list[str]]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(crawl_command(job, self.db_path, jobdir), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, env=env, errors="replace")
        with self._guard:
            self.running[job.name] = proc
        timer = threading.Timer(job.timeout_minutes * 60, self._timeout, args=(job.name, proc))
        timer.start()
        output = []
        try:
            for line in proc.stdout:
                output.append(line.rstrip("\n"))
                logger.info("job %s | %s", job.name, line.rstrip())
            return proc.wait(), output
        finally:
            timer.cancel()
            with self._guard:
                self.running.pop(job.name, None)

    def _timeout(self, name: str, proc: subprocess.Popen) -> None:
        logger.error("job %s: timed out; stopping its crawl", name)
        proc.terminate()

    def stop_all(self) -> None:
        """Ask every running crawl to stop (SIGTERM: Scrapy finishes in-flight pages, records the run)."""
        self.stopping = True
        with self._guard:
            for name, proc in self.running.items():
                logger.warning("job %s: stopping its crawl (pid %s)", name, proc.pid)
                proc.terminate()

    def _record(self, job: Job, jobdir: Path, before: int, code: int, output: list[str]) -> RunResult:
        """Label the crawl's run with the job name, or record a failed run when none was made."""
        db = open_db(self.db_path)
        store = Store(db)
        try:
            row = db.execute("SELECT id, status, blocked_reason FROM crawl_runs WHERE id > ? AND job = ?"
                             " ORDER BY id DESC LIMIT 1", (before, str(jobdir.resolve()))).fetchone()
            tail = "\n".join(output[-15:])
            # A crawl we stopped (scheduler shutting down) was interrupted; any other death is a failure.
            died = "interrupted" if self.stopping and code < 0 else "failed"
            if row is None:
                run_id = store.start_run(site=job.site, job=job.name, query=" | ".join(job.queries)[:2000])
                store.finish_run(run_id, status=died, stats={"exit_code": code, "output": tail})
                return RunResult(job.name, died, run_id, code, _last_error(output, code), output)
            run_id, status, reason = row
            if status == "running":  # the crawl died without closing its run (killed, crashed)
                status = died
                store.finish_run(run_id, status=status, stats={"exit_code": code, "output": tail})
            store.update_run(run_id, job=job.name)
            message = reason if status == "blocked" else _last_error(output, code) if status == "failed" else ""
            return RunResult(job.name, status, run_id, code, message or "", output)
        finally:
            db.conn.close()


def _last_error(output: list[str], code: int) -> str:
    lines = [line for line in output if line.strip()]
    last = next((line for line in reversed(lines) if "Error" in line or "error" in line), lines[-1] if lines else "")
    return f"exit code {code}: {last.strip()[:300]}"


def run_history(db, names: list[str], limit: int = 20) -> list[dict]:
    """The latest crawl runs of the named jobs, newest first."""
    marks = ", ".join("?" for _ in names) or "NULL"
    rows = db.execute(
        f"SELECT id, job, site, started_at, finished_at, status, pages, listings_new, listings_flagged,"
        f" errors, blocked_reason FROM crawl_runs WHERE job IN ({marks}) ORDER BY id DESC LIMIT ?",
        [*names, limit]).fetchall()
    keys = ("run", "job", "site", "started_at", "finished_at", "status", "pages", "new", "flagged", "errors",
            "blocked_reason")
    return [dict(zip(keys, row)) for row in rows]
