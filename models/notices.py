"""Writing notices into the outbox; mail leaves only from there."""

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import Session

from models.outbox import OutboxMessage
from models.recipients import Recipient

MESSAGE_ID_DOMAIN = "sanshe.local"


def queue_notice(
    session: Session,
    *,
    template: str,
    entity_type: str,
    entity_id: int,
    recipient: Recipient,
    params: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    message = OutboxMessage(
        template=template,
        entity_type=entity_type,
        entity_id=entity_id,
        recipient_party=recipient.party.value,
        recipient_name=recipient.name,
        recipient_address=recipient.address,
        params=params,
        message_id=f"<{uuid.uuid4().hex}@{MESSAGE_ID_DOMAIN}>",
        dedupe_key=dedupe_key,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message
