"""The outbox side of dispatch: claim due rows in batches, then record what became of each.

PostgreSQL claims with `FOR UPDATE SKIP LOCKED` so concurrent dispatchers never wait on each other;
SQLite serialises writers, so the same conditional UPDATE is atomic there. Either way the claim is also
written as a lease (`leased_by`, `lease_until`), so the rows stay claimed after the claim's transaction
commits and while the mail is on the wire; a dispatcher that dies leaves rows that return when the lease
ends. `attempts` counts claims, so a notice that keeps crashing its dispatcher still runs out of attempts.
"""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from service.mail.retry import RetryPolicy

OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
T = OUTBOX.c


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


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        T.status == OutboxStatus.PENDING.value,
        T.next_attempt_at <= now,
        or_(T.lease_until.is_(None), T.lease_until <= now),
    )


def claim_due(
    session: Session, *, now: datetime, worker: str, limit: int, lease: timedelta = timedelta(minutes=5)
) -> list[ClaimedNotice]:
    """Lease up to `limit` due rows, plus the rest of any digest they belong to; the caller commits."""
    lease_values = {"leased_by": worker, "lease_until": now + lease, "attempts": T.attempts + 1}
    candidates = (
        select(T.id).where(_due(now)).order_by(T.next_attempt_at, T.id).limit(limit).with_for_update(skip_locked=True)
    )
    ids = list(session.execute(_lease(candidates, now, lease_values)).scalars())
    if ids:
        digests = select(T.digest_key).where(T.id.in_(ids), T.digest_key.is_not(None)).distinct()
        siblings = select(T.id).where(_due(now), T.digest_key.in_(digests)).with_for_update(skip_locked=True)
        ids += session.execute(_lease(siblings, now, lease_values)).scalars()
    if not ids:
        return []
    rows = session.execute(select(OUTBOX).where(T.id.in_(ids)).order_by(T.id)).mappings()
    return [
        ClaimedNotice(
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
        )
        for row in rows
    ]


def _lease(candidates: Any, now: datetime, values: dict[str, Any]) -> Any:
    # A materialized CTE runs the locking SELECT once; as a plain IN-subquery PostgreSQL may rescan it per
    # row of a semi-join and lease more than `limit` rows. The outer condition re-checks rows changed since.
    claimable = candidates.cte("claimable").prefix_with("MATERIALIZED", dialect="postgresql")
    return update(OUTBOX).where(T.id.in_(select(claimable.c.id)), _due(now)).values(**values).returning(T.id)


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
