"""Notices that could not be delivered, for the coordinator: listed with the reason, and sent again on request."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from models.outbox import OutboxMessage, OutboxStatus


def list_failed_notices(session: Session, *, limit: int = 100) -> list[OutboxMessage]:
    """The newest failures first; `last_error` says why (no address, 550, attempts spent…)."""
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.FAILED)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())  # type: ignore[attr-defined, union-attr]
            .limit(limit)
        ).all()
    )


def requeue_failed(session: Session, ids: list[int], *, now: datetime) -> int:
    """After the address is corrected: back to pending with fresh attempts and the same Message-ID. Caller commits."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.FAILED)  # type: ignore[union-attr, arg-type]
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, leased_by=None, lease_until=None)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
