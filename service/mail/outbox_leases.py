"""The outbox side of dispatch: claim due rows in batches, then record what became of each.

Candidates are read without locks; then rows are leased by conditional UPDATE … RETURNING statements
that check again that each row is still due. Rows outside a digest are taken with `FOR UPDATE SKIP
LOCKED` on PostgreSQL, as many as the candidates held. A digest (digest_key, address) is claimed one
part at a time, at most `DIGEST_PART_ROWS` rows, numbered in the rows' id order; on PostgreSQL only
while holding a transaction-level advisory lock on that digest (a digest whose lock is taken is
skipped), on SQLite under the write lock the claim's transaction holds. So two dispatchers never split
one part between them, and no statement binds more ids than a part or a batch holds.

The claim is also written as a lease (`leased_by`, `lease_until`), so the rows stay claimed after the
claim's transaction commits and while the mail is on the wire; the dispatcher renews it while its batch is
in flight, and a dispatcher that dies leaves rows that return when the lease ends. `attempts` counts
claims, so a notice that keeps crashing its dispatcher still runs out of attempts; an outage gives the
attempt back (`release_unreached`).
"""

import hashlib
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, func, or_, select, text, tuple_, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from service.mail.retry import RetryPolicy

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
T = OUTBOX.c
DIGEST_PART_ROWS = 200  # rows one digest mail carries at most; a larger digest goes out in numbered parts


@dataclass(frozen=True)
class ClaimedNotice:
    """A snapshot of a claimed outbox row, detached from any session."""

    id: int
    template: str
    entity_type: str
    entity_id: int
    recipient_name: str
    recipient_address: str | None
    params: dict[str, Any]
    message_id: str
    digest_key: str | None
    attempts: int
    digest_part: int | None = None  # which part of its digest this row goes out in (1-based)
    digest_parts: int | None = None  # how many parts the digest has


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        T.status == OutboxStatus.PENDING.value,
        T.next_attempt_at <= now,
        or_(T.lease_until.is_(None), T.lease_until <= now),
    )


def claim_due(
    session: Session,
    *,
    now: datetime,
    worker: str,
    limit: int,
    lease: timedelta = timedelta(minutes=5),
    part_rows: int = DIGEST_PART_ROWS,
) -> list[ClaimedNotice]:
    """Lease up to `limit` due rows (a digest's part whole: up to limit + part_rows - 1); the caller commits.

    Digests another dispatcher is claiming at this moment are passed over for the next candidates, so a
    dispatcher finds nothing only when nothing is left for it.
    """
    values = {"leased_by": worker, "lease_until": now + lease, "attempts": T.attempts + 1}
    claimed: list[ClaimedNotice] = []
    busy: list[tuple[str, str | None]] = []  # digests whose lock another dispatcher holds
    for _ in range(CLAIM_ROUNDS):
        candidates = _candidates(session, now, limit - len(claimed), busy)
        claimed += _lease_rows(session, sum(c.digest_key is None for c in candidates), now, values)
        parts = dict.fromkeys(
            (c.digest_key, c.recipient_address, c.digest_part) for c in candidates if c.digest_key is not None
        )
        passed_over = False
        for digest_key, address, part in parts:
            if len(claimed) >= limit:
                break
            got = _lease_digest_part(session, digest_key, address, part, now=now, values=values, part_rows=part_rows)
            if got is None:
                busy.append((digest_key, address))
                passed_over = True
            else:
                claimed += got
        if not passed_over or len(claimed) >= limit:
            break
    return sorted(claimed, key=lambda notice: notice.id)


CLAIM_ROUNDS = 4  # candidate reads per claim when other dispatchers hold the digests read


def _candidates(session: Session, now: datetime, limit: int, busy: list[tuple[str, str | None]]) -> list[Any]:
    """The next due rows, read without locks, leaving out digests found busy (at most a batch of them)."""
    query = select(T.id, T.digest_key, T.recipient_address, T.digest_part).where(_due(now))
    if busy:
        query = query.where(
            or_(
                T.digest_key.is_(None),
                T.recipient_address.is_(None),
                tuple_(T.digest_key, T.recipient_address).not_in(busy),
            )
        )
    return list(session.execute(query.order_by(T.next_attempt_at, T.id).limit(limit)).all())


def _lease_rows(session: Session, count: int, now: datetime, values: dict[str, Any]) -> list[ClaimedNotice]:
    """`count` due rows outside any digest; rows another dispatcher has locked are skipped for the next ones."""
    if not count:
        return []
    locked = (
        select(T.id)
        .where(_due(now), T.digest_key.is_(None))
        .order_by(T.next_attempt_at, T.id)
        .limit(count)
        .with_for_update(skip_locked=True)
    )
    return _lease(session, locked, now, values)


