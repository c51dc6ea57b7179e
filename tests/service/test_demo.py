"""`make run`'s demo data loads through the real rules, and a second run changes nothing."""

from sqlmodel import Session, select

from models.project import Project
from models.roles import Role
from service.auth import authenticate
from service.demo import DEMO_PASSWORD, seed_demo
from tests import factories
from tests.database_snapshot import row_counts


def test_demo_data_is_real_and_idempotent(session: Session) -> None:
    factories.lanzhou(session)
    assert seed_demo(session).startswith("已写入演示数据")
    states = sorted(session.exec(select(Project.state)).all())
    assert states == ["draft", "submitted"]
    coordinator = authenticate(session, username="coordinator", password=DEMO_PASSWORD)
    assert coordinator is not None and coordinator.role == Role.CITY_COORDINATOR
    organisation = authenticate(session, username="org1", password=DEMO_PASSWORD)
    assert organisation is not None and organisation.organisation_id is not None
    before = row_counts(session)
    assert seed_demo(session) == "演示数据已存在，跳过。"
    assert row_counts(session) == before
