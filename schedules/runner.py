"""The default runner: APScheduler inside the service, its jobs kept in the service's own database.

Each job runs its flow, the very one a deployment would run, against the Prefect server (PREFECT_API_URL),
so every run shows in the UI.
"""

import asyncio
import importlib
import inspect
import logging
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from schedules.registry import JOBS, TIMEZONE, Job, job

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 6 * 3600  # a service down at 07:00 still sweeps when it is back before 13:00


def job_flow(entry: Job) -> Any:
    """The flow a job's entrypoint names, imported as a worker would load it for the job's deployment."""
    path, flow_name = entry.entrypoint.split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), flow_name)


def run_job(job_id: str) -> Any:
    """Called by APScheduler in its thread pool (a sync flow must not block the event loop)."""
    entry = job(job_id)
    flow = job_flow(entry)
    request_type = flow.__annotations__["request"]
    log.info("running scheduled job %s", job_id)
    result = flow(request_type(**entry.parameters.get("request", {})))
    if inspect.iscoroutine(result):  # an async flow (the dispatcher): this thread has no event loop of its own
        result = asyncio.run(result)
    for follower in entry.followed_by:
        run_job(follower)
    return result


def trigger_of(entry: Job) -> CronTrigger | IntervalTrigger:
    if entry.cron is not None:
        return CronTrigger.from_crontab(entry.cron, timezone=ZoneInfo(TIMEZONE))
    assert entry.interval_minutes is not None, f"{entry.id}: a job needs cron or interval_minutes"
    return IntervalTrigger(minutes=entry.interval_minutes, timezone=ZoneInfo(TIMEZONE))


def start_scheduler(settings: Any, engine: Engine) -> BackgroundScheduler:
    """Start the registry's jobs; coalesced, one instance at a time, with misfire grace. Stop with shutdown()."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
        timezone=ZoneInfo(TIMEZONE),
    )
    for entry in JOBS:
        scheduler.add_job(
            run_job,
            trigger=trigger_of(entry),
            args=[entry.id],
            id=entry.id,
            name=entry.description,
            replace_existing=True,
        )
    scheduler.start()
    log.info("scheduler started with %d jobs (settings: %s)", len(JOBS), type(settings).__name__)
    return scheduler
