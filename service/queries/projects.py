"""Reading declarations and projects within the actor's scope: filtered, sorted, paged lists and the detail."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, exists, false, func
from sqlmodel import Session, select

from models.guards import CLOSED_NODE_STATES
from models.lifecycles import PROJECT
from models.milestone import Milestone
from models.organisation import Organisation
from models.programme import Programme
from models.project import BudgetLine, Project, ProjectTeamMember
from models.region import Region, RegionLevel
from models.roles import Actor, Role
from models.scope import can_see
from models.errors import OutOfScope
from models.social_worker import SocialWorker
from service.queries.common import Page, StateView, state_view
from service.queries.scope import communities_under, visible_projects

ProjectSort = Literal[
    "id", "-id", "created_at", "-created_at", "title", "-title", "state", "-state", "total_fen", "-total_fen"
]
_SORT_COLUMNS: dict[str, Any] = {
    "id": Project.id,
    "created_at": Project.created_at,
    "title": Project.title,
    "state": Project.state,
    "total_fen": Project.total_fen,
}
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "编号"),
    ("title", "项目名称"),
    ("state_label", "状态"),
    ("district_name", "区县"),
    ("street_name", "街道"),
    ("community_name", "社区"),
    ("organisation_name", "社工机构"),
    ("total_fen", "经费（分）"),
    ("overdue", "有逾期节点"),
    ("created_at", "申报时间"),
]


@dataclass(frozen=True)
class ProjectFilters:
    programme_id: int | None = None
    district_id: int | None = None
    street_id: int | None = None
    community_id: int | None = None
    organisation_id: int | None = None
    states: tuple[str, ...] = ()
    overdue: bool | None = None


class ProjectRow(StateView):
    id: int
    programme_id: int
    title: str
    community_id: int
    community_name: str
    street_name: str | None
    district_name: str | None
    organisation_id: int | None  # None where the review is blind and the reader is an expert
    organisation_name: str | None
    total_fen: int
    created_at: datetime
    overdue: bool


class TeamMemberPublic(BaseModel):
    social_worker_id: int
    name: str
    qualification: str
    social_work_degree: bool
    full_time: bool


class BudgetLinePublic(BaseModel):
    code: str
    name: str
    amount_fen: int


class ProjectDetail(ProjectRow):
    programme_name: str
    community_service_area_m2: int
    street_leader_consent_file: str | None
    team: list[TeamMemberPublic]
    budget_lines: list[BudgetLinePublic]


def overdue_nodes(today: date) -> ColumnElement[bool]:
    """The project has a node still open after its due date."""
    return exists().where(
        Milestone.project_id == Project.id,
        Milestone.state.not_in(CLOSED_NODE_STATES),  # type: ignore[attr-defined]
        Milestone.due_date < today,
    )


def _conditions(session: Session, actor: Actor, filters: ProjectFilters, today: date) -> list[ColumnElement[bool]]:
    conditions = [visible_projects(session, actor)]
    if filters.programme_id is not None:
        conditions.append(Project.programme_id == filters.programme_id)  # type: ignore[arg-type]
    for region_id in (filters.district_id, filters.street_id):
        if region_id is not None:
            path = session.exec(select(Region.path).where(Region.id == region_id)).first()  # type: ignore[call-overload]
            conditions.append(false() if path is None else communities_under(path))
    if filters.community_id is not None:
        conditions.append(Project.community_id == filters.community_id)  # type: ignore[arg-type]
    if filters.organisation_id is not None:
        conditions.append(Project.organisation_id == filters.organisation_id)  # type: ignore[arg-type]
    if filters.states:
        conditions.append(Project.state.in_(filters.states))  # type: ignore[attr-defined]
    if filters.overdue is not None:
        clause = overdue_nodes(today)
        conditions.append(clause if filters.overdue else ~clause)
    return conditions


def _ordered(query: Select[Any], sort: ProjectSort) -> Select[Any]:
    column = _SORT_COLUMNS[sort.lstrip("-")]
    if sort.startswith("-"):
        return query.order_by(column.desc(), Project.id.desc())  # type: ignore[union-attr]
    return query.order_by(column.asc(), Project.id.asc())  # type: ignore[union-attr]


def _row_query(conditions: Sequence[ColumnElement[bool]]) -> Select[Any]:
    return (
        select(Project, Region.name, Region.path, Organisation.name)
        .join(Region, Region.id == Project.community_id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == Project.organisation_id)  # type: ignore[arg-type]
        .where(*conditions)
    )


def list_projects(
    session: Session, *, actor: Actor, filters: ProjectFilters, sort: ProjectSort, page: int, page_size: int, today: date
) -> Page[ProjectRow]:
    conditions = _conditions(session, actor, filters, today)
    total = session.exec(select(func.count()).select_from(Project).where(*conditions)).one()  # type: ignore[call-overload]
    query = _ordered(_row_query(conditions), sort).offset((page - 1) * page_size).limit(page_size)
    rows = _rows(session, actor, session.execute(query).all(), today)
    return Page[ProjectRow](items=rows, total=total, page=page, page_size=page_size)


def iter_project_rows(
    session: Session, *, actor: Actor, filters: ProjectFilters, sort: ProjectSort, today: date, chunk: int = 1000
) -> Iterator[ProjectRow]:
    """Every matching row, in order, a chunk at a time: what an export writes."""
    query = _ordered(_row_query(_conditions(session, actor, filters, today)), sort)
    for part in session.execute(query.execution_options(yield_per=chunk)).partitions():
        yield from _rows(session, actor, part, today)


def _rows(session: Session, actor: Actor, results: Sequence[Any], today: date) -> list[ProjectRow]:
    if not results:
        return []
    ids = [project.id for project, *_ in results]
    late = set(
        session.exec(  # type: ignore[call-overload]
            select(Milestone.project_id).where(
                Milestone.project_id.in_(ids),  # type: ignore[attr-defined]
                Milestone.state.not_in(CLOSED_NODE_STATES),  # type: ignore[attr-defined]
                Milestone.due_date < today,
            ).distinct()
        ).all()
    )
    ancestor_ids = {int(part) for _, _, path, _ in results for part in path.strip("/").split("/")}
    ancestors = {
        region_id: (name, level)
        for region_id, name, level in session.execute(
            select(Region.id, Region.name, Region.level).where(Region.id.in_(ancestor_ids))  # type: ignore[union-attr]
        ).all()
    }
    hidden = _blind_programmes(session, actor, {project.programme_id for project, *_ in results})
    rows = []
    for project, community_name, path, organisation_name in results:
        by_level = {ancestors[int(p)][1]: ancestors[int(p)][0] for p in path.strip("/").split("/") if int(p) in ancestors}
        blind = project.programme_id in hidden
        rows.append(
            ProjectRow(
                id=project.id,
                programme_id=project.programme_id,
                title=project.title,
                community_id=project.community_id,
                community_name=community_name,
                street_name=by_level.get(RegionLevel.STREET),
                district_name=by_level.get(RegionLevel.DISTRICT),
                organisation_id=None if blind else project.organisation_id,
                organisation_name=None if blind else organisation_name,
                total_fen=project.total_fen,
                created_at=project.created_at,
                overdue=project.id in late,
                **state_view(PROJECT, project, actor),
            )
        )
    return rows


def _blind_programmes(session: Session, actor: Actor, programme_ids: set[int]) -> set[int]:
    """Programmes whose review hides the organisation from this reader (experts only)."""
    if actor.role is not Role.EXPERT or not programme_ids:
        return set()
    specs = session.execute(select(Programme.id, Programme.spec).where(Programme.id.in_(programme_ids))).all()  # type: ignore[union-attr]
    return {programme_id for programme_id, spec in specs if spec.get("rubric", {}).get("blind")}


def get_project(session: Session, *, actor: Actor, project_id: int) -> Project:
    """The project if it exists and the actor may see it; otherwise 'not found', whichever it is."""
    project = session.get(Project, project_id)
    if project is None or not can_see(session, actor, project):
        raise OutOfScope("项目不存在或不在您的管辖范围内")
    return project


def project_detail(session: Session, *, actor: Actor, project_id: int, today: date) -> ProjectDetail:
    project = get_project(session, actor=actor, project_id=project_id)
    results = session.execute(_row_query([Project.id == project.id])).all()  # type: ignore[list-item]
    row = _rows(session, actor, results, today)[0]
    programme = session.get(Programme, project.programme_id)
    assert programme is not None
    team = session.execute(
        select(ProjectTeamMember, SocialWorker)
        .join(SocialWorker, SocialWorker.id == ProjectTeamMember.social_worker_id)  # type: ignore[arg-type]
        .where(ProjectTeamMember.project_id == project.id)
        .order_by(ProjectTeamMember.id)  # type: ignore[arg-type]
    ).all()
    lines = session.exec(select(BudgetLine).where(BudgetLine.project_id == project.id).order_by(BudgetLine.id)).all()  # type: ignore[arg-type]
    return ProjectDetail(
        **row.model_dump(),
        programme_name=programme.name,
        community_service_area_m2=project.community_service_area_m2,
        street_leader_consent_file=project.street_leader_consent_file,
        team=[
            TeamMemberPublic(
                social_worker_id=worker.id, name=worker.name, qualification=worker.qualification.value,
                social_work_degree=worker.social_work_degree, full_time=member.full_time,
            )
            for member, worker in team
        ],
        budget_lines=[BudgetLinePublic(code=line.code, name=line.name, amount_fen=line.amount_fen) for line in lines],
    )
