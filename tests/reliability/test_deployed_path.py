"""The scale-out path as the README gives it: the registry deployed to a Prefect server and run by a process worker.

A deployed sweep, and the deployed dispatch its completion starts, run by the worker against one PostgreSQL schema,
claim the same rungs, leave the same outbox and send the same mails as the in-service runner
(`schedules.runner.run_job`: the sweep, then its follower) on a second schema holding the same data; the runs carry
the same tags on both paths.
"""

from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic, sleep
from typing import Any
from uuid import UUID

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterDeploymentId
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import Engine, make_url, select, text
from sqlmodel import Session, SQLModel

from models.dates import SHANGHAI
from models.escalation import EscalationClaim
from models.outbox import OutboxMessage, OutboxStatus
from models.programme import Programme
from models.region import Region
from schedules.registry import JOBS, TIMEZONE, job
from schedules.runner import run_job
from service.mail.catcher import CatcherProcess, list_caught_mail
from service.settings import get_settings
from tests import factories
from tests.conftest import BACKENDS, POSTGRES_URL, postgres_database
from tests.reliability.prefect_processes import (
    BIN,
    REPO_ROOT,
    LoggedProcess,
    clean_environment,
    run_command,
    start_prefect_server,
)
from tests.schedules.builders import started_project

pytestmark = [pytest.mark.postgres, pytest.mark.reliability]  # a long process run: make test-reliability

AS_OF = date(2023, 4, 28)  # supervision #1 fully escalated; #2, mid-term and mid-audit part way
NOW = datetime.combine(AS_OF, time(7, 0), tzinfo=SHANGHAI)
POOL = "sanshe-deployed-path"
SWEEP, DISPATCH = "enforce-deadlines", "dispatch-notifications"
RUN_TIMEOUT_SECONDS = 180


@pytest.fixture
def deployed_schema() -> Iterator[Engine]:
    if "postgres" not in BACKENDS:
        pytest.skip("PostgreSQL pass not selected")
    yield from postgres_database("sanshe_deployed")


@pytest.fixture
def in_service_schema() -> Iterator[Engine]:
    yield from postgres_database("sanshe_in_service")


def schema_url(engine: Engine) -> str:
    """The URL a process of its own (the worker's flow runs) needs to find this schema."""
    with engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def overdue_projects(engine: Engine) -> None:
    """A handful of Lanzhou projects in three districts, each with nodes late by AS_OF; every party has an address."""
    with Session(engine, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        city = session.get(Region, programme.region_id)
        assert city is not None
        city.contact_email = "coordinator@lanzhou.example.cn"  # the late-10 rung tells the city coordinator
        for district in ("城关区", "城关区", "七里河区", "西固区"):
            started_project(session, programme=programme, district_name=district)
        session.commit()


def copy_rows(source: Engine, target: Engine) -> None:
    """Every row of `source`'s schema into `target`'s, ids and sequences included: the same data twice."""
    with source.connect() as connection:
        source_schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    with target.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            connection.execute(
                text(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{source_schema}"."{table.name}"')
            )
            if "id" in table.columns and table.columns["id"].autoincrement is not False:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )


def claims_and_outbox(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The claimed rungs and the outbox rows, without what only the wall clock decides (sent_at, leases)."""
    with Session(engine) as session:
        claims = session.execute(
            select(
                EscalationClaim.entity_type,
                EscalationClaim.entity_id,
                EscalationClaim.rung_code,
                EscalationClaim.skipped,
                EscalationClaim.as_of,
                EscalationClaim.claimed_at,
            ).order_by(EscalationClaim.entity_type, EscalationClaim.entity_id, EscalationClaim.rung_code)
        ).all()
        outbox = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.template,
                OutboxMessage.entity_id,
                OutboxMessage.recipient_party,
                OutboxMessage.recipient_address,
                OutboxMessage.message_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.digest_key,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.last_error,
            ).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        ).all()
    return [tuple(row) for row in claims], [tuple(row) for row in outbox]


def caught(catcher: CatcherProcess) -> list[tuple[str, str, str]]:
    assert catcher.directory is not None
    return sorted((m.message_id, m.subject, m.to) for m in list_caught_mail(catcher.directory, limit=10_000))


def completed(flow_run: FlowRun, worker: LoggedProcess) -> FlowRun:
    assert flow_run.state is not None and flow_run.state.is_completed(), (
        f"{flow_run.name}: {flow_run.state}\nworker:\n{worker.output()}"
    )
    return flow_run


def followed_by_dispatch(deployment_id: UUID, worker: LoggedProcess) -> FlowRun:
    """The dispatch run the dispatcher's trigger starts once the deployed sweep has completed, when it is done."""
    deadline = monotonic() + RUN_TIMEOUT_SECONDS
    with get_client(sync_client=True) as client:
        while monotonic() < deadline:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]))
            )
            if len(runs) > 1:
                raise AssertionError(f"more than one dispatch after one sweep: {[r.name for r in runs]}")
            if runs and runs[0].state is not None and runs[0].state.is_final():
                return runs[0]
            sleep(1)
    raise AssertionError(f"no deployed dispatch completed after the sweep\nworker:\n{worker.output()}")


