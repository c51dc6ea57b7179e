"""The register of social-work organisations (社工机构)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, status

from models.roles import Actor
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, Format, PageNumber, PageSize, QueryWord
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.registers import (
    OrganisationCreate,
    OrganisationUpdate,
    create_organisation,
    update_organisation,
)
from service.excel.exporting import export_rows
from service.queries.common import Page
from service.queries.parties import (
    ORGANISATION_EXPORT_COLUMNS,
    ORGANISATION_READERS,
    OrganisationPublic,
    list_organisations,
    organisation_detail,
)

router = APIRouter(prefix="/organisations", tags=["organisations"])
Reader = Annotated[Actor, Depends(require_roles(*ORGANISATION_READERS))]
NameFilter = Annotated[QueryWord | None, Query(description="名称或统一社会信用代码中含有的文字")]
BlacklistFilter = Annotated[bool | None, Query(description="true 只列黑名单在册的机构，false 只列不在黑名单的")]


@router.get("", response_model=Page[OrganisationPublic], responses=XLSX_RESPONSES)
def read_organisations(
    session: SessionDep,
    actor: Reader,
    name: NameFilter = None,
    blacklisted: BlacklistFilter = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    format: Format = "json",
) -> Any:
    if format == "xlsx":
        everything = list_organisations(
            session, actor=actor, name=name, blacklisted=blacklisted, page=1, page_size=10**9
        )
        rows = (item.model_dump() for item in everything.items)
        return xlsx_response(export_rows("社工机构", ORGANISATION_EXPORT_COLUMNS, rows), filename="社工机构")
    return list_organisations(session, actor=actor, name=name, blacklisted=blacklisted, page=page, page_size=page_size)


@router.get("/{organisation_id}")
def read_organisation(session: SessionDep, actor: Reader, organisation_id: EntityId) -> OrganisationPublic:
    return organisation_detail(session, actor=actor, organisation_id=organisation_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def add_organisation(session: SessionDep, actor: CurrentActor, data: OrganisationCreate) -> OrganisationPublic:
    return create_organisation(session, data=data, actor=actor)


@router.patch("/{organisation_id}")
def change_organisation(
    session: SessionDep, now: ClockDep, actor: CurrentActor, organisation_id: EntityId, data: OrganisationUpdate
) -> OrganisationPublic:
    """只修改提交的字段；统一社会信用代码不可修改（导入以它识别机构）。每次修改记入审计日志。"""
    return update_organisation(session, organisation_id=organisation_id, data=data, actor=actor, now=now)
