"""Committed outbox rows in the shapes the sweep and the transitions write, for dispatchers in other processes.

A sweep's rows share one digest key; each street office's rows go out as its digest. Transition notices
have no digest key and go one mail each. The service clock is stored, so that `sanshe dispatch` in a
child process (with SANSHE_SIMULATED_CLOCK) runs at the time the test chooses.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, text
from sqlmodel import Session

from models.notices import OUTBOX, escalation_key, event_key, outbox_row, sweep_digest_key
from models.outbox import OutboxMessage, OutboxStatus
from models.parties import Party
from models.recipients import Recipient, office_name, organisation_recipient
from models.service_clock import set_stored_clock
from service.clock import system_clock

T = OUTBOX.c


def street_office(index: int) -> Recipient:
    return Recipient(Party.STREET_OFFICE, office_name(Party.STREET_OFFICE, f"街道{index}"), f"street{index}@example.cn")


def overdue_params(node_id: int, as_of: date) -> dict[str, Any]:
    """The facts the sweep gives a late-1 notice (benchmarks.sweep.reference writes the same)."""
    return {
        "project_id": node_id,
        "project_title": f"项目{node_id}",
        "district": "城关区",
        "node_id": node_id,
        "node_kind": "bench",
        "node_title": f"节点{node_id}",
        "due_date": as_of.isoformat(),
        "working_days_late": 1,
        "working_days_left": 0,
        "rung_code": "late-1",
        "rung_label": "逾期1个工作日",
        "as_of": as_of.isoformat(),
    }


def started_params(project_id: int) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "project_title": f"邻里守望计划第{project_id}号",
        "event_label": "启动实施",
        "from_state_label": "已签订购买协议",
        "to_state_label": "实施中",
        "reason": None,
    }


def queue_notices(session: Session, *, late_nodes: Sequence[int], singles: int, as_of: date, now: datetime) -> int:
    """Street office i gets a digest of `late_nodes[i]` rows; `singles` organisations one notice each. Commits."""
    rows: list[dict[str, Any]] = []
    node_id = 0
    for office, count in enumerate(late_nodes):
        recipient = street_office(office)
        for _ in range(count):
            node_id += 1
            key = escalation_key(entity_type="node", entity_id=node_id, rung_code="late-1", party=recipient.party)
            rows.append(
                outbox_row(
                    key=key,
                    template="node_overdue",
                    entity_type="node",
                    entity_id=node_id,
                    recipient=recipient,
                    params=overdue_params(node_id, as_of),
                    now=now,
                    digest_key=sweep_digest_key("node_overdue", as_of),
                )
            )
    for project_id in range(1, singles + 1):
        recipient = organisation_recipient(f"第{project_id}社会工作服务中心", f"org{project_id}@example.cn")
        key = event_key(
            entity_type="project", entity_id=project_id, version=5, template="project_started", party=recipient.party
        )
        rows.append(
            outbox_row(
                key=key,
                template="project_started",
                entity_type="project",
                entity_id=project_id,
                recipient=recipient,
                params=started_params(project_id),
                now=now,
            )
        )
    rows.sort(key=lambda row: row["message_id"])  # ids follow Message-IDs: each office's rows lie scattered
    for start in range(0, len(rows), 1000):
        session.execute(insert(OutboxMessage), rows[start : start + 1000])
    session.commit()
    return len(rows)


def outbox_counts(engine: Engine) -> dict[str, int]:
    """Rows by status, and the most attempts any row has used."""
    with engine.connect() as connection:
        counts = {status.value: 0 for status in OutboxStatus}
        for status, n in connection.execute(select(T.status, text("count(*)")).group_by(T.status)):
            counts[OutboxStatus(status).value] = int(n)
        counts["max_attempts"] = int(
            connection.execute(select(text("coalesce(max(attempts), 0)")).select_from(OUTBOX)).scalar_one()
        )
    return counts


def set_service_clock(engine: Engine, to: datetime) -> None:
    """The stored clock a simulated-clock `sanshe` command reads: from now on its time runs on from `to`."""
    with Session(engine) as session:
        set_stored_clock(session, to=to, wall_now=system_clock(), set_by="reliability-test")
        session.commit()


@dataclass(frozen=True)
class QueuedRow:
    id: int
    address: str
    entity_id: int
    message_id: str
    digest_key: str | None


def queued_rows(engine: Engine) -> list[QueuedRow]:
    """Every outbox row as delivery is judged: to whom, about which node, under which Message-ID."""
    with engine.connect() as connection:
        found = connection.execute(select(T.id, T.recipient_address, T.entity_id, T.message_id, T.digest_key))
        return [QueuedRow(int(i), str(a).lower(), int(e), str(m), d) for i, a, e, m, d in found]
