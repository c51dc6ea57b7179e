"""Insert-if-absent for rung claims and their notices: the unique keys make every sweep idempotent."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table
from sqlmodel import Session

from models.escalation import EscalationClaim
from models.insert_if_absent import insert_ignoring_duplicates
from models.notices import escalation_key, outbox_row, queue_rows, sweep_digest_key
from models.recipients import Recipient
from schedules.ladder import LadderRung

CLAIMS: Table = EscalationClaim.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RungDue:
    """One rung of one entity that a sweep found due."""

    entity_type: str
    entity_id: int
    rung: LadderRung
    due_date: date
    fires_on: date
    skipped: bool = False  # caught up after missed sweeps: claimed, told to nobody (a higher rung is told)


@dataclass(frozen=True)
class EscalationNotice:
    """One party to tell about a claimed rung, with what the mail shows."""

    due: RungDue
    recipient: Recipient
    params: dict[str, Any]


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
            "skipped": d.skipped,
            "claimed_at": now,
        }
        for d in dues
    ]
    inserted = insert_ignoring_duplicates(session, CLAIMS, rows, CLAIMS.c.entity_id, CLAIMS.c.rung_code)
    return {(row.entity_id, row.rung_code) for row in inserted}


def queue_escalation_notices(
    session: Session, notices: Sequence[EscalationNotice], *, as_of: date, now: datetime
) -> int:
    """One outbox row per (entity, rung, party); a sweep's rows of one template share a mail per address."""
    rows = [
        outbox_row(
            key=escalation_key(
                entity_type=n.due.entity_type,
                entity_id=n.due.entity_id,
                rung_code=n.due.rung.code,
                party=n.recipient.party,
            ),
            template=n.due.rung.template,
            entity_type=n.due.entity_type,
            entity_id=n.due.entity_id,
            recipient=n.recipient,
            params=n.params,
            now=now,
            digest_key=sweep_digest_key(n.due.rung.template, as_of),
        )
        for n in notices
    ]
    return queue_rows(session, rows)
