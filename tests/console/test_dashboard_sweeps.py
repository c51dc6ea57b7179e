"""项目总览's recent sweeps: each links to the Prefect flow run it ran as, or says it ran directly."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session

from models.roles import Role
from schedules.heartbeat import NODES, REVIEWS, record_sweep
from service.auth import create_access_token
from service.console.session import SESSION_COOKIE
from tests.service.api.builders import api_on, side

LATER = datetime(2031, 1, 1, tzinfo=UTC)  # newer than any other test's heartbeat in the shared database


def test_a_flow_run_sweep_links_to_its_run_and_a_direct_one_says_so(session: Session, tmp_path: Path) -> None:
    coordinator = side(session).users[Role.CITY_COORDINATOR]
    run_id = str(uuid.uuid4())
    record_sweep(
        session, kind=NODES, as_of=date(2030, 12, 31), ran_at=LATER, due=4, claimed=3, notices=5, flow_run_id=run_id
    )
    record_sweep(
        session, kind=REVIEWS, as_of=date(2030, 12, 30), ran_at=LATER.replace(hour=1), due=0, claimed=1, notices=1
    )
    session.commit()
    with api_on(
        session.connection(),
        tmp_path / "files",
        LATER,
        prefect_api_url="http://127.0.0.1:4200/api",
    ) as api:
        api.client.cookies.set(SESSION_COOKIE, create_access_token(coordinator, settings=api.settings, now=api.clock()))
        page = api.client.get("/console/dashboard")
    assert page.status_code == 200, page.text
    table = page.text.split('id="recent-sweeps"')[1].split("</section>")[0]
    rows = table.split("<tr>")[2:]  # after the header row: newest first
    assert "评审催办" in rows[0] and "直接运行" in rows[0] and "<a " not in rows[0]
    assert "节点督办" in rows[1] and "2030年12月31日" in rows[1]
    assert f'href="http://127.0.0.1:4200/runs/flow-run/{run_id}"' in rows[1]
