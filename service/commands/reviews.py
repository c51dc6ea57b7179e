"""The coordinator offers a declaration to an expert for review."""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from models.assignments import assign_expert
from models.errors import OutOfScope
from models.expert import Expert
from models.review import ReviewAssignment
from models.roles import Actor
from service.errors import Duplicate
from service.fields import Day, Id
from service.queries.projects import get_project
from service.queries.reviews import AssignmentDetail, assignment_detail


class AssignmentCreate(BaseModel):
    project_id: Id
    expert_id: Id
    due_date: Day


def create_assignment(session: Session, *, data: AssignmentCreate, actor: Actor, now: datetime) -> AssignmentDetail:
    project = get_project(session, actor=actor, project_id=data.project_id)
    expert = session.get(Expert, data.expert_id)
    if expert is None:
        raise OutOfScope("专家不存在")
    taken = select(ReviewAssignment.id).where(
        ReviewAssignment.project_id == project.id, ReviewAssignment.expert_id == expert.id
    )
    if session.exec(taken).first() is not None:
        raise Duplicate(f"{expert.name} 已被分配评审此项目")
    assignment = assign_expert(session, project=project, expert=expert, due_date=data.due_date, actor=actor, now=now)
    session.commit()
    assert assignment.id is not None
    return assignment_detail(session, actor=actor, assignment_id=assignment.id)
