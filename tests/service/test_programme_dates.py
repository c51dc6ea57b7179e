"""A programme's changed dates re-plan its open nodes alike, whether the file comes over HTTP or the CLI."""

import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from models.audit import AuditEvent
from models.dates import SHANGHAI
from models.lifecycles import NODE
from models.migrate import fresh_database
from models.node import Node
from models.programme import Programme
from models.programme_loader import install_programme, parse_programme
from models.roles import Role
from service.app import create_app
from service.auth import create_access_token, create_user
from service.cli import app as cli
from service.settings import Settings, get_settings
from tests import factories
from tests.conftest import BACKENDS, postgres_database
from tests.processes import database_url
from tests.schedules.builders import started_project
from tests.service.api.builders import PASSWORD, FakeClock

NOW = datetime(2022, 12, 1, 9, tzinfo=SHANGHAI)
CODE = "dates-" + uuid.uuid4().hex[:8]
IMPLEMENTATION = "implementation: {start: 2022-09-27, end: 2023-09-27}"
LATER_END = "implementation: {start: 2022-09-27, end: 2023-11-27}"

Moves = list[tuple[int, str, str]]  # (node id, from due, to due)


def programme_file(implementation: str) -> str:
    source = (factories.PROGRAMMES / "lanzhou-2022.yaml").read_text(encoding="utf-8")
    assert "code: lanzhou-2022" in source and IMPLEMENTATION in source
    return source.replace("code: lanzhou-2022", f"code: {CODE}").replace(IMPLEMENTATION, implementation)


@pytest.fixture(params=BACKENDS)
def twin_databases(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, Engine]]:
    """Two fresh databases of the backend, each with the programme and one project in implementation."""
    with ExitStack() as stack:
        engines = []
        for _ in range(2):
            if request.param == "postgres":
                engine = stack.enter_context(contextmanager(postgres_database)("sanshe_dates"))
            else:
                engine = stack.enter_context(fresh_database("sqlite", prefix="sanshe-dates"))
            with Session(engine, expire_on_commit=False) as session:
                spec = parse_programme(programme_file(IMPLEMENTATION), filename=f"{CODE}.yaml")
                started_project(session, programme=install_programme(session, spec, now=factories.DECLARATION_DAY))
                session.commit()
            engines.append(engine)
        yield engines[0], engines[1]


def moved_nodes(engine: Engine) -> Moves:
    """Each node's re-planning as its audit trail records it, checked against the node's due date now."""
    with Session(engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == NODE.name, AuditEvent.event == "replan")
            .order_by(AuditEvent.entity_id)  # type: ignore[arg-type]
        ).all()
        moves = [(e.entity_id, e.details["from_due"], e.details["to_due"]) for e in events]
        for node_id, _, to_due in moves:
            node = session.get(Node, node_id)
            assert node is not None and node.due_date.isoformat() == to_due
    return moves


def load_over_http(engine: Engine, source: str, files_dir: Path) -> dict[str, Any]:
    """`POST /api/v1/programmes` as the programme's city coordinator."""
    settings = Settings(secret_key="test-" + uuid.uuid4().hex, files_dir=files_dir, scheduler_enabled=False)
    with Session(engine, expire_on_commit=False) as session:
        programme = session.exec(select(Programme).where(Programme.code == CODE)).one()
        coordinator = create_user(
            session,
            username="coordinator",
            password=PASSWORD,
            role=Role.CITY_COORDINATOR,
            now=NOW,
            region_id=programme.region_id,
        )
        session.commit()
        token = create_access_token(coordinator, settings=settings, now=NOW)
    with TestClient(create_app(settings=settings, engine=engine, clock=FakeClock(NOW))) as client:
        answer = client.post(
            "/api/v1/programmes",
            headers={"Authorization": f"Bearer {token}"},
            files={"file": (f"{CODE}.yaml", source.encode(), "application/yaml")},
        )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def load_with_cli(engine: Engine, path: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`sanshe load-programme PATH` against this database, found by its URL as in production."""
    monkeypatch.setenv("SANSHE_DATABASE_URL", database_url(engine))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, ["load-programme", str(path)])
    finally:
        get_settings.cache_clear()


def test_changing_the_implementation_end_moves_the_same_nodes_through_http_and_cli(
    twin_databases: tuple[Engine, Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    over_http, over_cli = twin_databases
    changed = programme_file(LATER_END)
    body = load_over_http(over_http, changed, tmp_path / "files")
    path = tmp_path / f"{CODE}.yaml"
    path.write_text(changed, encoding="utf-8")
    printed = load_with_cli(over_cli, path, monkeypatch)
    assert printed.exit_code == 0, printed.output

    through_http, through_cli = moved_nodes(over_http), moved_nodes(over_cli)
    assert through_http == through_cli
    assert len(through_http) >= 2  # at least the mid-term report and its audit follow the new midpoint
    assert body["dates_changed"] is True and body["replanned_nodes"] == len(through_http)
    assert sorted((m["node_id"], m["from_due"], m["to_due"]) for m in body["moves"]) == through_http
    assert f"批次日期已调整，重新排定 {len(through_cli)} 个未完成节点。" in printed.output
    assert body["code"] == CODE and f"已载入：{body['name']}（{CODE}）" in printed.output
    assert f"已校验 {CODE}.yaml" in printed.output and "正在重新排定实施中项目的未完成节点" in printed.output


def test_the_cli_refuses_a_malformed_programme_file_with_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(programme_file(IMPLEMENTATION).replace("year: 2022", "year: 二〇二二"), encoding="utf-8")
    with fresh_database("sqlite", prefix="sanshe-broken") as engine:
        printed = load_with_cli(engine, path, monkeypatch)
        with Session(engine) as session:
            assert session.exec(select(Programme).where(Programme.code == CODE)).first() is None
    assert printed.exit_code == 2
    assert "载入失败：" in printed.output and "broken.yaml 第" in printed.output and "字段 year" in printed.output
