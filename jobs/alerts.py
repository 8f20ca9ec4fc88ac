"""Decide what a finished run should alert about, send it to every channel, remember what was sent."""

from __future__ import annotations

import logging

from findings.records import utcnow

from jobs.config import Job, JobsFile
from jobs.notify import Alert, DeliveryError, deliver
from jobs.runner import RunResult

logger = logging.getLogger(__name__)
FINDINGS_PER_MESSAGE = 20  # longer digests are split; each finding is in exactly one message


def _platform(job: Job) -> str | None:
    from crawler.profiles import ProfileError, load_profile
    try:
        return load_profile(job.site, base_url=job.base_url).platform
    except ProfileError:  # the run has already failed (and is alerted) for this reason
        return None


def run_findings(db, job: Job, run_id: int) -> list[dict]:
    """Listings this run saw that the classifier flags at or above the job's min_score."""
    started = db.execute("SELECT started_at FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
    platform = _platform(job)
    if not started or platform is None:
        return []
    rows = db.execute(
        "SELECT l.platform, l.listing_id, l.title, l.url, l.price_text, c.score, c.category"
        " FROM listings l JOIN classifications c ON c.id = (SELECT max(id) FROM classifications"
        "  WHERE listing_ref = l.id)"
        " WHERE l.platform = ? AND l.last_seen_at >= ? AND l.status != 'removed' AND c.label = 1"
        " AND c.score >= ? ORDER BY c.score DESC, l.id",
        (platform, started[0], job.alerts.min_score)).fetchall()
    keys = ("platform", "listing_id", "title", "url", "price", "score", "category")
    return [dict(zip(keys, row), key=f"finding:{row[0]}:{row[1]}") for row in rows]


def _finding_alerts(job: Job, run_id: int, findings: list[dict]) -> list[Alert]:
    alerts = []
    for start in range(0, len(findings), FINDINGS_PER_MESSAGE):
        chunk = findings[start:start + FINDINGS_PER_MESSAGE]
        part = f" ({start + 1}-{start + len(chunk)} of {len(findings)})" if len(findings) > len(chunk) else ""
        lines = [f"- [{f['score']:.2f}] {f['title'][:120]} — {f['platform']}:{f['listing_id']} {f['url']}"
                 for f in chunk]
        alerts.append(Alert(key=chunk[0]["key"], kind="finding", job=job.name, run_id=run_id,
                            title=f"facetrade: {len(findings)} new finding(s) from job {job.name}{part}",
                            lines=lines, keys=[f["key"] for f in chunk], data={"findings": chunk}))
    return alerts


def _run_alert(job: Job, result: RunResult) -> Alert | None:
    if result.run_id is None:
        return None
    if result.status == "blocked" and job.alerts.on_blocked:
        title = f"facetrade: job {job.name} was BLOCKED by {job.site} (run {result.run_id})"
        lines = [f"reason: {result.message or 'unknown'}",
                 "the crawl stopped at once; the next run resumes where it stopped — slow the job down "
                 "or refresh its login state if this repeats"]
    elif result.status == "failed" and job.alerts.on_failure:
        title = f"facetrade: job {job.name} FAILED (run {result.run_id})"
        lines = [result.message or "see `facetrade jobs history` and the scheduler log"]
    else:
        return None
    key = f"run:{result.run_id}:{result.status}"
    return Alert(key=key, kind=result.status, job=job.name, run_id=result.run_id, title=title, lines=lines,
                 keys=[key], data={"status": result.status, "site": job.site})


def _already_sent(db, channel: str, keys: list[str]) -> set[str]:
    sent = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        sent.update(k for (k,) in db.execute(
            f"SELECT key FROM job_alerts WHERE channel = ? AND key IN ({marks})", [channel, *chunk]))
    return sent


def _record(db, channel: str, alert: Alert) -> None:
    with db.conn:
        db.conn.executemany(
            "INSERT OR IGNORE INTO job_alerts (key, channel, kind, job, run_ref, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(key, channel, alert.kind, alert.job, alert.run_id, utcnow()) for key in alert.keys])


def send_alerts(db, jobs: JobsFile, job: Job, result: RunResult) -> int:
    """Alert every channel about this run once; return the number of messages delivered."""
    channels = [*jobs.webhooks, *([jobs.email] if jobs.email else [])]
    if not channels or result.run_id is None:
        return 0
    findings = run_findings(db, job, result.run_id) if result.status in ("ok", "blocked", "interrupted") else []
    run_alert = _run_alert(job, result)
    sent = 0
    for channel in channels:
        done = _already_sent(db, channel["name"], [f["key"] for f in findings] + ([run_alert.key] if run_alert else []))
        waiting = [f for f in findings if f["key"] not in done]
        alerts = _finding_alerts(job, result.run_id, waiting) if len(waiting) >= max(job.alerts.min_new, 1) else []
        if run_alert and run_alert.key not in done:
            alerts.insert(0, run_alert)
        for alert in alerts:
            try:
                deliver(channel, alert)
            except DeliveryError as exc:
                logger.error("job %s: alert not delivered (retried after the next run): %s", job.name, exc)
                break
            _record(db, channel["name"], alert)
            sent += 1
    if sent:
        logger.info("job %s: %s alert message(s) delivered", job.name, sent)
    return sent
