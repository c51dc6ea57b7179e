"""Insert-if-absent for rung claims and their notices: the unique keys make every sweep idempotent."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.escalation import EscalationClaim
from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxMessage, OutboxStatus
from models.recipients import Recipient
from schedules.ladder import LadderRung

PG_PAGE_ROWS = 10
CLAIMS: Table = EscalationClaim.__table__  # type: ignore[attr-defined]
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RungDue:
    """One rung of one entity that a sweep found due."""

    entity_type: str
    entity_id: int
    rung: LadderRung
    due_date: date
    fires_on: date


@dataclass(frozen=True)
class EscalationNotice:
    """One party to tell about a claimed rung, with what the mail shows."""

    due: RungDue
    recipient: Recipient
    params: dict[str, Any]


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], *returning: Any
) -> list[Any]:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike); returns the rows really inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make_insert(table).on_conflict_do_nothing()
    if dialect == "postgresql":
        # psycopg converts placeholders in Python and caches only short statements: short pages are faster.
        statement = statement.execution_options(insertmanyvalues_page_size=PG_PAGE_ROWS)
    if returning:
        return list(session.execute(statement.returning(*returning), list(rows)).all())
    session.execute(statement, list(rows))
    return []


def claim(session: Session, dues: Sequence[RungDue], *, as_of: date, now: datetime) -> set[tuple[int, str]]:
    """Claim each (entity, rung); only those not claimed before come back, to be notified."""
    rows = [
        {
            "entity_type": d.entity_type,
            "entity_id": d.entity_id,
            "rung_code": d.rung.code,
            "rung_index": d.rung.index,
            "due_date": d.due_date,
            "fires_on": d.fires_on,
            "as_of": as_of,
            "claimed_at": now,
        }
        for d in dues
    ]
    inserted = insert_ignoring_duplicates(session, CLAIMS, rows, CLAIMS.c.entity_id, CLAIMS.c.rung_code)
    return {(row.entity_id, row.rung_code) for row in inserted}


def dedupe_key(due: RungDue, recipient: Recipient) -> str:
    return f"escalation:{due.entity_type}:{due.entity_id}:{due.rung.code}:{recipient.party.value}"


def queue_escalation_notices(
    session: Session, notices: Sequence[EscalationNotice], *, as_of: date, now: datetime
) -> int:
    """One outbox row per (entity, rung, party); a street office gets one mail per sweep (digest_key)."""
    rows = []
    for notice in notices:
        key = dedupe_key(notice.due, notice.recipient)
        rows.append(
            {
                "template": notice.due.rung.template,
                "entity_type": notice.due.entity_type,
                "entity_id": notice.due.entity_id,
                "recipient_party": notice.recipient.party.value,
                "recipient_name": notice.recipient.name,
                "recipient_address": notice.recipient.address,
                "params": notice.params,
                "message_id": f"<{key.replace(':', '.')}@{MESSAGE_ID_DOMAIN}>",
                "dedupe_key": key,
                "digest_key": f"{notice.due.rung.template}:{as_of.isoformat()}",
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return len(insert_ignoring_duplicates(session, OUTBOX, rows, OUTBOX.c.id))
