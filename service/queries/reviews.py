"""Reading review assignments and their scores within the actor's scope."""

from datetime import date, datetime
from email.utils import parseaddr

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from models.assignments import extensions_of
from models.errors import OutOfScope
from models.expert import Expert
from models.lifecycles import REVIEW_ASSIGNMENT
from models.notices import MESSAGE_ID_DOMAIN
from models.project import Project
from models.review import ReviewAssignment, ReviewScore
from models.roles import Actor
from models.scope import can_see
from service.mail.invitation import ReviewDate, review_feed, review_invitation
from service.mail.rendering import review_url
from service.queries.common import Page, StateView, state_view
from service.queries.scope import visible_assignments

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "编号"),
    ("project_title", "项目"),
    ("expert_name", "专家"),
    ("due_date", "评审截止日期"),
    ("state_label", "状态"),
    ("total_score", "总分"),
]


class ScorePublic(BaseModel):
    criterion: str
    score: int
    comment: str


class AssignmentPublic(StateView):
    id: int
    project_id: int
    project_title: str
    expert_id: int
    expert_name: str
    due_date: date
    total_score: int | None


class AssignmentDetail(AssignmentPublic):
    scores: list[ScorePublic]


def get_assignment(session: Session, *, actor: Actor, assignment_id: int) -> ReviewAssignment:
    assignment = session.get(ReviewAssignment, assignment_id)
    if assignment is None or not can_see(session, actor, assignment):
        raise OutOfScope("评审任务不存在或不在您的管辖范围内")
    return assignment


def _query(session: Session, actor: Actor, project_id: int | None, states: tuple[str, ...]):  # type: ignore[no-untyped-def]
    totals = (
        select(ReviewScore.assignment_id, func.sum(ReviewScore.score).label("total"))
        .group_by(ReviewScore.assignment_id)  # type: ignore[arg-type]
        .subquery()
    )
    query = (
        select(ReviewAssignment, Project.title, Expert.name, totals.c.total)
        .join(Project, Project.id == ReviewAssignment.project_id)  # type: ignore[arg-type]
        .join(Expert, Expert.id == ReviewAssignment.expert_id)  # type: ignore[arg-type]
        .outerjoin(totals, totals.c.assignment_id == ReviewAssignment.id)
        .where(visible_assignments(session, actor))
    )
    if project_id is not None:
        query = query.where(ReviewAssignment.project_id == project_id)
    if states:
        query = query.where(ReviewAssignment.state.in_(states))  # type: ignore[attr-defined]
    return query


def _public(
    row: tuple[ReviewAssignment, str, str, int | None], actor: Actor, now: datetime | None = None
) -> AssignmentPublic:
    assignment, title, expert_name, total = row
    assert assignment.id is not None
    return AssignmentPublic(
        id=assignment.id,
        project_id=assignment.project_id,
        project_title=title,
        expert_id=assignment.expert_id,
        expert_name=expert_name,
        due_date=assignment.due_date,
        total_score=total,
        **state_view(REVIEW_ASSIGNMENT, assignment, actor, now=now),
    )


def list_assignments(
    session: Session, *, actor: Actor, project_id: int | None, states: tuple[str, ...], page: int, page_size: int
) -> Page[AssignmentPublic]:
    query = _query(session, actor, project_id, states)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(ReviewAssignment.due_date, ReviewAssignment.id).offset((page - 1) * page_size).limit(page_size)  # type: ignore[arg-type]
    ).all()
    return Page[AssignmentPublic](
        items=[_public(row, actor) for row in rows], total=total, page=page, page_size=page_size
    )  # type: ignore[arg-type]


def all_assignments(
    session: Session, *, actor: Actor, project_id: int | None, states: tuple[str, ...]
) -> list[AssignmentPublic]:
    rows = session.execute(
        _query(session, actor, project_id, states).order_by(ReviewAssignment.due_date, ReviewAssignment.id)
    ).all()  # type: ignore[arg-type]
    return [_public(row, actor) for row in rows]  # type: ignore[arg-type]


def assignment_detail(
    session: Session, *, actor: Actor, assignment_id: int, now: datetime | None = None
) -> AssignmentDetail:
    """The assignment with its scores; given `now`, its actions say whether they are possible now and why not."""
    assignment = get_assignment(session, actor=actor, assignment_id=assignment_id)
    row = session.execute(_query(session, actor, None, ()).where(ReviewAssignment.id == assignment.id)).one()
    scores = (
        session.execute(
            select(ReviewScore).where(ReviewScore.assignment_id == assignment.id).order_by(ReviewScore.id)  # type: ignore[arg-type]
        )
        .scalars()
        .all()
    )
    return AssignmentDetail(
        **_public(row, actor, now).model_dump(),  # type: ignore[arg-type]
        scores=[ScorePublic(criterion=s.criterion, score=s.score, comment=s.comment) for s in scores],
    )


OPEN_ASSIGNMENT_STATES = ("offered", "accepted")  # still due: what an expert's calendar shows


def _review_date(session: Session, assignment: ReviewAssignment, public_url: str) -> ReviewDate:
    """The date as the mails' invitations carry it: SEQUENCE 0 at the assignment, one more per extension."""
    assert assignment.id is not None
    project = session.get(Project, assignment.project_id)
    assert project is not None
    assert assignment.id is not None
    extensions = extensions_of(session, assignment.id)
    url = review_url(public_url, assignment.id)
    return ReviewDate(assignment.id, project.title, assignment.due_date, extensions, url)


def assignment_invitation(
    session: Session, *, actor: Actor, assignment_id: int, sender: str, public_url: str, now: datetime
) -> tuple[str, str]:
    """The .ics of one assignment (the invitation its mail carried, same UID and SEQUENCE) and its file name."""
    assignment = get_assignment(session, actor=actor, assignment_id=assignment_id)
    expert = session.get(Expert, assignment.expert_id)
    assert expert is not None
    review = _review_date(session, assignment, public_url)
    sender_name, sender_address = parseaddr(sender)
    ics = review_invitation(
        assignment_id=review.assignment_id,
        project_title=review.project_title,
        due_date=review.due_date,
        sequence=review.sequence,
        organizer=(sender_name or sender_address, sender_address),
        attendee=(expert.name, expert.email or f"expert-{expert.id}@{MESSAGE_ID_DOMAIN}"),
        url=review.url,
        now=now,
    )
    return ics, f"评审任务-{review.project_title}.ics"


def expert_feed(session: Session, *, expert_id: int, public_url: str, now: datetime) -> str:
    """The expert's open assignments as one subscribed calendar."""
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise OutOfScope("日历订阅不存在")
    assignments = session.exec(
        select(ReviewAssignment)
        .where(ReviewAssignment.expert_id == expert_id, col(ReviewAssignment.state).in_(OPEN_ASSIGNMENT_STATES))
        .order_by(col(ReviewAssignment.due_date), col(ReviewAssignment.id))
    ).all()
    reviews = [_review_date(session, a, public_url) for a in assignments]
    return review_feed(reviews, name=f"{expert.name}的评审任务", now=now)
