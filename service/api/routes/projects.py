"""Declarations and projects: the filtered list, the detail with team and budget, and new declarations."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from models.dates import shanghai_date
from models.lifecycles import PROJECT
from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.params import EntityId, Format
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.declarations import DeclarationCreate, create_declaration
from service.excel.exporting import export_rows
from service.fields import MAX_INT
from service.queries import nodes as node_queries
from service.queries import projects as project_queries
from service.queries.common import MAX_PAGE_SIZE, Page
from service.queries.nodes import NodePublic
from service.queries.projects import ProjectDetail, ProjectFilters, ProjectRow, ProjectSort

router = APIRouter(prefix="/projects", tags=["projects"])
ProjectState = Literal[tuple(PROJECT.states)]  # type: ignore[valid-type]
OptionalId = Annotated[int | None, Field(ge=1, le=MAX_INT)]


class ProjectQuery(BaseModel):
    """Filters, order and page of the project list."""

    programme_id: OptionalId = None
    district_id: OptionalId = None
    street_id: OptionalId = None
    community_id: OptionalId = None
    organisation_id: OptionalId = Field(
        default=None, description="社工机构；盲评的评审专家按此筛选时，盲评项目照常列出（不据此透露申报机构）"
    )
    state: list[ProjectState] = Field(default_factory=list, description="状态，可多选")  # type: ignore[valid-type]
    overdue: bool | None = Field(default=None, description="是否有逾期未完成的节点")
    sort: ProjectSort = Field(default="-id", description="排序字段，前加 - 为倒序；同值按编号排，顺序稳定")
    page: int = Field(default=1, ge=1, le=1_000_000)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)
    format: Literal["json", "xlsx"] = "json"


@router.get("", response_model=Page[ProjectRow], responses=XLSX_RESPONSES)
def read_projects(
    session: SessionDep, actor: CurrentActor, now: ClockDep, query: Annotated[ProjectQuery, Query()]
) -> Any:
    filters = ProjectFilters(
        programme_id=query.programme_id,
        district_id=query.district_id,
        street_id=query.street_id,
        community_id=query.community_id,
        organisation_id=query.organisation_id,
        states=tuple(query.state),
        overdue=query.overdue,
    )
    today = shanghai_date(now)
    if query.format == "xlsx":
        rows = project_queries.iter_project_rows(session, actor=actor, filters=filters, sort=query.sort, today=today)
        content = export_rows("项目列表", project_queries.EXPORT_COLUMNS, (row.model_dump() for row in rows))
        return xlsx_response(content, filename="项目列表")
    return project_queries.list_projects(
        session, actor=actor, filters=filters, sort=query.sort, page=query.page, page_size=query.page_size, today=today
    )


@router.get("/{project_id}")
def read_project(session: SessionDep, actor: CurrentActor, now: ClockDep, project_id: EntityId) -> ProjectDetail:
    return project_queries.project_detail(
        session, actor=actor, project_id=project_id, today=shanghai_date(now), now=now
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def declare_project(session: SessionDep, now: ClockDep, actor: CurrentActor, data: DeclarationCreate) -> ProjectDetail:
    """社工机构与社区共同申报一个项目（草稿），含团队与预算科目。"""
    return create_declaration(session, data=data, actor=actor, now=now, today=shanghai_date(now))


@router.get("/{project_id}/nodes", response_model=list[NodePublic], responses=XLSX_RESPONSES)
def read_project_nodes(
    session: SessionDep, actor: CurrentActor, now: ClockDep, project_id: EntityId, format: Format = "json"
) -> Any:
    nodes = node_queries.project_nodes(session, actor=actor, project_id=project_id, today=shanghai_date(now))
    if format == "xlsx":
        content = export_rows(f"项目{project_id}节点", node_queries.EXPORT_COLUMNS, (n.model_dump() for n in nodes))
        return xlsx_response(content, filename=f"项目{project_id}节点")
    return nodes
