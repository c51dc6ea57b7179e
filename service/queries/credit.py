"""Reading the credit record of organisations and social workers: penalties, inspections and entries as one list."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, or_, true
from sqlmodel import Session, col, select

from models.organisation import (
    CREDIT_KIND_LABELS,
    INSPECTION_RESULT_LABELS,
    AnnualInspection,
    CreditEntry,
    CreditKind,
    Organisation,
    Penalty,
)
from models.roles import Actor, Role
from models.social_worker import SocialWorker
from service.queries.common import Page

CreditRow = Penalty | AnnualInspection | CreditEntry


class RecordKind(StrEnum):
    """What a credit record is: its table for penalties and inspections, its credit kind for the entries."""

    PENALTY = "penalty"
    INSPECTION = "inspection"
    BLACKLIST = CreditKind.BLACKLIST.value
    FAILED_ACCEPTANCE = CreditKind.FAILED_ACCEPTANCE.value
    COMMENDATION = CreditKind.COMMENDATION.value
    NOTE = CreditKind.NOTE.value


KIND_LABELS: dict[RecordKind, str] = {
    RecordKind.PENALTY: "受登记管理机关处罚",
    RecordKind.INSPECTION: "年检结果",
    **{RecordKind(kind.value): label for kind, label in CREDIT_KIND_LABELS.items()},
}
# The audit's entity type of each table (each has its own ids).
ENTITY_TYPES: dict[type, str] = {Penalty: "penalty", AnnualInspection: "annual_inspection", CreditEntry: "credit_entry"}


class CreditRecordPublic(BaseModel):
    kind: RecordKind
    kind_label: str
    id: int  # within its kind's table: penalties, inspections and credit entries are numbered apart
    organisation_id: int | None
    social_worker_id: int | None
    holder_name: str
    starts_on: date | None  # 处罚日期 / 列入日期
    ends_on: date | None
    year: int | None  # 年检年度
    result: str | None
    result_label: str | None
    reason: str
    source: str
    source_project_id: int | None
    recorded_at: datetime
    recorded_by: str | None
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None
    in_force: bool | None  # a blacklist entry: not lifted and its period covers today


def record_public(session: Session, row: CreditRow, *, today: date) -> CreditRecordPublic:
    """One record as every reader sees it."""
    assert row.id is not None
    common: dict[str, Any] = {
        "id": row.id,
        "organisation_id": row.organisation_id,
        "social_worker_id": row.social_worker_id,
        "holder_name": _holder_name(session, row),
        "reason": row.reason,
        "recorded_at": row.recorded_at,
        "recorded_by": row.recorded_by,
        "starts_on": None,
        "ends_on": None,
        "year": None,
        "result": None,
        "result_label": None,
        "source_project_id": None,
        "lifted_at": None,
        "lifted_by": None,
        "lift_reason": None,
        "in_force": None,
    }
    if isinstance(row, Penalty):
        kind = RecordKind.PENALTY
        common.update(starts_on=row.imposed_on, ends_on=row.ends_on, source=row.authority)
    elif isinstance(row, AnnualInspection):
        kind = RecordKind.INSPECTION
        common.update(
            year=row.year, result=row.result.value, result_label=INSPECTION_RESULT_LABELS[row.result], source=row.source
        )
    else:
        kind = RecordKind(row.kind.value)
        common.update(
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            source=row.source,
            source_project_id=row.source_project_id,
            lifted_at=row.lifted_at,
            lifted_by=row.lifted_by,
            lift_reason=row.lift_reason,
            in_force=row.in_force(today) if row.kind == CreditKind.BLACKLIST else None,
        )
    return CreditRecordPublic(kind=kind, kind_label=KIND_LABELS[kind], **common)


def list_credit_records(
    session: Session,
    *,
    actor: Actor,
    today: date,
    organisation_id: int | None,
    social_worker_id: int | None,
    kind: RecordKind | None,
    page: int,
    page_size: int,
) -> Page[CreditRecordPublic]:
    """Newest first; an organisation reads only its own record and its social workers'."""
    rows: list[CreditRow] = []
    for table in (Penalty, AnnualInspection, CreditEntry):
        if kind is not None and _kind_table(kind) is not table:
            continue
        conditions = [_seen(table, actor)]
        if organisation_id is not None:
            conditions.append(col(table.organisation_id) == organisation_id)
        if social_worker_id is not None:
            conditions.append(col(table.social_worker_id) == social_worker_id)
        if table is CreditEntry and kind is not None:
            conditions.append(col(CreditEntry.kind) == CreditKind(kind.value))
        rows += session.exec(select(table).where(*conditions)).all()
    rows.sort(key=lambda r: (r.recorded_at, ENTITY_TYPES[type(r)], r.id), reverse=True)
    shown = rows[(page - 1) * page_size : page * page_size]
    return Page[CreditRecordPublic](
        items=[record_public(session, r, today=today) for r in shown], total=len(rows), page=page, page_size=page_size
    )


def _kind_table(kind: RecordKind) -> type:
    return {RecordKind.PENALTY: Penalty, RecordKind.INSPECTION: AnnualInspection}.get(kind, CreditEntry)


def _seen(table: type, actor: Actor) -> ColumnElement[bool]:
    if actor.role is not Role.ORGANISATION:
        return true()
    own_staff = select(SocialWorker.id).where(SocialWorker.employer_id == actor.organisation_id)
    return or_(
        col(table.organisation_id) == actor.organisation_id,  # type: ignore[attr-defined]
        col(table.social_worker_id).in_(own_staff),  # type: ignore[attr-defined]
    )


def _holder_name(session: Session, row: CreditRow) -> str:
    if row.organisation_id is not None:
        organisation = session.get(Organisation, row.organisation_id)
        return organisation.name if organisation else ""
    worker = session.get(SocialWorker, row.social_worker_id)
    return worker.name if worker else ""
