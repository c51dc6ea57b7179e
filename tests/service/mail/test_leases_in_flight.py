"""While a run is under way: each claim leases from its own moment, leases of waiting rows are renewed, and each
row is committed as sent right after its own mail. Seen from another connection, as a second dispatcher would."""

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from service.mail.catcher import CatcherProcess
from service.mail.outbox_leases import T
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import address, caught, dispatch, sweep_row

START = IMPLEMENTATION_DAY + timedelta(days=1)
LEASE = timedelta(minutes=5)
WORKER = "observed-dispatcher"


@pytest.fixture
def committed(engine: Engine, request: pytest.FixtureRequest) -> Iterator[list[OutboxMessage]]:
    """Rows another connection can see (so committed), removed again afterwards; the count is the test's param."""
    with Session(engine, expire_on_commit=False) as session:
        made = [
            sweep_row(
                session,
                template="node_overdue",
                address=address(),
                digest_key=None,
                now=START,
                project_id=i,
                project_title=f"项目{i}",
            )
            for i in range(request.param)
        ]
        session.commit()
    yield made
    with Session(engine) as session:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in made])))  # type: ignore[union-attr]
        session.commit()


class ObservingClock:
    """The faked clock: each reading moves time on by `step` and notes what another connection sees at that time."""

    def __init__(self, engine: Engine, ids: list[int], step: timedelta) -> None:
        self.engine, self.ids, self.step, self.now = engine, ids, step, START
        self.held: list[tuple[datetime, list[datetime]]] = []  # (reading, lease_until of every row held then)
        self.sent: list[int] = []  # rows seen sent at each reading

    def __call__(self) -> datetime:
        self.now += self.step
        with self.engine.connect() as other:
            found = other.execute(select(T.status, T.leased_by, T.lease_until).where(T.id.in_(self.ids))).all()
        held = [r.lease_until for r in found if r.status == OutboxStatus.PENDING.value and r.leased_by == WORKER]
        self.held.append((self.now, held))
        self.sent.append(sum(r.status == OutboxStatus.SENT.value for r in found))
        return self.now


def run(
    engine: Engine, catcher: CatcherProcess, rows: list[OutboxMessage], step: timedelta, **kw: int
) -> ObservingClock:
    clock = ObservingClock(engine, [r.id for r in rows if r.id is not None], step)
    with Session(engine, expire_on_commit=False) as session:
        report = dispatch(session, catcher, clock=clock, connections=1, lease=LEASE, worker=WORKER, **kw)
    assert report.sent == len(rows)
    assert len(caught(catcher, {r.message_id for r in rows})) == len(rows)
    return clock


def expired_while_held(clock: ObservingClock) -> list[tuple[datetime, datetime]]:
    return [(at, until) for at, held in clock.held for until in held if until <= at]


@pytest.mark.parametrize("committed", [6], indirect=True)
def test_each_claim_leases_from_its_own_moment(
    engine: Engine, catcher: CatcherProcess, committed: list[OutboxMessage]
) -> None:
    """Guards dispatch_batch's `claimed_at = clock()`: a run longer than the lease never holds an expired lease.

    Three batches of two, two minutes per clock reading: the third claim comes 12 minutes into a 5-minute lease.
    """
    clock = run(engine, catcher, committed, timedelta(minutes=2), batch_size=2)
    assert clock.now - START > 2 * LEASE and sum(len(held) for _, held in clock.held) >= 6
    assert expired_while_held(clock) == []


@pytest.mark.parametrize("committed", [8], indirect=True)
def test_leases_of_waiting_rows_are_renewed_while_the_batch_is_sent(
    engine: Engine, catcher: CatcherProcess, committed: list[OutboxMessage]
) -> None:
    """Guards dispatch_batch's `renew_leases(...)`: one batch of eight mails, a minute each, under a 5-minute lease."""
    clock = run(engine, catcher, committed, timedelta(minutes=1), batch_size=10)
    assert clock.now - START > LEASE
    assert expired_while_held(clock) == []


@pytest.mark.parametrize("committed", [5], indirect=True)
def test_each_row_is_committed_as_sent_right_after_its_mail(
    engine: Engine, catcher: CatcherProcess, committed: list[OutboxMessage]
) -> None:
    """Guards dispatch_batch's `session.commit()` after each mail: others see the rows sent one by one."""
    clock = run(engine, catcher, committed, timedelta(seconds=1), batch_size=10)
    # The readings: the claim, then one per mail before its mark, then the next (empty) claim.
    assert clock.sent == [0, 0, 1, 2, 3, 4, 5]
