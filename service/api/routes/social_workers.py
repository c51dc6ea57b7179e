"""The register of professional social workers (社会工作者)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from models.roles import Actor
from models.social_worker import Qualification
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, Format, OptionalId, PageNumber, PageSize, QueryWord
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.registers import (
    SocialWorkerCreate,
    SocialWorkerUpdate,
    create_social_worker,
    update_social_worker,
)
from service.excel.exporting import export_rows
from service.queries.common import Page
from service.queries.parties import (
    ORGANISATION_READERS,
    SOCIAL_WORKER_EXPORT_COLUMNS,
    SocialWorkerPublic,
    list_social_workers,
    social_worker_detail,
)

router = APIRouter(prefix="/social-workers", tags=["social-workers"])
Reader = Annotated[Actor, Depends(require_roles(*ORGANISATION_READERS))]
NameFilter = Annotated[QueryWord | None, Query(description="姓名中含有的文字")]


@router.get("", response_model=Page[SocialWorkerPublic], responses=XLSX_RESPONSES)
def read_social_workers(
    session: SessionDep,
    actor: Reader,
    employer_id: OptionalId = None,
    name: NameFilter = None,
    qualification: Qualification | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> Any:
    filters = {"employer_id": employer_id, "name": name, "qualification": qualification}
    if format == "xlsx":
        everything = list_social_workers(session, actor=actor, **filters, page=1, page_size=10**9)
        rows = (item.model_dump() for item in everything.items)
        return xlsx_response(export_rows("社会工作者", SOCIAL_WORKER_EXPORT_COLUMNS, rows), filename="社会工作者")
    return list_social_workers(session, actor=actor, **filters, page=page, page_size=page_size)


@router.get("/{worker_id}")
def read_social_worker(session: SessionDep, actor: Reader, worker_id: EntityId) -> SocialWorkerPublic:
    return social_worker_detail(session, actor=actor, worker_id=worker_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def add_social_worker(session: SessionDep, actor: CurrentActor, data: SocialWorkerCreate) -> SocialWorkerPublic:
    return create_social_worker(session, data=data, actor=actor)


@router.patch("/{worker_id}")
def change_social_worker(
    session: SessionDep, now: ClockDep, actor: CurrentActor, worker_id: EntityId, data: SocialWorkerUpdate
) -> SocialWorkerPublic:
    """只修改提交的字段；社工机构只能修改本机构的社工。每次修改记入审计日志。"""
    return update_social_worker(session, worker_id=worker_id, data=data, actor=actor, now=now)
