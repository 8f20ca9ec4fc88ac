"""Load and check the jobs file: named crawl jobs, their cron cadence, alert thresholds, where alerts go."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from apscheduler.triggers.cron import CronTrigger

DEFAULT_JOBS_FILE = Path("jobs.yml")
ENV_JOBS_FILE = "FACETRADE_JOBS"
WEBHOOK_KINDS = ("slack", "wecom", "dingtalk", "json")
_JOB_KEYS = {"site", "base_url", "queries", "queries_from", "cron", "max_pages", "enabled", "delay",
             "login_state", "alerts", "timeout_minutes"}
_ALERT_KEYS = {"min_score", "min_new", "on_blocked", "on_failure"}


class JobsFileError(ValueError):
    """The jobs file is missing or wrong; the message names the file, job and field."""


@dataclass
class AlertRules:
    min_score: float = 0.5   # a finding: a listing the classifier flags with at least this score
    min_new: int = 1         # alert once at least this many unalerted findings are waiting
    on_blocked: bool = True
    on_failure: bool = True


@dataclass
class Job:
    name: str
    site: str
    cron: str
    base_url: str | None = None
    queries: list[str] = field(default_factory=list)  # empty: the site's / rules' queries
    max_pages: int | None = None
    enabled: bool = True
    delay: float | None = None
    login_state: str | None = None
    timeout_minutes: float = 120
    alerts: AlertRules = field(default_factory=AlertRules)

    def trigger(self, timezone=None) -> CronTrigger:
        return cron_trigger(self.cron, timezone)


@dataclass
class JobsFile:
    path: Path
    jobs: dict[str, Job]
    webhooks: list[dict] = field(default_factory=list)
    email: dict | None = None
    timezone: str | None = None

    def job(self, name: str) -> Job:
        if name not in self.jobs:
            known = ", ".join(sorted(self.jobs)) or "none"
            raise JobsFileError(f"no job named {name!r} in {self.path} (jobs: {known})")
        return self.jobs[name]


def default_jobs_path() -> Path:
    return Path(os.environ.get(ENV_JOBS_FILE) or DEFAULT_JOBS_FILE)


def cron_trigger(expr: str, timezone=None) -> CronTrigger:
    """Five fields (minute hour day month weekday) as in crontab, or six with seconds first."""
    parts = str(expr).split()
    if len(parts) == 5:
        return CronTrigger.from_crontab(" ".join(parts), timezone=timezone)
    if len(parts) == 6:
        names = ("second", "minute", "hour", "day", "month", "day_of_week")
        return CronTrigger(timezone=timezone, **dict(zip(names, parts)))
    raise ValueError(f"cron needs 5 fields (or 6 with seconds first), got {len(parts)}: {expr!r}")


def load_jobs(path: str | os.PathLike | None = None) -> JobsFile:
    """Read and check the jobs file; raise JobsFileError naming the place of any mistake."""
    path = Path(path) if path else default_jobs_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise JobsFileError(f"jobs file not found: {path} (copy jobs/jobs.example.yml to start)") from None
    except (OSError, yaml.YAMLError) as exc:
        raise JobsFileError(f"cannot read jobs file {path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise JobsFileError(f"{path}: expected a mapping with a 'jobs:' mapping of named jobs")
    defaults = data.get("defaults") or {}
    timezone = data.get("timezone")
    jobs = {str(name): _job(path, str(name), {**defaults, **(spec or {})}, timezone)
            for name, spec in data["jobs"].items()}
    notify = data.get("notify") or {}
    return JobsFile(path, jobs, _webhooks(path, notify.get("webhooks") or []), _email(path, notify.get("email")),
                    timezone)


def _job(path: Path, name: str, spec: dict, timezone) -> Job:
    where = f"{path}: job {name!r}"
    unknown = set(spec) - _JOB_KEYS
    if unknown:
        raise JobsFileError(f"{where}: unknown field(s) {sorted(unknown)} (known: {sorted(_JOB_KEYS)})")
    for required in ("site", "cron"):
        if not spec.get(required):
            raise JobsFileError(f"{where}: '{required}' is required")
    try:
        cron_trigger(spec["cron"], timezone)
    except ValueError as exc:
        raise JobsFileError(f"{where}: bad cron {spec['cron']!r}: {exc}") from None
    alerts = spec.get("alerts") or {}
    if set(alerts) - _ALERT_KEYS:
        raise JobsFileError(f"{where}: unknown alerts field(s) {sorted(set(alerts) - _ALERT_KEYS)}")
    try:
        return Job(name=name, site=str(spec["site"]), cron=str(spec["cron"]), base_url=spec.get("base_url"),
                   queries=_queries(spec), max_pages=_opt(spec.get("max_pages"), int),
                   enabled=bool(spec.get("enabled", True)), delay=_opt(spec.get("delay"), float),
                   login_state=spec.get("login_state"),
                   timeout_minutes=float(spec.get("timeout_minutes", 120)),
                   alerts=AlertRules(**{k: type(getattr(AlertRules, k))(v) for k, v in alerts.items()}))
    except (TypeError, ValueError) as exc:
        raise JobsFileError(f"{where}: {exc}") from None


def _opt(value, kind):
    return None if value is None else kind(value)


def _queries(spec: dict) -> list[str]:
    if spec.get("queries_from") == "rules":
        from crawler.queries import crawl_queries
        return crawl_queries(str(spec["site"]))
    if spec.get("queries_from"):
        raise ValueError(f"queries_from must be 'rules', not {spec['queries_from']!r}")
    queries = spec.get("queries") or []
    if isinstance(queries, str) or not all(isinstance(q, (str, int)) for q in queries):
        raise ValueError("queries must be a list of strings")
    return [str(q) for q in queries]


def _webhooks(path: Path, hooks) -> list[dict]:
    out = []
    for i, hook in enumerate(hooks):
        if not isinstance(hook, dict) or not str(hook.get("url", "")).startswith(("http://", "https://")):
            raise JobsFileError(f"{path}: notify.webhooks[{i}] needs an http(s) 'url'")
        kind = hook.get("kind", "json")
        if kind not in WEBHOOK_KINDS:
            raise JobsFileError(f"{path}: notify.webhooks[{i}]: kind must be one of {WEBHOOK_KINDS}, not {kind!r}")
        out.append({"name": str(hook.get("name") or f"webhook-{i + 1}"), "kind": kind, "url": hook["url"]})
    return out


def _email(path: Path, email) -> dict | None:
    if not email:
        return None
    missing = [k for k in ("host", "from", "to") if not email.get(k)]
    if missing:
        raise JobsFileError(f"{path}: notify.email needs {missing}")
    to = email["to"] if isinstance(email["to"], list) else [email["to"]]
    return {"name": "email", "host": str(email["host"]), "port": int(email.get("port", 25)),
            "starttls": bool(email.get("starttls", False)), "ssl": bool(email.get("ssl", False)),
            "username": email.get("username"), "password_env": email.get("password_env"),
            "from": str(email["from"]), "to": [str(t) for t in to]}
