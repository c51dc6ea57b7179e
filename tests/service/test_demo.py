"""`make run`'s demo data loads through the real rules, and a second run changes nothing."""

from collections import Counter

from sqlmodel import Session, col, select

from models.dates import shanghai_date
from models.node import Node
from models.project import Project
from models.region import Region, RegionLevel
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import User
from service.auth import authenticate
from service.clock import service_now
from service.demo import DEMO_DAY, DEMO_PASSWORD, seed_demo, start_demo_clock
from service.settings import Settings
from tests import factories
from tests.database_snapshot import row_counts


def test_demo_data_is_real_and_idempotent(session: Session) -> None:
    programme = factories.lanzhou(session)
    said = seed_demo(session)
    assert said.startswith("已写入演示数据：10 个社区（5 个区）")
    projects = session.exec(select(Project).where(Project.programme_id == programme.id)).all()
    assert Counter(p.state for p in projects) == {
        "in_progress": 7,
        "under_review": 1,
        "not_selected": 1,
        "submitted": 1,
    }
    communities = session.exec(
        select(Region).where(
            Region.level == RegionLevel.COMMUNITY, col(Region.id).in_([p.community_id for p in projects])
        )
    ).all()
    districts = {c.path.strip("/").split("/")[1] for c in communities}
    assert len(communities) == 10 and len(districts) == 5
    started = [p.id for p in projects if p.state == "in_progress"]
    node_states = Counter(session.exec(select(Node.state).where(col(Node.project_id).in_(started))).all())
    assert node_states["pending"] > 0 and {"submitted", "confirmed_by_community", "approved"} <= set(node_states)
    before = row_counts(session)
    assert seed_demo(session) == "演示数据已存在，跳过。"
    assert row_counts(session) == before


def test_every_role_has_a_demo_account_that_signs_in_and_is_listed(session: Session) -> None:
    factories.lanzhou(session)
    said = seed_demo(session)
    users = session.exec(select(User)).all()
    by_role = {role: [u for u in users if u.role == role] for role in Role}
    assert all(by_role.values()), {role: len(found) for role, found in by_role.items()}
    assert len(by_role[Role.DISTRICT_BUREAU]) == 5 and len(by_role[Role.COMMUNITY]) == 10
    lines = said.splitlines()
    for user in users:  # one line each: username, role in Chinese, scope
        (line,) = [line for line in lines if line.split("\t")[0] == user.username]
        assert line.split("\t")[1] == ROLE_LABELS_ZH[user.role]
    for role, found in by_role.items():  # the shared password signs one account of each role in
        signed_in = authenticate(session, username=found[0].username, password=DEMO_PASSWORD)
        assert signed_in is not None and signed_in.role == role


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
