"""Run the jobs on their cron schedule in the foreground (APScheduler), one run per job at a time."""

from __future__ import annotations

import logging
import signal
import time

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.alerts import send_alerts
from jobs.config import Job, JobsFile
from findings.db import open_db
from jobs.runner import JobRunner, RunResult

logger = logging.getLogger(__name__)


def run_and_alert(runner: JobRunner, jobs: JobsFile, job: Job) -> RunResult:
    """One run of a job, then its alerts; never raises, so the scheduler keeps going."""
    runner.busy.add(job.name)
    try:
        result = runner.run(job)
        if result.status != "skipped":
            _alert(runner, jobs, job, result)
        return result
    except Exception:  # a broken job must not take the scheduler down with it
        logger.exception("job %s: the run itself failed", job.name)
        return RunResult(job.name, "failed", message="scheduler error; see the log")
    finally:
        runner.busy.discard(job.name)


def _alert(runner: JobRunner, jobs: JobsFile, job: Job, result: RunResult) -> None:
    db = open_db(runner.db_path)
    try:
        send_alerts(db, jobs, job, result)
    except Exception:
        logger.exception("job %s: sending alerts failed", job.name)
    finally:
        db.conn.close()


def _log_event(event) -> None:
    if event.code == EVENT_JOB_MAX_INSTANCES:
        logger.warning("job %s: still running at its next start time; this start is skipped", event.job_id)
    elif event.code == EVENT_JOB_MISSED:
        logger.warning("job %s: start time %s missed", event.job_id, event.scheduled_run_time)
    elif event.code == EVENT_JOB_ERROR:
        logger.error("job %s: %s", event.job_id, event.exception)


def build_scheduler(jobs: JobsFile, runner: JobRunner) -> BlockingScheduler:
    enabled = [job for job in jobs.jobs.values() if job.enabled]
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=max(len(enabled), 1))},
        # max_instances=1: a job still running at its next start time is not started again;
        # coalesce: several missed start times (machine asleep) make one run, not a burst.
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": 300},
        timezone=jobs.timezone or None)
    for job in enabled:
        scheduler.add_job(run_and_alert, trigger=job.trigger(jobs.timezone), args=(runner, jobs, job),
                          id=job.name, name=job.name)
    scheduler.add_listener(_log_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    return scheduler


def serve(jobs: JobsFile, db_path) -> None:
    """Run until SIGTERM/SIGINT; then stop the running crawls cleanly and wait for them."""
    runner = JobRunner(db_path)
    open_db(db_path).conn.close()  # migrate now, not inside the first runs
    scheduler = build_scheduler(jobs, runner)

    def stop(signum, frame):
        logger.warning("%s: stopping — running crawls are asked to finish their pages",
                       signal.Signals(signum).name)
        runner.stop_all()
        if scheduler.running:
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for job in scheduler.get_jobs():
        logger.info("job %s scheduled (%s); first run %s", job.id, jobs.jobs[job.id].cron,
                       job.trigger.get_next_fire_time(None, _now(jobs)))
    if not scheduler.get_jobs():
        logger.warning("no enabled jobs in %s: nothing to do", jobs.path)
        return
    scheduler.start()  # blocks until stop()
    while runner.busy:  # let the stopped crawls record their runs and send their alerts
        time.sleep(0.2)
    logger.info("scheduler stopped")


def _now(jobs: JobsFile):
    import datetime

    from apscheduler.util import astimezone
    from tzlocal import get_localzone
    tz = astimezone(jobs.timezone) if jobs.timezone else get_localzone()
    return datetime.datetime.now(tz)
