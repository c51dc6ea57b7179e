"""Importing the parties: social-work organisations, their social workers, and the experts.

Each function reads every row, reports every problem on the sheet, and writes only when none was found.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.expert import Expert
from models.in_lists import rows_where_in
from models.organisation import Organisation
from models.roles import Actor, Role
from models.social_worker import SocialWorker
from service.excel.kinds import (
    EXPERT_COLUMNS,
    EXPERT_EMAIL,
    EXPERT_EMPLOYER,
    EXPERT_FIELD,
    EXPERT_NAME,
    ORG_CREDIT_CODE,
    ORG_EMAIL,
    ORG_FINANCES,
    ORG_GOVERNANCE,
    ORG_NAME,
    ORG_REGISTERED,
    ORG_REGISTERED_ON,
    ORGANISATION_COLUMNS,
    SOCIAL_WORKER_COLUMNS,
    WORKER_DEGREE,
    WORKER_EMPLOYER,
    WORKER_NAME,
    WORKER_QUALIFICATION,
)
from service.excel.reading import Column, Sheet, SheetRow


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0


# Columns a row may leave out of the sheet entirely: an absent column leaves the new organisation's default.
_ORGANISATION_FIELDS: list[tuple[Column, str]] = [
    (ORG_NAME, "name"),
    (ORG_REGISTERED, "registered_with_civil_affairs"),
    (ORG_REGISTERED_ON, "registered_on"),
    (ORG_GOVERNANCE, "sound_governance"),
    (ORG_FINANCES, "financial_rules_and_bank_account"),
    (ORG_EMAIL, "contact_email"),
]


def _parsed(sheet: Sheet, columns: list[Column], keys: list[Column]) -> list[tuple[SheetRow, dict[str, object]]]:
    """Every row's readable values; rows whose key cells are unreadable take no part in the key checks."""
    sheet.require_headers(columns)
    rows = [(row, sheet.read(row, columns)) for row in sheet.rows]
    return [(row, values) for row, values in rows if all(values.get(key.header) is not None for key in keys)]


def import_organisations(session: Session, sheet: Sheet) -> Counts:
    """Register new organisations only: a 统一社会信用代码 already registered is refused on its cell, as
    `POST /organisations` answers 409, so that no import rewrites a registered organisation."""
    parsed = _parsed(sheet, ORGANISATION_COLUMNS, [ORG_CREDIT_CODE, ORG_NAME])
    codes = [str(values[ORG_CREDIT_CODE.header]) for _, values in parsed]
    names = [str(values[ORG_NAME.header]) for _, values in parsed]
    registered = set(rows_where_in(session, select(Organisation.credit_code), col(Organisation.credit_code), codes))
    named: dict[str, list[Organisation]] = defaultdict(list)
    for organisation in rows_where_in(session, select(Organisation), col(Organisation.name), names):
        named[organisation.name].append(organisation)
    row_of_code: dict[str, int] = {}
    row_of_name: dict[str, tuple[int, str]] = {}
    for row, values in parsed:
        code, name = str(values[ORG_CREDIT_CODE.header]), str(values[ORG_NAME.header])
        if code in registered:
            sheet.error(
                row.number, ORG_CREDIT_CODE.header, f"统一社会信用代码 {code} 已登记，导入不修改已登记的社工机构"
            )
            continue
        if code in row_of_code:
            sheet.error(row.number, ORG_CREDIT_CODE.header, f"统一社会信用代码 {code} 与第 {row_of_code[code]} 行重复")
            continue
        row_of_code[code] = row.number
        earlier = row_of_name.get(name)
        if earlier is not None and earlier[1] != code:
            sheet.error(
                row.number, ORG_NAME.header, f"机构名称“{name}”与第 {earlier[0]} 行相同，但统一社会信用代码不同"
            )
        row_of_name.setdefault(name, (row.number, code))
        holders = [o.credit_code for o in named.get(name, [])]
        if holders:
            sheet.error(
                row.number, ORG_NAME.header, f"机构名称“{name}”已被统一社会信用代码为 {holders[0]} 的社工机构使用"
            )
    if sheet.errors:
        return Counts()
    for _, values in parsed:
        organisation = Organisation(name=str(values[ORG_NAME.header]), credit_code=str(values[ORG_CREDIT_CODE.header]))
        for column, attribute in _ORGANISATION_FIELDS:
            if column.header in sheet.headers:
                setattr(organisation, attribute, values[column.header])
        session.add(organisation)
    session.flush()
    return Counts(created=len(parsed))


