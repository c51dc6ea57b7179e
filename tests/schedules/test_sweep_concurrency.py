"""Two sweeps at once on PostgreSQL, each on its own connection: the same notices, none twice."""

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from models.escalation import EscalationClaim
from models.outbox import OutboxMessage
from schedules.calendar import WorkingCalendar
from schedules.sweep import sweep
from tests import factories
from tests.conftest import BACKENDS, postgres_database
from tests.schedules.builders import escalations, morning, started_project

pytestmark = pytest.mark.postgres


@pytest.fixture
def private_postgres() -> Iterator[Engine]:
    """A schema of its own: the sweeps commit for real on separate connections."""
    if "postgres" not in BACKENDS:
        pytest.skip("PostgreSQL pass not selected")
    yield from postgres_database("sanshe_sweep")


def test_two_sweeps_at_once_notify_each_rung_once(private_postgres: Engine) -> None:
    with Session(private_postgres, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        casts = [
            started_project(session, programme=programme, district_name=d)
            for d in ("城关区", "城关区", "城关区", "七里河区", "七里河区", "西固区", "西固区", "安宁区")
        ]
        session.commit()
        node_ids = {n.id for c in casts for n in factories.nodes(session, c.project)}
    day = date(2023, 4, 28)  # supervision #1 fully escalated; #2, mid-term and mid-audit part way
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with Session(private_postgres, expire_on_commit=False) as own:
                barrier.wait()
                sweep(own, as_of=day, now=morning(day), batch_size=3)
        except BaseException as exc:  # surfaced below: a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []

    with Session(private_postgres) as session:
        concurrent = escalations(session, node_ids)  # type: ignore[arg-type]
        claims = session.execute(select(func.count()).select_from(EscalationClaim)).scalar_one()
        skipped = session.execute(
            select(func.count()).select_from(EscalationClaim).where(EscalationClaim.skipped.is_(True))  # type: ignore[attr-defined]
        ).scalar_one()
        outbox = session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.dedupe_key.like("escalation:%"))
        ).scalar_one()  # type: ignore[union-attr]
        nodes = [n for c in casts for n in factories.nodes(session, c.project)]
    # Late rungs due by then, each claimed once; only the highest of each node is told (a first sweep catches up),
    # the lower ones are skipped; reminders of nodes already past due are not sent.
    due = {node.id: [r for r in LATE_RUNGS if CAL.add_working_days(node.due_date, r[1]) <= day] for node in nodes}
    expected = sorted(
        (node_id, rungs[-1][0], party) for node_id, rungs in due.items() if rungs for party in rungs[-1][2]
    )
    assert concurrent == expected
    assert len(concurrent) == outbox
    assert claims == sum(len(rungs) for rungs in due.values()) == 8 * 4 * 3
    assert skipped == claims - sum(1 for rungs in due.values() if rungs)


CAL = WorkingCalendar()
LATE_RUNGS = [
    ("late-1", 1, ("community", "street_office")),
    ("late-5", 5, ("district_bureau",)),
    ("late-10", 10, ("city_coordinator",)),
]
