"""`transition()` with the effects bound, and the two extensions: what every entry point calls to change a state.

The caller commits; on any error nothing is written.
"""

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from models.assignments import EXTEND_EVENT
from models.audit import AuditEvent
from models.node import Node
from models.review import ReviewAssignment
from models.roles import Actor
from models.transition import TransitionResult
from models.transition import transition as bound_transition
from schedules.replanning import NodeMove
from service.effects import EFFECTS

NODE_EXTENSION = "extend"


def transition(
    session: Session,
    entity: Any,
    event_name: str,
    *,
    actor: Actor,
    expected_version: int | None,
    now: datetime,
    reason: str | None = None,
    payload: dict[str, Any] | None = None,
    override: bool = False,
    on_behalf: bool = False,
) -> TransitionResult:
    """Fire `event_name` on `entity` with the effects of `service.effects` (`override` and `on_behalf`: see
    `models.transition.transition`)."""
    return bound_transition(
        session,
        entity,
        event_name,
        actor=actor,
        expected_version=expected_version,
        now=now,
        reason=reason,
        payload=payload,
        override=override,
        on_behalf=on_behalf,
        effects=EFFECTS,
    )


def grant_extension(
    session: Session,
    node: Node,
    *,
    new_due: date,
    actor: Actor,
    expected_version: int | None,
    now: datetime,
    reason: str | None,
) -> NodeMove:
    """Move an open node's due date later (the node report's `extend`); a holiday rolls to the next working day."""
    result = transition(
        session,
        node,
        NODE_EXTENSION,
        actor=actor,
        expected_version=expected_version,
        now=now,
        reason=reason,
        payload={"due_date": new_due},
    )
    assert node.id is not None
    from_due = date.fromisoformat(result.audit.details["from_due"])
    return NodeMove(node.id, node.project_id, node.title, from_due, node.due_date, node.provisional)


def extend_review_due_date(
    session: Session,
    *,
    assignment: ReviewAssignment,
    due_date: date,
    actor: Actor,
    expected_version: int | None,
    now: datetime,
    reason: str | None = None,
) -> AuditEvent:
    """Give an expert more time (the review's `extend_due_date`); the invitation is re-sent with the same UID."""
    return transition(
        session,
        assignment,
        EXTEND_EVENT,
        actor=actor,
        expected_version=expected_version,
        now=now,
        reason=reason,
        payload={"due_date": due_date},
    ).audit
