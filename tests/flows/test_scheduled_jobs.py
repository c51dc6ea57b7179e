"""The in-service scheduler runs each job's flow, the one its deployment names, sync or async alike."""

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterName,
    FlowRunFilterStartTime,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from sqlalchemy import Engine
from sqlmodel import Session

from flows.dispatch_notifications import DispatchSummary
from flows.review_reminders import ReviewReminderReport
from schedules.heartbeat import REVIEWS, last_sweep
from schedules.registry import job
from schedules.runner import DISPATCH_JOB, run_job
from service.mail.catcher import free_port
from service.settings import get_settings
from tests.flows.deadline_db import fresh_flow_database
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import address, sweep_row

SLOW_DATA_SECONDS = 3.0  # long enough for a review sweep and its follower to start while the mail is still going


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


class SlowDataHandler:
    """A mail server that takes its time to accept a message, and says when one has begun to arrive."""

    def __init__(self) -> None:
        self.receiving = threading.Event()

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.receiving.set()
        await asyncio.sleep(SLOW_DATA_SECONDS)
        return "250 2.0.0 OK: accepted slowly"


@pytest.fixture
def slow_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlowDataHandler]:
    handler = SlowDataHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("SANSHE_SMTP_PORT", str(controller.port))
    get_settings.cache_clear()
    yield handler
    controller.stop()
    get_settings.cache_clear()


def dispatch_runs(since: datetime) -> list[FlowRun]:
    """The dispatcher's runs started since `since`, earliest first, as the Prefect server recorded them."""
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                start_time=FlowRunFilterStartTime(after_=since),
                tags=FlowRunFilterTags(all_=list(job(DISPATCH_JOB).tags)),
            ),
            sort=FlowRunSort.START_TIME_ASC,
        )


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
    assert set(job("review-reminders").tags) <= set(named[-1].tags)  # the tags its deployment's runs carry
    with Session(flow_db) as session:
        heartbeat = last_sweep(session, REVIEWS)
    assert heartbeat is not None and heartbeat.as_of == reminders.as_of and heartbeat.notices == 0


def test_a_sweeps_dispatch_waits_for_the_dispatch_under_way(flow_db: Engine, slow_smtp: SlowDataHandler) -> None:
    """Guards `with JOB_LOCKS[entry.id]` in `schedules.runner.run_job`: without it the dispatch that follows a sweep
    runs beside the 5-minute dispatch still sending (outside APScheduler's one-instance rule), and the two overlap."""
    with Session(flow_db) as session:
        sweep_row(
            session,
            template="node_overdue",
            address=address(),
            digest_key=None,
            now=IMPLEMENTATION_DAY,
            project_id=1,
            project_title="项目1",
            node_title="季度报告",
        )
        session.commit()
    since = datetime.now(UTC)
    scheduled = threading.Thread(target=run_job, args=[DISPATCH_JOB])  # as APScheduler's thread pool runs it
    scheduled.start()
    try:
        assert slow_smtp.receiving.wait(30), "the scheduled dispatch never began to send"
        run_job("review-reminders")  # a sweep, then its follower: the dispatcher again
    finally:
        scheduled.join(60)

    first, second = dispatch_runs(since)
    assert first.state is not None and first.state.is_completed()
    assert second.state is not None and second.state.is_completed()
    assert first.end_time is not None and second.start_time is not None
    assert second.start_time >= first.end_time, "two dispatch runs overlapped in one service"
