"""The sweep as a real Prefect flow run: one run, a task per batch, a table artifact with a stable key."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterName,
    TaskRunFilter,
    TaskRunFilterFlowRunId,
)
from prefect.flow_engine import run_flow
from sqlalchemy import Engine
from sqlmodel import Session

from flows.enforce_deadlines import ARTIFACT_KEY, SweepReport, SweepRequest, enforce_deadlines
from tests import factories
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import escalations, morning, started_project


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_one_flow_run_per_sweep_with_artifact_and_tags(flow_db: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with Session(flow_db, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        casts = [
            started_project(session, programme=programme, district_name=d) for d in ("城关区", "城关区", "七里河区")
        ]
        session.commit()
        node_ids = {n.id for c in casts for n in factories.nodes(session, c.project)}
    day = date(2023, 1, 16)

    report = enforce_deadlines(SweepRequest(as_of=day, now=morning(day), batch_size=2))
    again = enforce_deadlines(SweepRequest(as_of=day, now=morning(day), batch_size=2))

    assert (report.due_nodes, report.batches) == (3, 2)
    progress = [r.getMessage() for r in caplog.records if "批完成" in r.getMessage()]
    # The first sweep finds every node 10 working days late: only the highest rung is told (catch-up policy).
    assert progress == [f"督办 {day}：第 1/2 批完成，已排队通知 2 条", f"督办 {day}：第 2/2 批完成，已排队通知 3 条"]
    assert report.claimed == {"城关区": {"late-10": 2}, "七里河区": {"late-10": 1}}
    assert report.notices == 3
    assert (again.due_nodes, again.claimed, again.notices) == (0, {}, 0)
    with Session(flow_db) as session:
        assert len(escalations(session, node_ids)) == 3  # type: ignore[arg-type]

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[f"sweep-{day}"])))
        first = min(runs, key=lambda r: r.created)  # type: ignore[arg-type, return-value]
        assert {"programme:lanzhou-2022", f"as_of:{day}"} <= set(first.tags)
        tasks = client.read_task_runs(
            task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[first.id]))
        )
        assert sum(t.name.startswith("claim_batch") for t in tasks) == 2
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[ARTIFACT_KEY])))
        table = next(a for a in artifacts if a.flow_run_id == first.id)
    rows = {row["区"]: row for row in _rows(table.data)}
    assert rows["城关区"]["新升级 late-10"] == 2 and rows["七里河区"]["新升级 late-10"] == 1
    assert rows["城关区"]["逾期未完成"] == 2 and rows["城关区"]["应完成"] == 2


def test_a_deployment_run_of_the_bare_flow_carries_programme_and_day(flow_db: Engine) -> None:
    """A worker runs the flow run a deployment created: no caller wraps it, the flow tags itself."""
    with Session(flow_db, expire_on_commit=False) as session:
        factories.lanzhou(session)
        started_project(session, district_name="城关区")
        session.commit()
    day = date(2023, 1, 16)
    request = {"as_of": None, "now": morning(day).isoformat(), "batch_size": 2}  # as the registry leaves as_of
    deployment_id = enforce_deadlines.to_deployment(
        name=f"sweep-test-{uuid4().hex[:8]}", parameters={"request": request}, tags=["sanshe", "job:enforce-deadlines"]
    ).apply()
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run_from_deployment(deployment_id)
    report = run_flow(enforce_deadlines, flow_run=flow_run)

    assert isinstance(report, SweepReport) and (report.as_of, report.due_nodes) == (day, 1)
    with get_client(sync_client=True) as client:
        finished = client.read_flow_run(flow_run.id)
    assert finished.deployment_id == deployment_id and finished.name == f"sweep-{day}"
    assert set(finished.tags) == {"sanshe", "job:enforce-deadlines", "programme:lanzhou-2022", f"as_of:{day}"}
    assert finished.state is not None and finished.state.is_completed()


def _rows(data: object) -> list[dict[str, object]]:
    import json

    return json.loads(data) if isinstance(data, str) else data  # type: ignore[return-value]
