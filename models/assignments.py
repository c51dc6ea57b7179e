"""The coordinator assigns declarations to experts for review, never to one with a conflict of interest."""

from datetime import date, datetime

from sqlmodel import Session, select

from models.errors import EventNotAllowedInState, RoleNotAllowed, RuleViolation, RulesFailed
from models.expert import Expert, ExpertConflict
from models.lifecycles import PROJECT, REVIEW_ASSIGNMENT
from models.notices import queue_notice
from models.project import Project
from models.recipients import expert_recipient
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.transition import record_creation


def assign_expert(
    session: Session, *, project: Project, expert: Expert, due_date: date, actor: Actor, now: datetime
) -> ReviewAssignment:
    """Offer one declaration to one expert; the caller commits."""
    if actor.role not in (Role.CITY_COORDINATOR, Role.ADMIN):
        raise RoleNotAllowed("只有市民政局可以分配评审任务")
    if project.state != "under_review":
        raise EventNotAllowedInState(
            f"项目当前状态为“{PROJECT.states[project.state]}”，只有专家评审中的项目可以分配评审任务"
        )
    conflict = session.exec(
        select(ExpertConflict).where(
            ExpertConflict.expert_id == expert.id, ExpertConflict.organisation_id == project.organisation_id
        )
    ).first()
    if conflict is not None:
        raise RulesFailed([RuleViolation("review.conflict", f"{expert.name} 与申报机构存在利益冲突，不能评审此项目")])
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
        recipient=expert_recipient(expert),
        params={"project_id": project.id, "project_title": project.title, "due_date": due_date.isoformat()},
        now=now,
    )
    session.flush()
    return assignment
