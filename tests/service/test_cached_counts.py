"""The cached aggregates of the dashboard, the overdue list and 我的待办: computed once between two changes, computed
again after a change through the state machine, and never taken from or left by a transaction that wrote."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.migrate import fresh_database
from models.node import Node
from models.roles import Actor, Role
from service.auth import actor_of
from service.queries.dashboard import Dashboard, programme_dashboard
from service.queries.nodes import my_open_nodes
from service.queries.overdue import OverdueFilter, overdue_nodes
from tests.conftest import BACKENDS, postgres_database
from tests.factories import fire, nodes
from tests.service.api.builders import Side, side


@pytest.fixture(scope="module", params=BACKENDS)
def own_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of this module's own: its sessions commit for real, as the service's requests do."""
    if request.param == "sqlite":
        with fresh_database("sqlite", prefix="sanshe-cached") as engine:
            yield engine
    else:
        yield from postgres_database("sanshe_cached")


@pytest.fixture(scope="module")
def city(own_engine: Engine) -> Side:
    with Session(own_engine, expire_on_commit=False) as session:
        built = side(session)
        session.commit()
        return built


def _totals(engine: Engine, actor: Actor, city: Side) -> tuple[Dashboard, int, int]:
    today = city.node.due_date + timedelta(days=3)
    with Session(engine) as session:
        board = programme_dashboard(session, actor=actor, today=today)
        late = overdue_nodes(session, actor=actor, today=today, filters=OverdueFilter(), page=1, page_size=20).total
        open_nodes = my_open_nodes(session, actor=actor, programme_id=None, today=today, page=1, page_size=20).total
        return board, late, open_nodes


def test_counted_once_between_changes_and_again_after_one(own_engine: Engine, city: Side) -> None:
    coordinator = actor_of(city.users[Role.CITY_COORDINATOR])
    _totals(own_engine, coordinator, city)  # the engine's first read only starts watching it for writes
    board, late, open_nodes = _totals(own_engine, coordinator, city)
    assert _totals(own_engine, coordinator, city)[0] is board  # the same result, not computed again
    assert board.late == late >= 1
    with Session(own_engine, expire_on_commit=False) as session:
        node = session.get_one(Node, city.node.id)
        fire(session, node, "waive", coordinator, now=datetime.now(UTC), lifecycle="node")
        session.commit()
    after, late_after, open_after = _totals(own_engine, coordinator, city)
    assert (after.done, after.late) == (board.done + 1, board.late - 1)
    assert (late_after, open_after) == (late - 1, open_nodes - 1)


def test_a_transaction_that_wrote_neither_reads_nor_leaves_an_entry(own_engine: Engine, city: Side) -> None:
    district = actor_of(city.users[Role.DISTRICT_BUREAU])
    today = city.node.due_date + timedelta(days=3)
    board = _totals(own_engine, district, city)[0]
    with Session(own_engine) as session:
        later = sorted(nodes(session, city.project), key=lambda n: n.due_date)[-1]
        later.due_date = today - timedelta(days=1)  # late now, in this transaction only
        session.flush()
        seen = programme_dashboard(session, actor=district, today=today, programme_id=city.programme.id)
        assert seen.late == board.late + 1  # its own write counted
        session.rollback()
    with Session(own_engine) as session:
        again = programme_dashboard(session, actor=district, today=today, programme_id=city.programme.id)
    assert again.late == board.late  # what the rolled-back transaction counted was not kept