def _lease_digest_part(
    session: Session,
    digest_key: str,
    address: str | None,
    part: int | None,
    *,
    now: datetime,
    values: dict[str, Any],
    part_rows: int,
) -> list[ClaimedNotice] | None:
    """One part of one digest: a numbered part due again (retry, crash), or the next rows in id order.

    None when another dispatcher holds the digest's lock (PostgreSQL): it is claiming from it right now.
    """
    if session.get_bind().dialect.name == "postgresql":
        lock = func.pg_try_advisory_xact_lock(digest_lock_id(digest_key, address))
        if not session.execute(select(lock)).scalar():
            return None
    same = and_(
        T.digest_key == digest_key,
        T.recipient_address == address if address is not None else T.recipient_address.is_(None),
    )
    if part is not None:
        rows = select(T.id).where(same, T.digest_part == part, _due(now))
        return _lease(session, rows, now, values)
    last = session.execute(
        select(T.digest_part, T.digest_parts)
        .where(same, T.digest_part.is_not(None))
        .order_by(T.digest_part.desc())
        .limit(1)
    ).first()
    if last is None:
        size = session.execute(select(func.count()).select_from(OUTBOX).where(same)).scalar_one()
        number, parts = 1, max(1, math.ceil(size / part_rows))
    else:
        number = last.digest_part + 1
        parts = max(last.digest_parts or number, number)
    rows = select(T.id).where(same, T.digest_part.is_(None), _due(now)).order_by(T.id).limit(part_rows)
    return _lease(session, rows, now, {**values, "digest_part": number, "digest_parts": parts})


def digest_lock_id(digest_key: str, address: str | None) -> int:
    """The advisory lock key of a digest: a stable signed 64-bit hash of its key and address."""
    digest = hashlib.blake2b(f"{digest_key}\x00{address or ''}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lease(session: Session, candidates: Any, now: datetime, values: dict[str, Any]) -> list[ClaimedNotice]:
    # A materialized CTE runs the candidates' SELECT once; as a plain IN-subquery PostgreSQL may rescan it per
    # row of a semi-join and lease more than its LIMIT. The outer condition re-checks rows changed since.
    claimable = candidates.cte("claimable").prefix_with("MATERIALIZED", dialect="postgresql")
    statement = update(OUTBOX).where(T.id.in_(select(claimable.c.id)), _due(now)).values(**values).returning(*OUTBOX.c)
    return [_claimed(row) for row in session.execute(statement).mappings()]


def _claimed(row: RowMapping) -> ClaimedNotice:
    return ClaimedNotice(
        id=row["id"],
        template=row["template"],
        entity_type=row["entity_type"],
        entity_id=row["entity_id"],
        recipient_name=row["recipient_name"],
        recipient_address=row["recipient_address"],
        params=dict(row["params"] or {}),
        message_id=row["message_id"],
        digest_key=row["digest_key"],
        attempts=row["attempts"],
        digest_part=row["digest_part"],
        digest_parts=row["digest_parts"],
    )


def without_waiting_for_disk(session: Session) -> None:
    """The marks after each mail commit without waiting for PostgreSQL's WAL flush (`synchronous_commit = off`).

    A crash of the dispatcher loses nothing: the server has the commit. Only a crash of the database server
    or its machine may lose the last fraction of a second of marks, whose mails then go once more with the
    same Message-ID: the trade SQLite's `synchronous=NORMAL` makes too (models/database.py).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


def renew_leases(session: Session, ids: Iterable[int], *, worker: str, until: datetime) -> None:
    """Rows of a batch still in flight stay ours: their lease moves to `until`. The caller commits."""
    ids = list(ids)
    if ids:
        session.execute(
            update(OUTBOX)
            .where(T.id.in_(ids), T.status == OutboxStatus.PENDING.value, T.leased_by == worker)
            .values(lease_until=until)
        )


def mark_sent(session: Session, ids: Iterable[int], *, now: datetime) -> None:
    """Sent is final: whoever holds the lease now, the mail has gone."""
    ids = list(ids)
    if ids:
        session.execute(
            update(OUTBOX)
            .where(T.id.in_(ids), T.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.SENT.value, sent_at=now, last_error=None, leased_by=None, lease_until=None)
        )


def mark_failed(session: Session, ids: Iterable[int], *, worker: str, error: str) -> None:
    """A permanent failure: kept for the coordinator to see, never tried again."""
    ids = list(ids)
    if ids:
        session.execute(
            update(OUTBOX)
            .where(T.id.in_(ids), T.status == OutboxStatus.PENDING.value, T.leased_by == worker)
            .values(status=OutboxStatus.FAILED.value, last_error=error[:2000], leased_by=None, lease_until=None)
        )


def release_unreached(session: Session, ids: Iterable[int], *, worker: str, error: str) -> None:
    """The server could not be reached: the rows wait, due at once, and the claim's attempt is given back."""
    ids = list(ids)
    if ids:
        session.execute(
            update(OUTBOX)
            .where(T.id.in_(ids), T.status == OutboxStatus.PENDING.value, T.leased_by == worker)
            .values(
                attempts=T.attempts - 1,  # counted by our claim, which holds the lease (so at least 1)
                last_error=error[:2000],
                leased_by=None,
                lease_until=None,
            )
        )


def mark_retry(
    session: Session,
    notices: Sequence[ClaimedNotice],
    *,
    worker: str,
    error: str,
    now: datetime,
    policy: RetryPolicy,
    rng: random.Random,
) -> bool:
    """A transient failure: back off, or fail for good once the attempts are spent. True if it will be retried."""
    attempts = max(notice.attempts for notice in notices)
    ids = [notice.id for notice in notices]
    if policy.exhausted(attempts):
        mark_failed(session, ids, worker=worker, error=f"已尝试 {attempts} 次仍未发出，最后一次：{error}")
        return False
    session.execute(
        update(OUTBOX)
        .where(T.id.in_(ids), T.status == OutboxStatus.PENDING.value, T.leased_by == worker)
        .values(
            next_attempt_at=policy.next_attempt_at(attempts, now, rng),
            last_error=error[:2000],
            leased_by=None,
            lease_until=None,
        )
    )
    return True