def import_social_workers(session: Session, sheet: Sheet, *, actor: Actor) -> Counts:
    """Register new social workers only, keyed by (employer, name): a name already on the employer's staff is
    refused on its cell, so that no import rewrites a registered social worker's qualification."""
    parsed = _parsed(sheet, SOCIAL_WORKER_COLUMNS, [WORKER_NAME, WORKER_EMPLOYER])
    codes = {str(values[WORKER_EMPLOYER.header]) for _, values in parsed}
    employers = {
        o.credit_code: o for o in rows_where_in(session, select(Organisation), col(Organisation.credit_code), codes)
    }
    staff: dict[tuple[int | None, str], list[SocialWorker]] = defaultdict(list)
    employer_ids = [o.id for o in employers.values()]
    for worker in rows_where_in(session, select(SocialWorker), col(SocialWorker.employer_id), employer_ids):
        staff[(worker.employer_id, worker.name)].append(worker)
    first_row: dict[tuple[int | None, str], int] = {}
    accepted: list[tuple[Organisation, dict[str, object]]] = []
    for row, values in parsed:
        code, name = str(values[WORKER_EMPLOYER.header]), str(values[WORKER_NAME.header])
        employer = employers.get(code)
        if employer is None:
            sheet.error(
                row.number,
                WORKER_EMPLOYER.header,
                f"系统中没有统一社会信用代码为 {code} 的社工机构（请先导入社工机构）",
            )
            continue
        if actor.role is Role.ORGANISATION and employer.id != actor.organisation_id:
            sheet.error(row.number, WORKER_EMPLOYER.header, "社工机构只能导入本机构的社会工作者")
            continue
        key = (employer.id, name)
        if key in first_row:
            sheet.error(row.number, WORKER_NAME.header, f"与第 {first_row[key]} 行重复：同一机构的同名社会工作者")
            continue
        first_row[key] = row.number
        if staff[key]:
            ids = "、".join(f"#{w.id}" for w in staff[key])
            sheet.error(
                row.number,
                WORKER_NAME.header,
                f"{employer.name} 已登记名为“{name}”的社会工作者（{ids}），导入不修改已登记的社会工作者",
            )
            continue
        accepted.append((employer, values))
    if sheet.errors:
        return Counts()
    for employer, values in accepted:
        worker = SocialWorker(name=str(values[WORKER_NAME.header]), employer_id=employer.id)
        worker.qualification = values[WORKER_QUALIFICATION.header]  # type: ignore[assignment]
        worker.social_work_degree = bool(values[WORKER_DEGREE.header])
        session.add(worker)
    session.flush()
    return Counts(created=len(accepted))


def import_experts(session: Session, sheet: Sheet) -> Counts:
    """Register new experts only, keyed by e-mail: an address already registered is refused on its cell, as one
    e-mail address belongs to one expert, so that no import rewrites a registered expert."""
    parsed = _parsed(sheet, EXPERT_COLUMNS, [EXPERT_NAME, EXPERT_EMAIL])
    emails = [str(values[EXPERT_EMAIL.header]).lower() for _, values in parsed]
    by_email: dict[str, list[Expert]] = defaultdict(list)
    for found in rows_where_in(session, select(Expert), func.lower(Expert.email), emails):
        by_email[(found.email or "").lower()].append(found)
    first_row: dict[str, int] = {}
    accepted: list[dict[str, object]] = []
    for row, values in parsed:
        email = str(values[EXPERT_EMAIL.header])
        if email.lower() in first_row:
            sheet.error(row.number, EXPERT_EMAIL.header, f"电子邮箱 {email} 与第 {first_row[email.lower()]} 行重复")
            continue
        first_row[email.lower()] = row.number
        owners = by_email.get(email.lower(), [])
        if owners:
            sheet.error(
                row.number,
                EXPERT_EMAIL.header,
                f"电子邮箱 {email} 已属于专家“{owners[0].name}”（#{owners[0].id}），导入不修改已登记的专家",
            )
            continue
        accepted.append(values)
    if sheet.errors:
        return Counts()
    for values in accepted:
        expert = Expert(name=str(values[EXPERT_NAME.header]), email=str(values[EXPERT_EMAIL.header]))
        for column, attribute in ((EXPERT_FIELD, "field_of_expertise"), (EXPERT_EMPLOYER, "employer_name")):
            if column.header in sheet.headers:
                setattr(expert, attribute, values[column.header] or "")
        session.add(expert)
    session.flush()
    return Counts(created=len(accepted))
