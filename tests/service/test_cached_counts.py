"""The cached aggregates of the dashboard, the overdue list and 我的待办: computed once between two changes, computed
again after a change through the state machine, and never taken from or left by a transaction that wrote."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from models.lifecycles import NODE
from models.migrate import fresh_database
from models.node import Node
from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Actor, Role
from service.auth import actor_of
from service.queries.dashboard import Dashboard, programme_dashboard
from service.queries.nodes import my_open_nodes
from service.queries.overdue import OverdueFilter, OverdueNode, overdue_nodes
from service.queries.projects import ProjectFilters, ProjectRow, list_projects
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


def test_the_overdue_page_follows_each_change_and_reads_who_was_told_afresh(own_engine: Engine, city: Side) -> None:
    """The page's nodes and rungs are kept between changes; a notice's sending writes no audit row, so who was told
    is read on every page."""
    coordinator = actor_of(city.users[Role.CITY_COORDINATOR])
    with Session(own_engine) as session:
        today = max(n.due_date for n in nodes(session, city.project)) + timedelta(days=3)  # every open node late

    def page() -> dict[int, OverdueNode]:
        with Session(own_engine) as session:
            found = overdue_nodes(
                session, actor=coordinator, today=today, filters=OverdueFilter(), page=1, page_size=20
            )
            return {item.node_id: item for item in found.items}

    page()  # the engine's first read only starts watching it for writes
    late = page()
    shown = sorted(late)[0]
    assert late[shown].told == []
    with Session(own_engine) as session:
        now = datetime.now(UTC)
        session.add(
            OutboxMessage(
                template="node_overdue",
                entity_type="node",
                entity_id=shown,
                recipient_party="street_office",
                recipient_name="某街道办事处",
                recipient_address="street@example.cn",
                message_id=f"<told-{shown}@example.cn>",
                dedupe_key=f"escalation:node:{shown}:late-1:street_office",
                status=OutboxStatus.SENT,
                next_attempt_at=now,
                sent_at=now,
                created_at=now,
            )
        )
        session.commit()
    assert [(t.recipient_name, t.status_label) for t in page()[shown].told] == [("某街道办事处", "已发送")]
    with Session(own_engine, expire_on_commit=False) as session:
        fire(session, session.get_one(Node, shown), "waive", coordinator, now=datetime.now(UTC), lifecycle="node")
        session.commit()
    assert shown not in page()  # waived: off the list at once, though the page was kept


def test_my_work_page_follows_each_change(own_engine: Engine, city: Side) -> None:
    """我的待办's page is kept between changes like its total; a node leaving the reader's work leaves the page."""
    organisation = actor_of(city.users[Role.ORGANISATION])
    today = city.node.due_date

    def page() -> list[int]:
        with Session(own_engine) as session:
            found = my_open_nodes(session, actor=organisation, programme_id=None, today=today, page=1, page_size=50)
            return [item.id for item in found.items]

    page()  # the engine's first read only starts watching it for writes
    waiting = page()
    assert waiting
    coordinator = actor_of(city.users[Role.CITY_COORDINATOR])
    with Session(own_engine, expire_on_commit=False) as session:
        fire(session, session.get_one(Node, waiting[0]), "waive", coordinator, now=datetime.now(UTC), lifecycle="node")
        session.commit()
    assert page() == waiting[1:]


def test_the_project_list_page_follows_each_change(own_engine: Engine, city: Side) -> None:
    """The page's rows are kept between changes like its total; a change through the state machine shows at once."""
    coordinator = actor_of(city.users[Role.CITY_COORDINATOR])
    with Session(own_engine) as session:
        late = [n for n in nodes(session, city.project) if n.state not in NODE.terminal]
        today = max(n.due_date for n in late) + timedelta(days=3)

    def row() -> ProjectRow:
        with Session(own_engine) as session:
            found = list_projects(
                session, actor=coordinator, filters=ProjectFilters(), sort="-id", page=1, page_size=50, today=today
            )
            return next(item for item in found.items if item.id == city.project.id)

    row()  # the engine's first read only starts watching it for writes
    assert row() is row()  # kept, not read again
    assert row().overdue
    with Session(own_engine, expire_on_commit=False) as session:
        for node in late:
            fire(session, session.get_one(Node, node.id), "waive", coordinator, now=datetime.now(UTC), lifecycle="node")
        session.commit()
    assert not row().overdue  # every late node waived: the mark is gone at once
