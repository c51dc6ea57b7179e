"""The in-service scheduler keeps the registry's jobs in the database; the heartbeat reports a stale sweep."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlmodel import Session

from models.database import make_engine
from models.dates import SHANGHAI
from schedules.heartbeat import last_sweep, sweep_is_stale
from schedules.registry import JOBS, TIMEZONE, Job, deployment_schedule, deployment_triggers, job, leaders
from schedules.runner import JOB_TABLE, job_flow, start_scheduler
from schedules.sweep import sweep
from service.settings import Settings


def test_scheduler_persists_registry_jobs_in_shanghai_time(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'jobs.db'}")
    scheduler = start_scheduler(Settings(), engine)
    try:
        jobs = {j.id: j for j in scheduler.get_jobs()}
        assert set(jobs) == {j.id for j in JOBS}
        sweep_job = jobs["enforce-deadlines"]
        assert sweep_job.next_run_time.utcoffset() == timedelta(hours=8)
        assert (sweep_job.next_run_time.hour, sweep_job.next_run_time.minute) == (7, 0)
        assert sweep_job.coalesce and sweep_job.max_instances == 1 and sweep_job.misfire_grace_time >= 3600
    finally:
        scheduler.shutdown(wait=False)
    assert JOB_TABLE in inspect(engine).get_table_names()
    again = start_scheduler(Settings(), engine)  # a restart finds its jobs and replaces them, no duplicates
    try:
        assert len(again.get_jobs()) == len(JOBS)
    finally:
        again.shutdown(wait=False)
        engine.dispose()


def test_heartbeat_after_a_sweep(session: Session) -> None:
    ran_at = datetime(2031, 3, 2, 7, 0, tzinfo=SHANGHAI)  # later than any other test's sweep
    sweep(session, as_of=date(2031, 3, 2), now=ran_at)
    info = last_sweep(session)
    assert info is not None and info.ran_at == ran_at and info.as_of == date(2031, 3, 2)
    assert not sweep_is_stale(info, ran_at + timedelta(hours=20))
    assert sweep_is_stale(info, ran_at + timedelta(hours=27))
    assert sweep_is_stale(None, ran_at)


def test_each_job_runs_the_flow_its_deployment_names() -> None:
    from prefect import Flow

    for entry in JOBS:
        flow = job_flow(entry)
        assert isinstance(flow, Flow) and flow.name == entry.id
        assert "request" in flow.__annotations__  # the job's parameters are the flow's request model


def test_every_sweep_is_followed_by_the_dispatcher() -> None:
    ids = {j.id for j in JOBS}
    assert all(set(j.followed_by) <= ids for j in JOBS)
    assert job("enforce-deadlines").followed_by == ("dispatch-notifications",)
    assert job("dispatch-notifications").interval_minutes == 5


def test_each_deployment_runs_on_its_jobs_schedule_in_shanghai_time() -> None:
    for entry in JOBS:
        schedule = deployment_schedule(entry)  # what `sanshe deploy` registers
        assert (schedule.cron, schedule.interval, schedule.timezone) == (entry.cron, entry.interval, TIMEZONE)
    assert job("dispatch-notifications").interval == timedelta(minutes=5)
    assert job("enforce-deadlines").tags == ("sanshe", "job:enforce-deadlines")
    dispatcher = job("dispatch-notifications")  # deployed, it follows the same jobs it follows in the service
    assert leaders(dispatcher) == ("enforce-deadlines", "review-reminders", "publish-quarterly-bulletins")
    (trigger,) = deployment_triggers(dispatcher)
    assert trigger.expect == {"prefect.flow-run.Completed"}
    assert all(deployment_triggers(entry) == [] for entry in JOBS if entry is not dispatcher)


def test_a_job_runs_by_cron_or_by_interval_never_both() -> None:
    """Guards `Job.__post_init__`: a job with both (or neither) has no one schedule to deploy or to trigger."""
    with pytest.raises(ValueError, match="exactly one"):
        Job(id="both", entrypoint="flows/x.py:x", cron="0 7 * * *", interval_minutes=5)
    with pytest.raises(ValueError, match="exactly one"):
        Job(id="neither", entrypoint="flows/x.py:x")
