"""`make run`'s demo data loads through the real rules, and a second run changes nothing."""

from sqlmodel import Session, select

from models.dates import shanghai_date
from models.project import Project
from models.roles import Actor, Role
from service.auth import authenticate
from service.clock import service_now
from service.demo import DEMO_DAY, DEMO_PASSWORD, seed_demo, start_demo_clock
from service.settings import Settings
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


def test_in_simulation_mode_the_demo_clock_starts_on_the_demo_day_once(session: Session) -> None:
    factories.lanzhou(session)
    seed_demo(session)
    admin = Actor("admin", Role.ADMIN)
    wall = Settings(simulated_clock=False)
    assert start_demo_clock(session, settings=wall, actor=admin) is None  # the wall clock's service: untouched
    simulated = Settings(simulated_clock=True)
    assert start_demo_clock(session, settings=simulated, actor=admin) == DEMO_DAY
    assert start_demo_clock(session, settings=simulated, actor=admin) is None  # a set clock is left as it is
    assert shanghai_date(service_now(session, settings=simulated)) == DEMO_DAY.date()
