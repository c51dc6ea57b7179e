"""The register of social-work organisations (社工机构)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from models.roles import Actor
from service.api.deps import CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, Format, PageNumber, PageSize
from service.api.xlsx import XLSX_RESPONSES, xlsx_response
from service.commands.registers import OrganisationCreate, create_organisation
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


@router.get("", response_model=Page[OrganisationPublic], responses=XLSX_RESPONSES)
def read_organisations(
    session: SessionDep, actor: Reader, page: PageNumber = 1, page_size: PageSize = 50, format: Format = "json"
) -> Any:
    if format == "xlsx":
        everything = list_organisations(session, actor=actor, page=1, page_size=10**9)
        rows = (item.model_dump() for item in everything.items)
        return xlsx_response(export_rows("社工机构", ORGANISATION_EXPORT_COLUMNS, rows), filename="社工机构")
    return list_organisations(session, actor=actor, page=page, page_size=page_size)


@router.get("/{organisation_id}")
def read_organisation(session: SessionDep, actor: Reader, organisation_id: EntityId) -> OrganisationPublic:
    return organisation_detail(session, actor=actor, organisation_id=organisation_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def add_organisation(session: SessionDep, actor: CurrentActor, data: OrganisationCreate) -> OrganisationPublic:
    return create_organisation(session, data=data, actor=actor)
