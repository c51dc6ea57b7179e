"""Importing the credit record (信用记录) from a sheet: penalties, inspection results and blacklist entries.

Each row goes through the same `add_credit_record` as the API (permission, checks, audit row); any problem in any
row is reported on its cell and the whole file is rolled back by the caller.
"""

from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session, col, select

from models.errors import DomainError
from models.in_lists import rows_where_in
from models.organisation import Organisation
from models.roles import Actor
from models.validation_messages import in_chinese
from service.commands.credit import CreditRecordCreate, add_credit_record
from service.excel.credit_columns import (
    CREDIT_COLUMNS,
    ENDS_ON,
    HEADER_OF,
    KIND,
    ORGANISATION,
    REASON,
    RESULT,
    SOURCE,
    STARTS_ON,
    WORKER,
    YEAR,
)
from service.excel.parties_import import Counts
from service.excel.reading import Sheet
from service.queries.credit import RecordKind

_INPUT: TypeAdapter[Any] = TypeAdapter(CreditRecordCreate)


def import_credit_records(session: Session, sheet: Sheet, *, actor: Actor, now: datetime) -> Counts:
    """Add every row. Problems are left on the sheet (the caller rolls back)."""
    sheet.require_headers(CREDIT_COLUMNS)
    rows = [(row, sheet.read(row, CREDIT_COLUMNS)) for row in sheet.rows]
    codes = {str(v[ORGANISATION.header]) for _, v in rows if v.get(ORGANISATION.header)}
    organisations = {
        o.credit_code: o.id for o in rows_where_in(session, select(Organisation), col(Organisation.credit_code), codes)
    }
    added = 0
    for row, values in rows:
        if values.get(KIND.header) is None:
            continue  # its cell is already reported
        code = values.get(ORGANISATION.header)
        if code is not None and code not in organisations:
            sheet.error(row.number, ORGANISATION.header, f"系统中没有统一社会信用代码为 {code} 的社工机构")
            continue
        given = _typed_fields(values, organisation_id=organisations.get(code) if code else None)
        try:
            data = _INPUT.validate_python(given)
        except ValidationError as exc:
            reported = {e.column for e in sheet.errors if e.row == row.number}  # an unreadable cell is told once
            for problem in exc.errors():
                field = str(problem["loc"][1]) if len(problem["loc"]) > 1 else ""
                header = HEADER_OF.get(field, KIND.header)
                if header not in reported:
                    sheet.error(row.number, header, _message(problem, field))
            continue
        try:
            add_credit_record(session, data=data, actor=actor, now=now)
        except DomainError as exc:
            sheet.error(row.number, KIND.header, exc.message)
            continue
        added += 1
    return Counts(created=added)


def _typed_fields(values: dict[str, Any], *, organisation_id: int | None) -> dict[str, Any]:
    kind = values[KIND.header]
    given: dict[str, Any] = {
        "kind": kind,
        "organisation_id": organisation_id,
        "social_worker_id": values.get(WORKER.header),
        "reason": values.get(REASON.header) or "",
    }
    if kind is RecordKind.PENALTY:
        given |= {"imposed_on": values.get(STARTS_ON.header), "ends_on": values.get(ENDS_ON.header)}
        given["authority"] = values.get(SOURCE.header) or ""
    elif kind is RecordKind.INSPECTION:
        given |= {"year": values.get(YEAR.header), "result": values.get(RESULT.header)}
        given["source"] = values.get(SOURCE.header) or ""
    else:
        given |= {"starts_on": values.get(STARTS_ON.header), "ends_on": values.get(ENDS_ON.header)}
        given["source"] = values.get(SOURCE.header) or ""
    return given


def _message(problem: Any, field: str) -> str:
    header = HEADER_OF.get(field)
    if header is None:  # the holder rule, over both columns
        return "须且只须填写“社工机构统一社会信用代码”或“社会工作者编号”之一"
    if problem["type"] in ("missing", "date_type", "int_type", "string_too_short", "enum"):
        return f"本类记录须填写“{header}”"
    return f"“{header}”不符合要求：{in_chinese(problem)}"
