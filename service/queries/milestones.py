"""Reading a project's dated nodes and the versions of each node report, within the actor's scope."""

from datetime import date, datetime

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.lifecycles import NODE_REPORT
from models.milestone import Milestone, NodeReportVersion
from models.roles import Actor, Role
from models.scope import can_see
from service.queries.common import StateView, state_view
from service.queries.projects import get_project

EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "编号"),
    ("title", "节点"),
    ("due_date", "截止日期"),
    ("state_label", "状态"),
    ("overdue", "已逾期"),
]


class MilestonePublic(StateView):
    id: int
    project_id: int
    kind: str
    sequence: int
    title: str
    due_date: date
    planned_from: str
    provisional: bool
    overdue: bool


class ReportVersionPublic(BaseModel):
    number: int
    summary: str
    attachments: list[str]
    submitted_at: datetime
    submitted_by: str
    community_opinion: str | None
    review_comment: str | None


class MilestoneDetail(MilestonePublic):
    versions: list[ReportVersionPublic]


def _public(milestone: Milestone, actor: Actor, today: date) -> MilestonePublic:
    assert milestone.id is not None
    return MilestonePublic(
        id=milestone.id,
        project_id=milestone.project_id,
        kind=milestone.kind,
        sequence=milestone.sequence,
        title=milestone.title,
        due_date=milestone.due_date,
        planned_from=milestone.planned_from,
        provisional=milestone.provisional,
        overdue=milestone.state not in NODE_REPORT.group("closed") and milestone.due_date < today,
        **state_view(NODE_REPORT, milestone, actor),
    )


def get_milestone(session: Session, *, actor: Actor, milestone_id: int) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or not can_see(session, actor, milestone):
        raise OutOfScope("节点报告不存在或不在您的管辖范围内")
    return milestone


def project_milestones(session: Session, *, actor: Actor, project_id: int, today: date) -> list[MilestonePublic]:
    """The nodes of one project in due order; experts, who see declarations only, get 'not found'."""
    project = get_project(session, actor=actor, project_id=project_id)
    if actor.role is Role.EXPERT:  # as in can_see: experts see declarations, not node reports
        raise OutOfScope("项目不存在或不在您的管辖范围内")
    nodes = session.exec(
        select(Milestone).where(Milestone.project_id == project.id).order_by(Milestone.due_date, Milestone.id)  # type: ignore[arg-type]
    ).all()
    return [_public(node, actor, today) for node in nodes]


def milestone_detail(session: Session, *, actor: Actor, milestone_id: int, today: date) -> MilestoneDetail:
    milestone = get_milestone(session, actor=actor, milestone_id=milestone_id)
    versions = session.exec(
        select(NodeReportVersion)
        .where(NodeReportVersion.milestone_id == milestone.id)
        .order_by(NodeReportVersion.number)  # type: ignore[arg-type]
    ).all()
    return MilestoneDetail(
        **_public(milestone, actor, today).model_dump(),
        versions=[ReportVersionPublic.model_validate(v, from_attributes=True) for v in versions],
    )
