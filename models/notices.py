"""Writing notices into the outbox: one row builder and one key scheme for every writer.

A notice is named by a few parts (what happened, to which entity, to whom). Its dedupe key joins them
with ':' and its Message-ID with '.', so a resend after a crash carries the same Message-ID and a second
sweep or publication of the same notice is refused by the key. Writers that insert a whole batch in one
statement build the same key in SQL with `notice_key_sql`, kept here beside the Python.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

from models.insert_if_absent import insert_ignoring_duplicates
from models.outbox import OutboxMessage, OutboxStatus
from models.parties import Party
from models.recipients import Recipient

MESSAGE_ID_DOMAIN = "sanshe.local"
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
KEY_PART = re.compile(r"[0-9A-Za-z_-]+")  # dot-free atext: the parts joined by '.' make a valid Message-ID
ESCALATION, EVENT = "escalation", "event"

KeyPart = str | int | date


@dataclass(frozen=True)
class NoticeKey:
    """A notice's dedupe key and Message-ID, derived from the same parts."""

    dedupe_key: str
    message_id: str


def notice_key(*parts: KeyPart) -> NoticeKey:
    """The one key scheme: parts joined by ':' for the dedupe key and by '.' for the Message-ID."""
    texts = [part.isoformat() if isinstance(part, date) else str(part) for part in parts]
    malformed = [text for text in texts if not KEY_PART.fullmatch(text)]
    if not texts or malformed:
        raise ValueError(f"notice key parts must be letters, digits, '-' or '_': {malformed or texts}")
    return NoticeKey(":".join(texts), f"<{'.'.join(texts)}@{MESSAGE_ID_DOMAIN}>")


def notice_key_sql(*parts: str) -> NoticeKey:
    """`notice_key` as SQL over expressions that each yield one key part (a literal from `sql_part`, an id, a code)."""
    return NoticeKey(
        " || ':' || ".join(parts),
        "'<' || " + " || '.' || ".join(parts) + f" || '@{MESSAGE_ID_DOMAIN}>'",
    )


def sql_part(part: KeyPart) -> str:
    """A constant key part as an SQL literal (the part's letters need no quoting)."""
    return f"'{notice_key(part).dedupe_key}'"


def escalation_key(*, entity_type: str, entity_id: int, rung_code: str, party: Party) -> NoticeKey:
    """One notice per (entity, rung, party told): a rerun of a sweep queues nothing twice."""
    return notice_key(ESCALATION, entity_type, entity_id, rung_code, party.value)


def escalation_key_sql(*, entity_type: str, entity_id: str, rung_code: str, party: str) -> NoticeKey:
    """`escalation_key` over SQL expressions for the entity id, rung code and party; `entity_type` is a constant."""
    return notice_key_sql(sql_part(ESCALATION), sql_part(entity_type), entity_id, rung_code, party)


def event_key(*, entity_type: str, entity_id: int, version: int, template: str, party: Party) -> NoticeKey:
    """A change of an entity (a transition, an assignment, an extension): its version tells the changes apart."""
    return notice_key(EVENT, entity_type, entity_id, f"v{version}", template, party.value)


def sweep_digest_key(template: str, as_of: date) -> str:
    """A sweep's rows of one template share a mail per address."""
    return f"{template}:{as_of.isoformat()}"


def sweep_digest_key_sql(template: str, as_of: str) -> str:
    """`sweep_digest_key` over SQL expressions for the template and the day as text."""
    return f"{template} || ':' || {as_of}"


def moves_digest_key(template: str, at: datetime) -> str:
    """The notices of one re-plan (every node it moved) share a mail per address: the moment names the re-plan."""
    return f"{template}:{at.isoformat()}"


def outbox_row(
    *,
    key: NoticeKey,
    template: str,
    entity_type: str,
    entity_id: int,
    recipient: Recipient,
    params: dict[str, Any],
    now: datetime,
    digest_key: str | None = None,
) -> dict[str, Any]:
    """The columns of one pending notice, as every writer stores it."""
    return {
        "template": template,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "recipient_party": recipient.party.value,
        "recipient_name": recipient.name,
        "recipient_address": recipient.address,
        "params": params,
        "message_id": key.message_id,
        "dedupe_key": key.dedupe_key,
        "digest_key": digest_key,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def queue_rows(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert-if-absent: a notice whose key is already queued is not queued again. Returns the rows written."""
    return len(insert_ignoring_duplicates(session, OUTBOX, rows, OUTBOX.c.id))


def queue_notice(
    session: Session,
    *,
    template: str,
    entity_type: str,
    entity_id: int,
    version: int,
    recipient: Recipient,
    params: dict[str, Any],
    now: datetime,
) -> OutboxMessage:
    """One notice of a change of an entity, now at `version`, added to the caller's session."""
    key = event_key(
        entity_type=entity_type, entity_id=entity_id, version=version, template=template, party=recipient.party
    )
    row = outbox_row(
        key=key,
        template=template,
        entity_type=entity_type,
        entity_id=entity_id,
        recipient=recipient,
        params=params,
        now=now,
    )
    message = OutboxMessage(**row)
    session.add(message)
    return message