def in_service_run_tags(flow_name: str) -> set[str]:
    """The tags of the one run of `flow_name` that no deployment started: the in-service runner's."""
    with get_client(sync_client=True) as client:
        flow = client.read_flow_by_name(flow_name)
        runs = [r for r in client.read_flow_runs() if r.flow_id == flow.id and r.deployment_id is None]
    assert len(runs) == 1, [r.name for r in runs]
    return set(runs[0].tags)


def test_deployed_registry_claims_and_mails_as_the_in_service_runner(
    deployed_schema: Engine,
    in_service_schema: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Guards `schedules=[deployment_schedule(entry)]` in `service/cli/deadlines.deploy_command` (with an interval
    beside the schedule list, `sanshe deploy` stops at the dispatcher and the sweep's notices are never sent), its
    `triggers=deployment_triggers(entry)` (without it no dispatch follows the deployed sweep) and `tags(*entry.tags)`
    in `schedules.runner.run_job` (without it the in-service runs lack the deployment's tags)."""
    overdue_projects(deployed_schema)
    copy_rows(deployed_schema, in_service_schema)
    with Session(in_service_schema) as session:
        assert session.execute(select(Programme.code)).scalars().all() == ["lanzhou-2022"]

    logs = tmp_path / "logs"
    logs.mkdir()
    server, api_url = start_prefect_server(tmp_path / "prefect-home", logs)
    deployed_mail = CatcherProcess(tmp_path / "deployed-mail")
    in_service_mail = CatcherProcess(tmp_path / "in-service-mail")
    worker: LoggedProcess | None = None
    try:
        deployed_mail.start()
        in_service_mail.start()
        env = clean_environment(
            PREFECT_API_URL=api_url,
            PREFECT_HOME=str(tmp_path / "prefect-home"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_WORKER_QUERY_SECONDS="1",
            PREFECT_WORKER_PREFETCH_SECONDS="1",
            PYTHONPATH=str(REPO_ROOT),  # the flow runs import this checkout
            SANSHE_DATABASE_URL=schema_url(deployed_schema),
            SANSHE_FILES_DIR=str(tmp_path / "deployed-files"),
            SANSHE_SMTP_HOST=deployed_mail.host,
            SANSHE_SMTP_PORT=str(deployed_mail.port),
            SANSHE_SCHEDULER_ENABLED="false",
        )
        prefect, sanshe = str(BIN / "prefect"), str(BIN / "sanshe")
        run_command([prefect, "work-pool", "create", POOL, "--type", "process"], env, logs)
        worker = LoggedProcess("prefect-worker", [prefect, "worker", "start", "--pool", POOL], env, logs)
        run_command([prefect, "gcl", "create", "deadline-sweep", "--limit", "1"], env, logs)
        deployed = run_command([sanshe, "deploy", "--work-pool", POOL, "--source", str(REPO_ROOT)], env, logs)
        for entry in JOBS:
            assert f"已部署 {entry.id}（{entry.schedule_text()}" in deployed

        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            with get_client(sync_client=True) as client:
                deployments = {d.name: d for d in client.read_deployments()}
            assert set(deployments) == {entry.id for entry in JOBS}
            for entry in JOBS:
                deployment = deployments[entry.id]
                assert deployment.tags == list(entry.tags) and deployment.work_pool_name == POOL
                (schedule,) = [s.schedule for s in deployment.schedules]
                kept = (getattr(schedule, "cron", None), getattr(schedule, "interval", None))
                assert kept == (entry.cron, entry.interval) and schedule.timezone == TIMEZONE

            sweep_run = completed(
                run_deployment(
                    f"{SWEEP}/{SWEEP}",
                    parameters={"request": {"as_of": AS_OF.isoformat(), "now": NOW.isoformat()}},
                    timeout=RUN_TIMEOUT_SECONDS,
                ),
                worker,
            )
            dispatch_run = completed(followed_by_dispatch(deployments[DISPATCH].id, worker), worker)

            monkeypatch.setenv("SANSHE_DATABASE_URL", schema_url(in_service_schema))
            monkeypatch.setenv("SANSHE_FILES_DIR", str(tmp_path / "in-service-files"))
            monkeypatch.setenv("SANSHE_SMTP_HOST", in_service_mail.host)
            monkeypatch.setenv("SANSHE_SMTP_PORT", str(in_service_mail.port))
            get_settings.cache_clear()
            run_job(SWEEP, {"as_of": AS_OF, "now": NOW})  # then its follower, the dispatcher, as the service runs it

            assert set(sweep_run.tags) == in_service_run_tags(SWEEP)
            assert set(dispatch_run.tags) == in_service_run_tags(DISPATCH) == set(job(DISPATCH).tags)
    finally:
        get_settings.cache_clear()
        if worker is not None:
            worker.stop()
        deployed_mail.stop()
        in_service_mail.stop()
        server.stop()

    claims, outbox = claims_and_outbox(deployed_schema)
    assert claims and any(row[1] == "node_overdue" for row in outbox)  # the sweep claimed rungs and queued notices
    assert {row[8] for row in outbox} == {OutboxStatus.SENT}
    assert (claims, outbox) == claims_and_outbox(in_service_schema)
    mails = caught(deployed_mail)
    assert mails and mails == caught(in_service_mail)
