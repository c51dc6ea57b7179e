"""The credit record (信用记录) of organisations and social workers: penalties, inspections, blacklist entries."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from models.dates import shanghai_date
from models.roles import Actor
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId, OptionalId, PageNumber, PageSize
from service.commands.credit import BlacklistLift, CreditRecordCreate, enter_credit_record, lift_blacklist_entry
from service.queries.common import Page
from service.queries.credit import CreditRecordPublic, RecordKind, list_credit_records
from service.queries.parties import ORGANISATION_READERS

router = APIRouter(prefix="/credit-records", tags=["credit-records"])
Reader = Annotated[Actor, Depends(require_roles(*ORGANISATION_READERS))]


@router.get("")
def read_credit_records(
    session: SessionDep,
    actor: Reader,
    now: ClockDep,
    organisation_id: OptionalId = None,
    social_worker_id: OptionalId = None,
    kind: Annotated[RecordKind | None, Query(description="记录类型")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> Page[CreditRecordPublic]:
    return list_credit_records(
        session,
        actor=actor,
        today=shanghai_date(now),
        organisation_id=organisation_id,
        social_worker_id=social_worker_id,
        kind=kind,
        page=page,
        page_size=page_size,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
def add_credit_record(
    session: SessionDep, actor: CurrentActor, now: ClockDep, data: CreditRecordCreate
) -> CreditRecordPublic:
    return enter_credit_record(session, data=data, actor=actor, now=now)


@router.post("/blacklist/{entry_id}/lift")
def lift_blacklist(
    session: SessionDep, actor: CurrentActor, now: ClockDep, entry_id: EntityId, data: BlacklistLift
) -> CreditRecordPublic:
    return lift_blacklist_entry(session, entry_id=entry_id, data=data, actor=actor, now=now)
