"""The register of review experts and evaluators (评审专家)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from models.roles import Actor
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, Format, PageNumber, PageSize, QueryWord
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.registers import ExpertCreate, ExpertUpdate, create_expert, update_expert
from service.excel.exporting import export_rows
from service.queries.common import Page
from service.queries.parties import EXPERT_EXPORT_COLUMNS, EXPERT_READERS, ExpertPublic, expert_detail, list_experts

router = APIRouter(prefix="/experts", tags=["experts"])
Reader = Annotated[Actor, Depends(require_roles(*EXPERT_READERS))]
NameFilter = Annotated[QueryWord | None, Query(description="姓名、邮箱、专业领域或工作单位中含有的文字")]


@router.get("", response_model=Page[ExpertPublic], responses=XLSX_RESPONSES)
def read_experts(
    session: SessionDep,
    actor: Reader,
    name: NameFilter = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> Any:
    if format == "xlsx":
        everything = list_experts(session, actor=actor, name=name, page=1, page_size=10**9)
        rows = (item.model_dump() for item in everything.items)
        return xlsx_response(export_rows("评审专家", EXPERT_EXPORT_COLUMNS, rows), filename="评审专家")
    return list_experts(session, actor=actor, name=name, page=page, page_size=page_size)


@router.get("/{expert_id}")
def read_expert(session: SessionDep, actor: Reader, expert_id: EntityId) -> ExpertPublic:
    return expert_detail(session, actor=actor, expert_id=expert_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def add_expert(session: SessionDep, actor: CurrentActor, data: ExpertCreate) -> ExpertPublic:
    return create_expert(session, data=data, actor=actor)


@router.patch("/{expert_id}")
def change_expert(
    session: SessionDep, now: ClockDep, actor: CurrentActor, expert_id: EntityId, data: ExpertUpdate
) -> ExpertPublic:
    """只修改提交的字段；一个邮箱只属于一位专家。每次修改记入审计日志。"""
    return update_expert(session, expert_id=expert_id, data=data, actor=actor, now=now)
