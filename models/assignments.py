"""The coordinator assigns declarations to experts for review, never to one with a conflict of interest."""

from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from models.audit import AuditEvent, record_audit
from models.errors import (
    EventNotAllowedInState,
    OutOfScope,
    RoleNotAllowed,
    RulesFailed,
    RuleViolation,
    StaleVersion,
)
from models.expert import Expert, ExpertConflict
from models.lifecycles import PROJECT, REVIEW_ASSIGNMENT
from models.notices import queue_notice
from models.project import Project
from models.recipients import expert_recipient
from models.review import ReviewAssignment
from models.roles import Actor, Role
from models.scope import can_see
from models.transition import record_creation

EXTEND_EVENT = "extend_due_date"  # audited like a transition, but the state stays: only the date moves


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


def extend_review_due_date(
    session: Session,
    *,
    assignment: ReviewAssignment,
    due_date: date,
    actor: Actor,
    expected_version: int,
    now: datetime,
    reason: str | None = None,
) -> AuditEvent:
    """Give an expert more time; the calendar invitation is re-sent with the same UID. The caller commits."""
    if not can_see(session, actor, assignment):
        raise OutOfScope(f"{REVIEW_ASSIGNMENT.label}不存在或不在您的管辖范围内")
    if actor.role not in (Role.CITY_COORDINATOR, Role.ADMIN):
        raise RoleNotAllowed("只有市民政局可以延长评审截止日期")
    if assignment.state not in REVIEW_ASSIGNMENT.live_states:
        raise EventNotAllowedInState(
            f"评审任务当前状态为“{REVIEW_ASSIGNMENT.states[assignment.state]}”，只有未完成的评审任务可以延期"
        )
    if expected_version != assignment.version:
        raise StaleVersion(
            f"{REVIEW_ASSIGNMENT.label}已被他人修改（当前版本 {assignment.version}，"
            f"您提交的版本 {expected_version}），请刷新后重试"
        )
    previous = assignment.due_date
    if due_date <= previous:
        raise RulesFailed(
            [RuleViolation("review.extension_later", f"延期后的截止日期必须晚于原截止日期 {previous.isoformat()}")]
        )
    project = session.get(Project, assignment.project_id)
    expert = session.get(Expert, assignment.expert_id)
    assert project is not None and expert is not None and assignment.id is not None
    with session.begin_nested():
        moved = session.execute(
            update(ReviewAssignment)
            .where(ReviewAssignment.id == assignment.id, ReviewAssignment.version == expected_version)  # type: ignore[arg-type]
            .values(due_date=due_date, version=expected_version + 1)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleVersion("数据刚被他人修改，请刷新后重试")
        session.refresh(assignment)
        # The invitation's SEQUENCE: the creation sent 0, each extension one more.
        sequence = (
            1
            + session.exec(
                select(func.count()).where(
                    AuditEvent.entity_type == REVIEW_ASSIGNMENT.name,
                    AuditEvent.entity_id == assignment.id,
                    AuditEvent.event == EXTEND_EVENT,
                )
            ).one()
        )
        audit = record_audit(
            session,
            entity_type=REVIEW_ASSIGNMENT.name,
            entity=assignment,
            event=EXTEND_EVENT,
            from_state=assignment.state,
            actor=actor,
            now=now,
            reason=(reason or "").strip() or None,
            details={"from_due_date": previous.isoformat(), "to_due_date": due_date.isoformat(), "sequence": sequence},
        )
        queue_notice(
            session,
            template="review_extended",
            entity_type=REVIEW_ASSIGNMENT.name,
            entity_id=assignment.id,
            recipient=expert_recipient(expert),
            params={
                "project_id": project.id,
                "project_title": project.title,
                "due_date": due_date.isoformat(),
                "previous_due_date": previous.isoformat(),
                "sequence": sequence,
                "reason": audit.reason,
            },
            now=now,
        )
        session.flush()
    return audit
