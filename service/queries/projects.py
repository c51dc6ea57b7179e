"""Reading declarations and projects within the actor's scope: filtered, sorted, paged lists and the detail."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models.errors import OutOfScope
from models.lifecycles import NODE, PROJECT
from models.node import Node
from models.organisation import Organisation
from models.programme import Programme
from models.project import BudgetLine, Project, ProjectTeamMember
from models.region import Region, RegionLevel
from models.roles import Actor, Role
from models.scope import REGION_ROLES, can_see
from models.social_worker import SocialWorker
from service.queries.cached_counts import cached, scope_key
from service.queries.common import Page, StateView, state_view
from service.queries.scope import visible_projects

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
    title_contains: str | None = None  # a part of the title, matched literally (% and _ are no wildcards)


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
    team: list[TeamMemberPublic]  # empty where the review is blind and the reader is an expert
    budget_lines: list[BudgetLinePublic]


OPEN_NODE_STATES = tuple(sorted(NODE.open))


def overdue_nodes(today: date) -> ColumnElement[bool]:
    """The project has a node still open after its due date (open states listed, so the index answers alone)."""
    return (
        select(Node.id)
        .where(
            Node.project_id == Project.id,
            Node.state.in_(OPEN_NODE_STATES),  # type: ignore[attr-defined]
            Node.due_date < today,
        )
        .exists()
    )


def _conditions(session: Session, actor: Actor, filters: ProjectFilters, today: date) -> list[ColumnElement[bool]]:
    """The filters and the actor's scope; region filters and scope merge into one predicate on the narrowest region."""
    regions = [r for r in (filters.district_id, filters.street_id, filters.community_id) if r is not None]
    conditions = [visible_projects(session, actor, within=regions, programme_id=filters.programme_id)]
    if filters.programme_id is not None:
        conditions.append(Project.programme_id == filters.programme_id)  # type: ignore[arg-type]
    if filters.organisation_id is not None:
        conditions.append(_of_organisation(session, actor, filters.organisation_id))
    if filters.states:
        conditions.append(Project.state.in_(filters.states))  # type: ignore[attr-defined]
    if filters.overdue is not None:
        clause = overdue_nodes(today)
        conditions.append(clause if filters.overdue else ~clause)
    if filters.title_contains:
        conditions.append(col(Project.title).contains(filters.title_contains, autoescape=True))
    return conditions


def _of_organisation(session: Session, actor: Actor, organisation_id: int) -> ColumnElement[bool]:
    """The organisation's projects; a blind review's declarations stay in an expert's list whatever it names, so
    that neither the rows nor the total tell the expert whose declaration it reviews."""
    own = Project.organisation_id == organisation_id
    hidden = blind_programmes(session, actor)
    return or_(Project.programme_id.in_(hidden), own) if hidden else own  # type: ignore[attr-defined, return-value]


def _ordered(query: Select[Any], sort: ProjectSort) -> Select[Any]:
    column = _SORT_COLUMNS[sort.lstrip("-")]
    if sort.startswith("-"):
        return query.order_by(column.desc(), Project.id.desc())  # type: ignore[union-attr]
    return query.order_by(column.asc(), Project.id.asc())  # type: ignore[union-attr]


# Built once: a fresh alias annotates each of its columns anew, a cost paid on every page otherwise.
_COMMUNITY, _STREET, _DISTRICT = aliased(Region), aliased(Region), aliased(Region)


def _row_query(conditions: Sequence[ColumnElement[bool]], today: date) -> Select[Any]:
    """Each project with its places' and organisation's names and whether a node is overdue, in one statement."""
    community, street, district = _COMMUNITY, _STREET, _DISTRICT
    return (
        select(Project, community.name, street.name, district.name, Organisation.name, overdue_nodes(today))  # type: ignore[call-overload]
        .join(community, community.id == Project.community_id)  # type: ignore[arg-type]
        .outerjoin(street, (street.id == community.parent_id) & (street.level == RegionLevel.STREET))  # type: ignore[arg-type]
        .outerjoin(district, district.id == Project.district_id)  # type: ignore[arg-type]
        .join(Organisation, Organisation.id == Project.organisation_id)  # type: ignore[arg-type]
        .where(*conditions)
    )


