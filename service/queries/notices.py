"""Notices in the outbox as the coordinator reads them: who, what, its delivery state and why it failed."""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.outbox import OutboxMessage, OutboxStatus
from service.mail.failures import list_failed_notices

MAX_NOTICES = 500


class NoticePublic(BaseModel):
    id: int
    template: str
    entity_type: str
    entity_id: int
    recipient_party: str
    recipient_name: str
    recipient_address: str | None
    message_id: str
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime


def list_notices(session: Session, *, status: OutboxStatus, limit: int) -> list[NoticePublic]:
    """The newest first; failures as the mail module lists them, with the reason in `last_error`."""
    if status is OutboxStatus.FAILED:
        rows = list_failed_notices(session, limit=limit)
    else:
        rows = list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.status == status)
                .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())  # type: ignore[attr-defined, union-attr]
                .limit(limit)
            ).all()
        )
    return [NoticePublic.model_validate(row, from_attributes=True) for row in rows]


def get_notice(session: Session, *, notice_id: int) -> OutboxMessage:
    notice = session.get(OutboxMessage, notice_id)
    if notice is None:
        raise OutOfScope("通知不存在")
    return notice
