"""The coordinator gives a node report or an expert's review more time: the domain's extension, then commit."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlmodel import Session

from models.dates import shanghai_date
from models.roles import Actor
from service.fields import MAX_INT, Day, text
from service.queries.nodes import NodeDetail, get_node, node_detail
from service.queries.reviews import AssignmentDetail, assignment_detail, get_assignment
from service.transitions import extend_review_due_date, grant_extension

DueDate = Annotated[Day, Field(description="新的截止日期")]
Version = Annotated[int, Field(ge=0, le=MAX_INT, description="读取时的版本号，防止覆盖他人的修改")]


class NodeExtension(BaseModel):
    new_due_date: DueDate
    reason: text(2000, multiline=True)  # type: ignore[valid-type]
    expected_version: Version


class AssignmentExtension(BaseModel):
    new_due_date: DueDate
    expected_version: Version
    reason: text(2000, multiline=True) | None = None  # type: ignore[valid-type]


def extend_node(session: Session, *, node_id: int, data: NodeExtension, actor: Actor, now: datetime) -> NodeDetail:
    """Move the node's due date (audited with the reason); rungs already sent stay sent. Committed."""
    node = get_node(session, actor=actor, node_id=node_id)
    grant_extension(
        session,
        node,
        new_due=data.new_due_date,
        actor=actor,
        expected_version=data.expected_version,
        now=now,
        reason=data.reason,
    )
    session.commit()
    return node_detail(session, actor=actor, node_id=node_id, today=shanghai_date(now))


def extend_assignment(
    session: Session, *, assignment_id: int, data: AssignmentExtension, actor: Actor, now: datetime
) -> AssignmentDetail:
    """Move the review's due date; the expert is sent the updated invitation through the outbox. Committed."""
    assignment = get_assignment(session, actor=actor, assignment_id=assignment_id)
    extend_review_due_date(
        session,
        assignment=assignment,
        due_date=data.new_due_date,
        actor=actor,
        expected_version=data.expected_version,
        now=now,
        reason=data.reason,
    )
    session.commit()
    return assignment_detail(session, actor=actor, assignment_id=assignment_id)
