"""The coordinator assigns declarations to experts for review, never to one with a conflict of interest."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.authority import authorize, refuse_unless_guards_pass
from models.expert import Expert
from models.guards import new_due_date
from models.lifecycles import PROJECT, REVIEW_ASSIGNMENT
from models.notices import queue_notice
from models.payloads import AssignmentPayload
from models.project import Project
from models.recipients import expert_recipient
from models.review import ReviewAssignment
from models.roles import Actor
from models.statemachine import TransitionContext
from models.transition import record_creation

ASSIGN_EVENT = "assign"
EXTEND_EVENT = "extend_due_date"  # a self-transition: the state stays, the date and the version move


def assign_expert(
    session: Session, *, project: Project, expert: Expert, due_date: date, actor: Actor, now: datetime
) -> ReviewAssignment:
    """Offer one declaration to one expert, as declared by REVIEW_ASSIGNMENT's `assign`; the caller commits."""
    creation = authorize(
        session, actor=actor, subject=REVIEW_ASSIGNMENT, action=ASSIGN_EVENT, entity=project, entity_label=PROJECT.label
    )
    invited = AssignmentPayload(expert_id=expert.id)
    refuse_unless_guards_pass(creation, TransitionContext(session, project, actor, invited, None, now))
    assert project.id is not None and expert.id is not None
    assignment = ReviewAssignment(
        project_id=project.id, expert_id=expert.id, due_date=due_date, state=REVIEW_ASSIGNMENT.initial
    )
    session.add(assignment)
    session.flush()
    assert assignment.id is not None
    record_creation(session, assignment, actor=actor, now=now, details={"expert_id": expert.id})
    queue_notice(
        session,
        template="review_assigned",
        entity_type=REVIEW_ASSIGNMENT.name,
        entity_id=assignment.id,
        version=assignment.version,
        recipient=expert_recipient(expert),
        params={"project_id": project.id, "project_title": project.title, "due_date": due_date.isoformat()},
        now=now,
    )
    session.flush()
    return assignment


def extensions_of(session: Session, assignment_id: int) -> int:
    """How often the review's due date was extended: its invitation's SEQUENCE (0 when first sent)."""
    return session.exec(
        select(func.count()).where(
            AuditEvent.entity_type == REVIEW_ASSIGNMENT.name,
            AuditEvent.entity_id == assignment_id,
            AuditEvent.event == EXTEND_EVENT,
        )
    ).one()


def extend_review(ctx: TransitionContext) -> dict[str, Any]:
    """The effect `extend_review` of the review's `extend_due_date`: a later date, and the invitation again.

    The invitation keeps its UID; its SEQUENCE is 0 at the creation and one more at each extension.
    """
    assignment: ReviewAssignment = ctx.entity
    session, now = ctx.session, ctx.now
    previous, due_date = assignment.due_date, new_due_date(ctx)
    assert assignment.id is not None
    sequence = 1 + extensions_of(session, assignment.id)
    assignment.due_date = due_date
    session.add(assignment)
    project = session.get(Project, assignment.project_id)
    expert = session.get(Expert, assignment.expert_id)
    assert project is not None and expert is not None and assignment.id is not None
    queue_notice(
        session,
        template="review_extended",
        entity_type=REVIEW_ASSIGNMENT.name,
        entity_id=assignment.id,
        version=assignment.version,
        recipient=expert_recipient(expert),
        params={
            "project_id": project.id,
            "project_title": project.title,
            "due_date": due_date.isoformat(),
            "previous_due_date": previous.isoformat(),
            "sequence": sequence,
            "reason": ctx.reason,
        },
        now=now,
    )
    return {"from_due_date": previous.isoformat(), "to_due_date": due_date.isoformat(), "sequence": sequence}