def list_projects(
    session: Session,
    *,
    actor: Actor,
    filters: ProjectFilters,
    sort: ProjectSort,
    page: int,
    page_size: int,
    today: date,
) -> Page[ProjectRow]:
    """One page and the exact total: the page's ids come from the project table alone, then their rows are joined.

    The total and the page are read again only after a change (`cached_counts`: what a row shows is audited, its
    overdue mark is of the day), except for an expert, whose rows hide the organisation while a review is blind."""
    conditions = _conditions(session, actor, filters, today)
    count = select(func.count()).select_from(Project).where(*conditions)
    dated = today if filters.overdue is not None else None  # only the overdue filter reads the day
    total = cached(session, ("projects", scope_key(actor), filters, dated), lambda: session.exec(count).one())  # type: ignore[call-overload]

    def page_rows() -> list[ProjectRow]:
        page_ids = _ordered(select(Project.id).where(*conditions), sort).offset((page - 1) * page_size).limit(page_size)
        ids = list(session.exec(page_ids).all())  # type: ignore[call-overload]
        if not ids:
            return []
        found = {row[0].id: row for row in session.execute(_row_query([Project.id.in_(ids)], today)).all()}  # type: ignore[union-attr]
        return _rows(session, actor, [found[i] for i in ids])

    if actor.role is Role.EXPERT:
        rows = page_rows()
    else:
        rows = cached(session, ("project-page", scope_key(actor), filters, sort, page, page_size, today), page_rows)
    return Page[ProjectRow](items=rows, total=total, page=page, page_size=page_size)


def iter_project_rows(
    session: Session, *, actor: Actor, filters: ProjectFilters, sort: ProjectSort, today: date, chunk: int = 1000
) -> Iterator[ProjectRow]:
    """Every matching row, in order, a chunk at a time: what an export writes."""
    query = _ordered(_row_query(_conditions(session, actor, filters, today), today), sort)
    for part in session.execute(query.execution_options(yield_per=chunk)).partitions():
        yield from _rows(session, actor, part)


def _rows(session: Session, actor: Actor, results: Sequence[Any], now: datetime | None = None) -> list[ProjectRow]:
    """The rows as a reader sees them; given `now` (a detail, not a list), each action says whether it is possible."""
    hidden = blind_programmes(session, actor, {project.programme_id for project, *_ in results})
    rows = []
    for project, community_name, street_name, district_name, organisation_name, overdue in results:
        blind = project.programme_id in hidden
        rows.append(
            ProjectRow(
                id=project.id,
                programme_id=project.programme_id,
                title=project.title,
                community_id=project.community_id,
                community_name=community_name,
                street_name=street_name,
                district_name=district_name,
                organisation_id=None if blind else project.organisation_id,
                organisation_name=None if blind else organisation_name,
                total_fen=project.total_fen,
                created_at=project.created_at,
                overdue=bool(overdue),
                **state_view(PROJECT, project, actor, now=now),
            )
        )
    return rows


def blind_programmes(session: Session, actor: Actor, programme_ids: set[int] | None = None) -> set[int]:
    """Programmes (of `programme_ids`, or all) whose review hides the organisation from this reader (experts only)."""
    if actor.role is not Role.EXPERT or programme_ids == set():
        return set()
    query = select(Programme.id, Programme.spec)
    if programme_ids is not None:
        query = query.where(Programme.id.in_(programme_ids))  # type: ignore[union-attr]
    specs = session.execute(query).all()
    return {programme_id for programme_id, spec in specs if spec.get("rubric", {}).get("blind")}


