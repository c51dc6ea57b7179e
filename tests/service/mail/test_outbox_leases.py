"""Claims: concurrent dispatchers take disjoint rows, and a lease keeps a row claimed until it ends."""

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, text
from sqlmodel import Session

from models.outbox import OutboxMessage
from service.mail.outbox_leases import claim_due
from tests.factories import unique
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


@pytest.fixture
def committed_digest(engine: Engine) -> Iterator[list[int]]:
    """One office's digest of 20 committed rows, in id order, removed again afterwards."""
    digest, office = unique("sweep-"), address()
    with Session(engine) as session:
        made = [
            sweep_row(session, template="node_overdue", address=office, digest_key=digest, now=NOW) for _ in range(20)
        ]
        session.commit()
        ids = [row.id for row in made if row.id is not None]
    yield ids
    with Session(engine) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))  # type: ignore[union-attr]
        session.commit()


def test_two_dispatchers_never_split_a_digest_part(engine: Engine, committed_digest: list[int]) -> None:
    """Guards _lease_digest_part's `pg_try_advisory_xact_lock`: a digest being claimed is skipped, not waited on.

    On SQLite the claim's transaction holds the write lock (BEGIN IMMEDIATE), so the second claim comes after.
    """
    with Session(engine) as a, Session(engine) as b:
        first = claim_due(a, now=NOW, worker="a", limit=5, lease=LEASE, part_rows=10)
        if engine.dialect.name == "postgresql":
            b.execute(text("SET LOCAL lock_timeout = '1s'"))  # waiting on a's rows would fail here
            assert claim_due(b, now=NOW, worker="b", limit=5, lease=LEASE, part_rows=10) == []
            b.commit()
        a.commit()
        second = claim_due(b, now=NOW, worker="b", limit=5, lease=LEASE, part_rows=10)
        b.commit()
    assert [n.id for n in first] == committed_digest[:10] and {n.digest_part for n in first} == {1}
    assert [n.id for n in second] == committed_digest[10:] and {n.digest_part for n in second} == {2}
    assert {n.digest_parts for n in [*first, *second]} == {2}


@pytest.fixture
def second_digest(engine: Engine, committed_digest: list[int]) -> Iterator[list[int]]:
    """Another office's digest, queued after the first."""
    digest, office = unique("sweep-"), address()
    with Session(engine) as session:
        made = [
            sweep_row(session, template="node_overdue", address=office, digest_key=digest, now=NOW) for _ in range(5)
        ]
        session.commit()
        ids = [row.id for row in made if row.id is not None]
    yield ids
    with Session(engine) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids)))  # type: ignore[union-attr]
        session.commit()


def test_a_dispatcher_passes_over_a_digest_being_claimed_to_the_next(
    engine: Engine, committed_digest: list[int], second_digest: list[int]
) -> None:
    """Guards claim_due's next round without the busy digests: finding one digest busy is not "nothing due"."""
    with Session(engine) as a, Session(engine) as b:
        first = claim_due(a, now=NOW, worker="a", limit=5, lease=LEASE, part_rows=10)
        if engine.dialect.name != "postgresql":
            a.commit()  # SQLite: one writer at a time
        second = claim_due(b, now=NOW, worker="b", limit=5, lease=LEASE, part_rows=10)
        a.commit()
        b.commit()
    assert [n.id for n in first] == committed_digest[:10]
    expected = second_digest if engine.dialect.name == "postgresql" else committed_digest[10:]
    assert [n.id for n in second] == expected
