"""The in-service scheduler runs each job's flow, the one its deployment names, sync or async alike."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from sqlalchemy import Engine
from sqlmodel import Session

from flows.dispatch_notifications import DispatchSummary
from flows.review_reminders import ReviewReminderReport
from schedules.heartbeat import REVIEWS, last_sweep
from schedules.runner import run_job
from tests.flows.deadline_db import fresh_flow_database


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_scheduled_jobs_run_their_flows(flow_db: Engine) -> None:
    reminders = run_job("review-reminders")  # then its follower, the dispatcher: nothing is due
    dispatched = run_job("dispatch-notifications")  # an async flow, run from the scheduler's thread

    assert isinstance(reminders, ReviewReminderReport) and reminders.claimed == {}
    assert isinstance(dispatched, DispatchSummary) and dispatched.batches == 0
    with get_client(sync_client=True) as client:  # the registry leaves as_of empty: the run is named by today
        named = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"review-reminders-{reminders.as_of}"]))
        )
    assert named
    with Session(flow_db) as session:
        heartbeat = last_sweep(session, REVIEWS)
    assert heartbeat is not None and heartbeat.as_of == reminders.as_of and heartbeat.notices == 0
