"""A simulated Lanzhou 2022 programme year on the fake clock: each rung to the right parties, once."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from models.escalation import EscalationClaim
from models.node import Node
from models.outbox import OutboxMessage
from schedules.calendar import WorkingCalendar
from schedules.ladder import node_ladder
from schedules.sweep import SweepProgress, sweep
from tests import factories
from tests.schedules.builders import IMPLEMENTATION_START, approve_node, escalations, morning, started_project

CAL = WorkingCalendar()
YEAR_END = date(2023, 9, 30)
Script = Callable[[Node], date | None]  # the day a node is approved, or None: never

SCRIPTS: list[tuple[str, Script]] = [
    ("城关区", lambda n: CAL.add_working_days(n.due_date, -5)),  # early: nothing fires
    ("城关区", lambda n: n.due_date),  # on the day: the reminder only
    ("七里河区", lambda n: CAL.add_working_days(n.due_date, 3)),  # 3 working days late: reminder, late-1
    ("七里河区", lambda n: None),  # silent: every rung that falls within the year
    ("西固区", lambda n: CAL.add_working_days(n.due_date, 7)),  # reminder, late-1, late-5
]


def expected_notices(
    session: Session, nodes: dict[int, Node], closes: dict[int, date | None]
) -> list[tuple[int, str, str]]:
    """Worked out from the ladder alone: a rung fires on its day unless the node closed before or on it."""
    ladder = node_ladder(factories.lanzhou(session).parsed_spec())
    expected = []
    for node_id, node in nodes.items():
        for rung in ladder.rungs:
            fires = CAL.add_working_days(node.due_date, rung.offset_working_days)
            closed = closes[node_id]
            if fires <= YEAR_END and (closed is None or closed > fires):
                expected.extend((node_id, rung.code, party.value) for party in rung.notify)
    return sorted(expected)


def test_programme_year_each_rung_once_to_the_right_parties(session: Session) -> None:
    casts = [started_project(session, district_name=district) for district, _ in SCRIPTS]
    nodes: dict[int, Node] = {}
    closes: dict[int, date | None] = {}
    owner = {}
    for cast, (_, script) in zip(casts, SCRIPTS, strict=True):
        for node in factories.nodes(session, cast.project):
            assert node.id is not None
            nodes[node.id], closes[node.id], owner[node.id] = node, script(node), cast
    expected = expected_notices(session, nodes, closes)

    day = IMPLEMENTATION_START
    while day <= YEAR_END:
        for node_id, close_day in closes.items():
            if close_day == day:
                approve_node(session, owner[node_id], nodes[node_id], day)
        sweep(session, as_of=day, now=morning(day))
        day += timedelta(days=1)

    notices = escalations(session, set(nodes))
    assert notices == expected
    assert len(set(notices)) == len(notices)
    rungs_by_script = [sorted({rung for node_id, rung, _ in notices if owner[node_id] is cast}) for cast in casts]
    assert rungs_by_script == [
        [],
        ["reminder"],
        ["late-1", "reminder"],
        ["late-1", "late-10", "late-5", "reminder"],
        ["late-1", "late-5", "reminder"],
    ]
    claims = session.execute(
        select(func.count()).select_from(EscalationClaim).where(EscalationClaim.entity_id.in_(nodes))  # type: ignore[attr-defined]
    ).scalar_one()
    assert claims == len({(n, r) for n, r, _ in expected})
    # A rerun of any day of the year adds nothing.
    before = len(notices)
    sweep(session, as_of=YEAR_END, now=morning(YEAR_END))
    assert len(escalations(session, set(nodes))) == before
    # Closed nodes left the sweep's index; the silent project's last nodes still wait for their rungs.
    for node in nodes.values():
        session.refresh(node)
        if node.state == "approved":
            assert node.next_rung_on is None or node.next_rung_on > closes[node.id]  # type: ignore[index, operator]


def test_overdue_notice_says_how_late_and_street_office_gets_one_digest(session: Session) -> None:
    first, second = started_project(session), started_project(session)
    late_5 = CAL.add_working_days(date(2022, 12, 27), 5)
    for day in (date(2022, 12, 22), date(2022, 12, 28), late_5):
        sweep(session, as_of=day, now=morning(day))
    rows = (
        session.execute(
            select(OutboxMessage).where(
                OutboxMessage.entity_id.in_(
                    [n.id for c in (first, second) for n in factories.nodes(session, c.project)]
                ),  # type: ignore[attr-defined]
                OutboxMessage.template == "node_overdue",
            )
        )
        .scalars()
        .all()
    )
    by_rung = {(row.params["rung_code"], row.recipient_party, row.entity_id): row for row in rows}
    node = factories.nodes(session, first.project)[0]
    late = by_rung[("late-5", "district_bureau", node.id)]
    assert late.params["working_days_late"] == 5
    assert late.params["due_date"] == "2022-12-27"
    assert late.params["project_title"] == first.project.title
    assert late.message_id == f"<escalation.node.{node.id}.late-5.district_bureau@sanshe.local>"
    # Both projects' late-5 notices to the same district bureau share one digest: one mail.
    district_rows = [
        row for (rung, party, _), row in by_rung.items() if rung == "late-5" and party == "district_bureau"
    ]
    assert len(district_rows) == 2
    assert len({(row.digest_key, row.recipient_address) for row in district_rows}) == 1
    assert district_rows[0].digest_key == f"node_overdue:{late_5.isoformat()}"


def test_interrupted_sweep_rerun_gives_the_same_set(session: Session) -> None:
    casts = [started_project(session, district_name=d) for d in ("城关区", "城关区", "七里河区", "安宁区", "西固区")]
    node_ids = {n.id for c in casts for n in factories.nodes(session, c.project)}
    day = date(2023, 1, 16)  # the first supervision report is 10 working days late: late-10 told, the rest skipped

    def crash(_progress: SweepProgress) -> None:
        raise RuntimeError("断电")

    with pytest.raises(RuntimeError):
        sweep(session, as_of=day, now=morning(day), batch_size=2, after_batch=crash)
    session.rollback()
    partial = escalations(session, node_ids)
    assert 0 < len(partial) < 5
    sweep(session, as_of=day, now=morning(day), batch_size=2)
    sweep(session, as_of=day, now=morning(day), batch_size=2)
    first_nodes = {factories.nodes(session, c.project)[0].id for c in casts}
    expected = sorted((node_id, "late-10", "city_coordinator") for node_id in first_nodes)
    assert escalations(session, node_ids) == expected
    claims = session.execute(
        select(EscalationClaim.entity_id, EscalationClaim.rung_code, EscalationClaim.skipped).where(
            EscalationClaim.entity_id.in_(node_ids)  # type: ignore[attr-defined]
        )
    ).all()
    assert sorted(claims) == sorted(
        (node_id, rung, rung != "late-10") for node_id in first_nodes for rung in ("late-1", "late-10", "late-5")
    )
