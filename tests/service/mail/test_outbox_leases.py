"""Claims: concurrent dispatchers take disjoint rows, and a lease keeps a row claimed until it ends."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session

from models.outbox import OutboxMessage
from service.mail.outbox_leases import claim_due
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import address, sweep_row

NOW = IMPLEMENTATION_DAY
LEASE = timedelta(minutes=5)


@pytest.fixture
def committed_rows(engine: Engine) -> Iterator[list[int]]:
    """Rows other connections can see (so committed), removed again afterwards."""
    with Session(engine) as session:
        made = [
            sweep_row(session, template="node_overdue", address=address(), digest_key=None, now=NOW) for _ in range(20)
        ]
        session.commit()
        ids = [row.id for row in made if row.id is not None]
    yield ids
    with Session(engine) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))  # type: ignore[union-attr]
        session.commit()


def test_two_dispatchers_claim_disjoint_rows(engine: Engine, committed_rows: list[int]) -> None:
    with Session(engine) as a, Session(engine) as b:
        first = claim_due(a, now=NOW, worker="a", limit=10, lease=LEASE)
        if engine.dialect.name == "postgresql":
            started = time.monotonic()
            second = claim_due(b, now=NOW, worker="b", limit=10, lease=LEASE)  # while a still holds its locks
            assert time.monotonic() - started < 2, "SKIP LOCKED: b must not wait for a"
            a.commit()
        else:
            a.commit()  # SQLite has one writer at a time; the lease is what keeps a's rows from b
            second = claim_due(b, now=NOW, worker="b", limit=10, lease=LEASE)
        b.commit()
    first_ids, second_ids = {n.id for n in first}, {n.id for n in second}
    assert len(first_ids) == len(second_ids) == 10 and not first_ids & second_ids
    assert first_ids | second_ids == set(committed_rows)
    assert all(n.attempts == 1 for n in [*first, *second])


def test_a_lease_holds_until_it_ends(engine: Engine, committed_rows: list[int]) -> None:
    with Session(engine) as session:
        assert len(claim_due(session, now=NOW, worker="a", limit=100, lease=LEASE)) == 20
        session.commit()
        assert claim_due(session, now=NOW + LEASE - timedelta(seconds=1), worker="b", limit=100, lease=LEASE) == []
        reclaimed = claim_due(session, now=NOW + LEASE, worker="b", limit=100, lease=LEASE)
        session.commit()
    assert {n.id for n in reclaimed} == set(committed_rows) and {n.attempts for n in reclaimed} == {2}


def test_rows_not_yet_due_stay(session: Session) -> None:
    row = sweep_row(session, template="node_overdue", address=address(), digest_key=None, now=NOW + LEASE)
    assert row.id not in {n.id for n in claim_due(session, now=NOW, worker="a", limit=100, lease=LEASE)}
