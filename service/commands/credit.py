"""Entering the credit record of organisations and social workers, and lifting a blacklist entry with a reason.

Who may is `CREDIT_REGISTER` (the coordinator); every entry and every lifting writes an audit row. A lifted
entry stays on record; only entries in force bar declaring (`models.guards.not_blacklisted`).
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, model_validator
from sqlmodel import Session, col, select

from models.audit import record_audit
from models.authority import authorize
from models.dates import shanghai_date
from models.errors import EventNotAllowedInState, OutOfScope
from models.lifecycles import CREDIT_REGISTER, ORGANISATION_REGISTER
from models.organisation import (
    RECORDED,
    AnnualInspection,
    CreditEntry,
    CreditKind,
    InspectionResult,
    Organisation,
    Penalty,
)
from models.roles import Actor
from models.social_worker import SocialWorker
from service.errors import Duplicate, InvalidInput
from service.fields import Day, Id, text
from service.queries.credit import ENTITY_TYPES, CreditRecordPublic, CreditRow, RecordKind, record_public

ENTER, LIFT = "enter", "lift"


class HolderIn(BaseModel):
    """Whose record: an organisation or a social worker, exactly one."""

    organisation_id: Id | None = None
    social_worker_id: Id | None = None

    @model_validator(mode="after")
    def one_holder(self) -> "HolderIn":
        if (self.organisation_id is None) == (self.social_worker_id is None):
            raise ValueError("须且只须指定 organisation_id（社工机构）或 social_worker_id（社会工作者）之一")
        return self


class PenaltyCreate(HolderIn):
    kind: Literal[RecordKind.PENALTY]
    imposed_on: Day
    ends_on: Day | None = None
    authority: text(200, min_length=1)  # type: ignore[valid-type]
    reason: text(1000, min_length=1, multiline=True)  # type: ignore[valid-type]


class InspectionCreate(HolderIn):
    kind: Literal[RecordKind.INSPECTION]
    year: Annotated[int, Field(ge=1990, le=2100)]
    result: InspectionResult
    source: text(200) = ""  # type: ignore[valid-type]
    reason: text(1000, multiline=True) = ""  # type: ignore[valid-type]


class BlacklistCreate(HolderIn):
    kind: Literal[RecordKind.BLACKLIST]
    starts_on: Day
    ends_on: Day | None = None  # left out: until lifted
    source: text(200, min_length=1)  # type: ignore[valid-type]
    reason: text(1000, min_length=1, multiline=True)  # type: ignore[valid-type]


CreditRecordCreate = Annotated[PenaltyCreate | InspectionCreate | BlacklistCreate, Field(discriminator="kind")]


class BlacklistLift(BaseModel):
    reason: text(1000, min_length=1, multiline=True)  # type: ignore[valid-type]


def enter_credit_record(
    session: Session, *, data: PenaltyCreate | InspectionCreate | BlacklistCreate, actor: Actor, now: datetime
) -> CreditRecordPublic:
    """One penalty, inspection result or blacklist entry, audited; committed."""
    row = add_credit_record(session, data=data, actor=actor, now=now)
    session.commit()
    return record_public(session, row, today=shanghai_date(now))


def add_credit_record(
    session: Session, *, data: PenaltyCreate | InspectionCreate | BlacklistCreate, actor: Actor, now: datetime
) -> CreditRow:
    """What the API and the Excel import share: check, write and audit one record; the caller commits."""
    _authorize(session, actor, ENTER, holder=data, reason=data.reason)
    _refuse_reversed_period(data)
    holder = {"organisation_id": data.organisation_id, "social_worker_id": data.social_worker_id}
    entered: dict[str, Any] = {"recorded_at": now, "recorded_by": actor.user_id, "reason": data.reason, **holder}
    row: CreditRow
    if isinstance(data, PenaltyCreate):
        row = Penalty(imposed_on=data.imposed_on, ends_on=data.ends_on, authority=data.authority, **entered)
    elif isinstance(data, InspectionCreate):
        _refuse_second_inspection(session, data)
        row = AnnualInspection(year=data.year, result=data.result, source=data.source, **entered)
    else:
        row = CreditEntry(
            kind=CreditKind.BLACKLIST, starts_on=data.starts_on, ends_on=data.ends_on, source=data.source, **entered
        )
    session.add(row)
    session.flush()
    _audit(
        session,
        row,
        ENTER,
        actor=actor,
        now=now,
        reason=data.reason,
        from_state=None,
        details=data.model_dump(mode="json"),
    )
    return row


def lift_blacklist_entry(
    session: Session, *, entry_id: int, data: BlacklistLift, actor: Actor, now: datetime
) -> CreditRecordPublic:
    """The entry stops binding and stays on record with who lifted it, when and why; committed."""
    entry = session.get(CreditEntry, entry_id)
    if entry is None or entry.kind != CreditKind.BLACKLIST:
        raise OutOfScope("黑名单记录不存在")
    holder = HolderIn(organisation_id=entry.organisation_id, social_worker_id=entry.social_worker_id)
    _authorize(session, actor, LIFT, holder=holder, reason=data.reason)
    if entry.lifted_at is not None:
        raise EventNotAllowedInState(f"该黑名单记录已于 {shanghai_date(entry.lifted_at)} 解除")
    entry.lifted_at, entry.lifted_by, entry.lift_reason = now, actor.user_id, data.reason
    session.add(entry)
    session.flush()
    _audit(session, entry, LIFT, actor=actor, now=now, reason=data.reason, from_state=RECORDED)
    session.commit()
    return record_public(session, entry, today=shanghai_date(now))


def _holder_scope(session: Session, data: HolderIn) -> Organisation | None:
    """The organisation whose record this is (a social worker's: its employer); a missing holder is 404."""
    if data.organisation_id is not None:
        organisation = session.get(Organisation, data.organisation_id)
        if organisation is None:
            raise OutOfScope("社工机构不存在")
        return organisation
    worker = session.get(SocialWorker, data.social_worker_id)
    if worker is None:
        raise OutOfScope("社会工作者不存在")
    return session.get(Organisation, worker.employer_id) if worker.employer_id is not None else None


def _authorize(session: Session, actor: Actor, action: str, *, holder: HolderIn, reason: str | None) -> None:
    """The one check of CREDIT_REGISTER, with the holder's organisation as the row acted on (scope first)."""
    authorize(
        session,
        actor=actor,
        subject=CREDIT_REGISTER,
        action=action,
        entity=_holder_scope(session, holder),
        entity_label=ORGANISATION_REGISTER.label,
        reason=reason,
    )


def _refuse_reversed_period(data: PenaltyCreate | InspectionCreate | BlacklistCreate) -> None:
    if isinstance(data, InspectionCreate) or data.ends_on is None:
        return
    start = data.imposed_on if isinstance(data, PenaltyCreate) else data.starts_on
    if data.ends_on < start:
        raise InvalidInput(f"结束日期 {data.ends_on} 不能早于开始日期 {start}")


def _refuse_second_inspection(session: Session, data: InspectionCreate) -> None:
    holder = (
        col(AnnualInspection.organisation_id) == data.organisation_id
        if data.organisation_id is not None
        else col(AnnualInspection.social_worker_id) == data.social_worker_id
    )
    taken = session.exec(select(AnnualInspection.id).where(holder, AnnualInspection.year == data.year)).first()
    if taken is not None:
        raise Duplicate(f"{data.year} 年的年检结果已录入")


def _audit(
    session: Session,
    row: CreditRow,
    event: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None,
    from_state: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        entity_type=ENTITY_TYPES[type(row)],
        entity=row,
        event=event,
        from_state=from_state,
        actor=actor,
        now=now,
        reason=reason or None,
        details=details,
    )
