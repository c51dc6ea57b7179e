"""A sweep's heartbeat row keeps the Prefect flow run it ran as, so the dashboard can link to it; run directly, none."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from flows.enforce_deadlines import SweepRequest, enforce_deadlines
from flows.review_reminders import ReviewReminderRequest, review_reminders
from models.escalation import SweepRun
from schedules.heartbeat import NODES, REVIEWS
from schedules.sweep import sweep
from tests import factories
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import morning, started_project


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_each_flow_run_sweep_keeps_its_run_id_and_a_direct_sweep_none(flow_db: Engine) -> None:
    with Session(flow_db, expire_on_commit=False) as session:
        started_project(session, programme=factories.lanzhou(session))
        session.commit()
    day = date(2023, 1, 16)
    enforce_deadlines(SweepRequest(as_of=day, now=morning(day)))
    review_reminders(ReviewReminderRequest(as_of=day, now=morning(day)))
    with Session(flow_db) as session:
        sweep(session, as_of=day, now=morning(day))  # the direct mode: `sanshe sweep --direct`, playing the year
        rows = session.exec(select(SweepRun).order_by(col(SweepRun.id))).all()
    with get_client(sync_client=True) as client:
        names = {
            str(run.id): run.name
            for run in client.read_flow_runs(
                flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"sweep-{day}", f"review-reminders-{day}"]))
            )
        }
    assert [(r.kind, names.get(r.flow_run_id or "")) for r in rows] == [
        (NODES, f"sweep-{day}"),
        (REVIEWS, f"review-reminders-{day}"),
        (NODES, None),
    ]
    assert rows[-1].flow_run_id is None