def get_project(session: Session, *, actor: Actor, project_id: int) -> Project:
    """The project if it exists and the actor may see it; otherwise 'not found', whichever it is."""
    project = session.get(Project, project_id)
    if project is None or not can_see(session, actor, project):
        raise OutOfScope("项目不存在或不在您的管辖范围内")
    return project


def project_detail(
    session: Session, *, actor: Actor, project_id: int, today: date, now: datetime | None = None
) -> ProjectDetail:
    """The project with its team and budget; given `now`, its actions say whether they are possible now and why not.

    A blind review's expert gets no team: the social workers' names and ids would name the organisation."""
    project = get_project(session, actor=actor, project_id=project_id)
    results = session.execute(_row_query([Project.id == project.id], today)).all()  # type: ignore[list-item]
    row = _rows(session, actor, results, now)[0]
    blind = bool(blind_programmes(session, actor, {project.programme_id}))
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
                social_worker_id=worker.id,
                name=worker.name,
                qualification=worker.qualification.value,
                social_work_degree=worker.social_work_degree,
                full_time=member.full_time,
            )
            for member, worker in team
            if not blind
        ],
        budget_lines=[BudgetLinePublic(code=line.code, name=line.name, amount_fen=line.amount_fen) for line in lines],
    )


class ProjectListChoices(BaseModel):
    """What the project list's filters offer this reader: places within its scope and organisations it may name."""

    districts: list[tuple[int, str]]
    streets: list[tuple[int, str]]  # labelled 区 / 街道
    organisations: list[tuple[int, str]]  # empty for an organisation (its own only) and an expert (blind reviews)


def project_list_choices(session: Session, *, actor: Actor) -> ProjectListChoices:
    """Districts and streets under the reader's own region (all of them for other roles), in name order; read again
    only after a change (places and organisations are audited, `cached_counts`)."""
    return cached(session, ("project-list-choices", scope_key(actor)), lambda: _project_list_choices(session, actor))


def _project_list_choices(session: Session, actor: Actor) -> ProjectListChoices:
    places = select(Region.id, Region.name, Region.level, Region.parent_id).where(
        col(Region.level).in_([RegionLevel.DISTRICT, RegionLevel.STREET])
    )
    if actor.role in REGION_ROLES:
        home = session.exec(select(Region.path).where(Region.id == actor.region_id)).first()
        if home is None:
            return ProjectListChoices(districts=[], streets=[], organisations=[])
        places = places.where(col(Region.path).startswith(home))
    regions = session.exec(places.order_by(col(Region.name), col(Region.id))).all()
    names = {region_id: name for region_id, name, _, _ in regions}
    parents = {parent for _, _, _, parent in regions} - set(names)
    if parents:
        names |= dict(session.exec(select(Region.id, Region.name).where(col(Region.id).in_(parents))).all())
    organisations: list[tuple[int, str]] = []
    if actor.role not in (Role.ORGANISATION, Role.EXPERT):
        organisations = list(session.exec(select(Organisation.id, Organisation.name).order_by(col(Organisation.name))))  # type: ignore[arg-type]
    return ProjectListChoices(
        districts=[(i, name) for i, name, level, _ in regions if level == RegionLevel.DISTRICT],
        streets=sorted(
            (
                (i, f"{names.get(parent, '')} / {name}")
                for i, name, level, parent in regions
                if level == RegionLevel.STREET
            ),
            key=lambda choice: choice[1],
        ),
        organisations=organisations,
    )


def project_titles(session: Session, *, actor: Actor, project_ids: set[int]) -> dict[int, str]:
    """The titles of those of these projects the actor may see, in one statement (a list's links)."""
    if not project_ids:
        return {}
    found = session.exec(
        select(Project.id, Project.title).where(col(Project.id).in_(project_ids), visible_projects(session, actor))
    ).all()
    return {project_id: title for project_id, title in found if project_id is not None}
