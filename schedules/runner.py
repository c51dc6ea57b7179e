"""The default runner: APScheduler inside the service, its jobs kept in the service's own database.

Each job runs its flow, the very one a deployment would run, against the Prefect server (PREFECT_API_URL),
so every run shows in the UI, with the tags its deployment gives it. Two runs of one job never overlap in a
service: APScheduler keeps one instance of each scheduled job, and a per-job lock makes a follower (the dispatch
after a sweep) or a catch-up wait for a run of the same job already under way.
"""

import asyncio
import importlib
import inspect
import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from models.dates import shanghai_date
from schedules.registry import JOBS, TIMEZONE, Job, job

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"
MISFIRE_GRACE_SECONDS = 6 * 3600  # a service down at 07:00 still sweeps when it is back before 13:00
DISPATCH_JOB = "dispatch-notifications"
CATCH_UP_JOB = "clock-catch-up"
CATCH_UP_EXECUTOR = "clock-catch-up"  # one worker: each batch waits for the one before it
# One lock per job, made here once: APScheduler's one-instance rule knows only the runs it starts itself.
JOB_LOCKS = {entry.id: threading.Lock() for entry in JOBS}


def job_flow(entry: Job) -> Any:
    """The flow a job's entrypoint names, imported as a worker would load it for the job's deployment."""
    path, flow_name = entry.entrypoint.split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), flow_name)


def run_job(job_id: str, request: dict[str, Any] | None = None, *, followers: bool = True) -> Any:
    """Called by APScheduler in its thread pool (a sync flow must not block the event loop).

    `request` adds to the registry's parameters (a catch-up's `as_of` and `since`). A run of the same job already
    under way in this service (the 5-minute dispatch when a sweep's follower starts) is waited for, not joined."""
    from prefect import tags  # here, not at import: the API imports this module and must start without Prefect

    entry = job(job_id)
    flow = job_flow(entry)
    request_type = flow.__annotations__["request"]
    with JOB_LOCKS[entry.id], tags(*entry.tags):
        log.info("running scheduled job %s", job_id)
        result = flow(request_type(**{**entry.parameters.get("request", {}), **(request or {})}))
        if inspect.iscoroutine(result):  # an async flow (the dispatcher): this thread has no event loop of its own
            result = asyncio.run(result)
    for follower in entry.followed_by if followers else ():  # this job's lock released: each takes its own
        run_job(follower)
    return result


@dataclass(frozen=True)
class CatchUp:
    """One run of a job that the simulated clock passed: as of the last day it would have run."""

    job_id: str
    description: str
    as_of: date
    since: date | None  # "span" jobs: the day the clock was set forward from

    def request(self) -> dict[str, Any]:
        return {"as_of": self.as_of} | ({} if self.since is None else {"since": self.since})


def catch_ups(after: datetime, until: datetime) -> list[CatchUp]:
    """The dated jobs (in registry order) that would have run after `after` up to `until`, once each.

    Interval jobs (the dispatcher) are not listed: `run_catch_ups` dispatches once at the end."""
    found = []
    for entry in JOBS:
        if entry.cron is None:
            continue
        trigger, last, fire = trigger_of(entry), None, None
        fire = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        while fire is not None and fire <= until:
            last, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        if last is not None:
            since = shanghai_date(after) if entry.catch_up == "span" else None
            found.append(CatchUp(entry.id, entry.description, shanghai_date(last), since))
    return found


def run_catch_ups(runs: list[CatchUp]) -> None:
    """The passed runs one after another (sweeps before bulletins), then one dispatch of every notice they queued."""
    for run in runs:
        run_job(run.job_id, run.request(), followers=False)
    if runs:
        run_job(DISPATCH_JOB)


def start_catch_ups(scheduler: BaseScheduler, runs: list[CatchUp]) -> None:
    """Hand the passed runs to the running scheduler: they start at once, one batch at a time.

    Each batch is a job of its own on a one-worker executor, so that a clock set forward again while a batch still
    runs queues its batch behind it (one job id with `max_instances=1` would skip it)."""
    scheduler.add_job(
        run_catch_ups,
        args=[runs],
        id=f"{CATCH_UP_JOB}-{uuid.uuid4().hex}",
        name="模拟时钟拨快后补跑定时任务",
        executor=CATCH_UP_EXECUTOR,
        next_run_time=datetime.now(ZoneInfo(TIMEZONE)),
        misfire_grace_time=None,
    )


def trigger_of(entry: Job) -> CronTrigger | IntervalTrigger:
    if entry.cron is not None:
        return CronTrigger.from_crontab(entry.cron, timezone=ZoneInfo(TIMEZONE))
    assert entry.interval is not None
    return IntervalTrigger(seconds=entry.interval.total_seconds(), timezone=ZoneInfo(TIMEZONE))


def start_scheduler(settings: Any, engine: Engine) -> BackgroundScheduler:
    """Start the registry's jobs; coalesced, one instance at a time, with misfire grace. Stop with shutdown()."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(), CATCH_UP_EXECUTOR: ThreadPoolExecutor(max_workers=1)},
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
