"""Extending a review's due date: the coordinator's alone, later only, audited, and re-invited by mail."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from models.assignments import EXTEND_EVENT
from models.audit import AuditEvent
from models.errors import EventNotAllowedInState, RoleNotAllowed, RulesFailed, StaleVersion
from models.outbox import OutboxMessage
from models.roles import Role
from service.transitions import extend_review_due_date
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY, drive_assignment, offered_assignment

NOW = IMPLEMENTATION_DAY


def test_extension_is_audited_and_queues_a_higher_sequence(session: Session) -> None:
    cast, assignment = offered_assignment(session)
    coordinator = cast.actor(Role.CITY_COORDINATOR)
    old_due = assignment.due_date
    for day, version in ((date(2022, 10, 20), 1), (date(2022, 10, 28), 2)):
        extend_review_due_date(
            session,
            assignment=assignment,
            due_date=day,
            actor=coordinator,
            expected_version=version,
            now=NOW,
            reason="专家出差",
        )
    assert assignment.due_date == date(2022, 10, 28) and assignment.version == 3
    audits = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_id == assignment.id, AuditEvent.event == EXTEND_EVENT)
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [(a.from_state, a.to_state, a.entity_version, a.actor_role, a.reason) for a in audits] == [
        ("offered", "offered", 2, "city_coordinator", "专家出差"),
        ("offered", "offered", 3, "city_coordinator", "专家出差"),
    ]
    assert audits[0].details == {"from_due_date": old_due.isoformat(), "to_due_date": "2022-10-20", "sequence": 1}
    notices = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.entity_id == assignment.id, OutboxMessage.template == "review_extended")
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
    ).all()
    assert [(n.params["due_date"], n.params["sequence"]) for n in notices] == [("2022-10-20", 1), ("2022-10-28", 2)]
    assert notices[0].recipient_address == cast.experts[0].email


def test_extension_refusals_name_the_rule(session: Session) -> None:
    cast, assignment = offered_assignment(session)
    later = assignment.due_date + timedelta(days=7)
    coordinator = cast.actor(Role.CITY_COORDINATOR)
    with pytest.raises(RoleNotAllowed, match="只有市民政局可以延长评审截止日期"):
        extend_review_due_date(
            session,
            assignment=assignment,
            due_date=later,
            actor=cast.actor(Role.DISTRICT_BUREAU),
            expected_version=1,
            now=NOW,
        )
    with pytest.raises(RulesFailed, match="必须晚于原截止日期"):
        extend_review_due_date(
            session, assignment=assignment, due_date=assignment.due_date, actor=coordinator, expected_version=1, now=NOW
        )
    with pytest.raises(StaleVersion):
        extend_review_due_date(
            session, assignment=assignment, due_date=later, actor=coordinator, expected_version=0, now=NOW
        )
    drive_assignment(session, cast, assignment, ["decline"])
    with pytest.raises(EventNotAllowedInState, match="已谢绝"):
        extend_review_due_date(
            session,
            assignment=assignment,
            due_date=later,
            actor=coordinator,
            expected_version=assignment.version,
            now=NOW,
        )
