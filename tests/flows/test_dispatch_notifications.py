"""The dispatch flow against the Prefect test server and a real SMTP server in another process."""

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey
from sqlalchemy import Engine
from sqlmodel import Session, select

from flows.dispatch_notifications import ARTIFACT_KEY, DispatchRequest, DispatchSummary, dispatch_notifications
from models.outbox import OutboxMessage, OutboxStatus
from service.mail.catcher import CatcherProcess, free_port
from service.settings import get_settings
from tests.flows.deadline_db import fresh_flow_database
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import address, caught, sweep_row

REFUSED = "refused@example.cn"


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


async def run_flow(request: DispatchRequest) -> tuple[DispatchSummary, list[dict[str, Any]]]:
    """One flow run, then the table artifact that run published under the stable key."""
    state = await dispatch_notifications(request, return_state=True)
    summary = await state.result()  # type: ignore[misc]
    assert isinstance(summary, DispatchSummary)
    flow_run_id: UUID = state.state_details.flow_run_id  # type: ignore[assignment]
    async with get_client() as client:
        (artifact,) = await client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=[ARTIFACT_KEY]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
            )
        )
    data = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    assert isinstance(data, list)
    return summary, data


def test_flow_sends_due_notices_and_publishes_counts(
    flow_db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = IMPLEMENTATION_DAY
    with Session(flow_db) as session:
        good = [
            sweep_row(
                session,
                template="node_overdue",
                address=address(),
                digest_key=None,
                now=now,
                project_id=i,
                project_title=f"项目{i}",
                node_title="季度报告",
            )
            for i in range(5)
        ]
        refused = sweep_row(session, template="node_overdue", address=REFUSED, digest_key=None, now=now)
        session.commit()
        ids = [r.id for r in [*good, refused]]
        message_ids = {r.message_id for r in good}
    with CatcherProcess(tmp_path / "caught", refuse=[REFUSED]) as catcher:
        monkeypatch.setenv("SANSHE_SMTP_PORT", str(catcher.port))
        get_settings.cache_clear()
        summary, table = asyncio.run(run_flow(DispatchRequest(now=now + timedelta(minutes=1), batch_size=2)))
        assert len(caught(catcher, message_ids)) == 5

    assert (summary.sent, summary.retried, summary.failed, summary.batches) == (5, 0, 1, 3)
    assert [row["通知数"] for row in table] == [5, 0, 1, 0]
    with Session(flow_db) as session:
        statuses = session.exec(select(OutboxMessage.status).where(OutboxMessage.id.in_(ids))).all()  # type: ignore[union-attr]
    assert sorted(statuses) == sorted([OutboxStatus.SENT] * 5 + [OutboxStatus.FAILED])


def test_flow_against_an_unreachable_server_keeps_every_notice_and_its_attempts(
    flow_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards record()'s unreachable branch as the flow meets it: the run stops, the rows wait untouched."""
    now = IMPLEMENTATION_DAY
    with Session(flow_db) as session:
        made = [
            sweep_row(session, template="node_overdue", address=address(), digest_key=None, now=now) for _ in range(3)
        ]
        session.commit()
        ids = [r.id for r in made]
    monkeypatch.setenv("SANSHE_SMTP_PORT", str(free_port()))  # nothing listens there
    get_settings.cache_clear()

    summary, table = asyncio.run(run_flow(DispatchRequest(now=now + timedelta(minutes=1))))

    assert summary.unreachable and (summary.sent, summary.retried, summary.waiting) == (0, 0, 3)
    assert [row["通知数"] for row in table] == [0, 0, 0, 3]
    with Session(flow_db) as session:
        found = session.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()  # type: ignore[union-attr]
    assert {(r.status, r.attempts) for r in found} == {(OutboxStatus.PENDING, 0)}
