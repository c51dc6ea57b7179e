"""Reading organisations, social workers and experts: who may list them, and the rows each role sees."""

from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, exists, false, func, or_, true
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.expert import Expert
from models.organisation import CreditEntry, CreditKind, Organisation
from models.roles import Actor, Role
from models.social_worker import Qualification, SocialWorker
from service.queries.common import Page

# Who may read each register at all; the others are refused with 403 by the routes.
ORGANISATION_READERS = (
    Role.CITY_COORDINATOR,
    Role.DISTRICT_BUREAU,
    Role.STREET_OFFICE,
    Role.COMMUNITY,
    Role.ORGANISATION,
)
EXPERT_READERS = (Role.CITY_COORDINATOR, Role.EXPERT)

ORGANISATION_EXPORT_COLUMNS = [
    ("id", "编号"),
    ("name", "机构名称"),
    ("credit_code", "统一社会信用代码"),
    ("registered_with_civil_affairs", "已在民政部门登记"),
    ("blacklisted", "列入黑名单"),
    ("contact_email", "联系邮箱"),
]
SOCIAL_WORKER_EXPORT_COLUMNS = [
    ("id", "编号"),
    ("name", "姓名"),
    ("qualification", "职业资格"),
    ("social_work_degree", "社工专业毕业"),
    ("employer_id", "所在机构编号"),
]
EXPERT_EXPORT_COLUMNS = [
    ("id", "编号"),
    ("name", "姓名"),
    ("field_of_expertise", "专业领域"),
    ("employer_name", "工作单位"),
    ("email", "邮箱"),
]


class OrganisationPublic(BaseModel):
    id: int
    name: str
    credit_code: str
    registered_with_civil_affairs: bool
    registered_on: date | None
    sound_governance: bool
    financial_rules_and_bank_account: bool
    contact_email: str | None
    blacklisted: bool


class SocialWorkerPublic(BaseModel):
    id: int
    name: str
    qualification: str
    social_work_degree: bool
    employer_id: int | None


class ExpertPublic(BaseModel):
    id: int
    name: str
    field_of_expertise: str
    employer_name: str
    email: str | None


def _blacklisted() -> ColumnElement[bool]:
    """On the blacklist: an entry not lifted (a lifted one stays on record but no longer bars the organisation)."""
    return exists().where(
        CreditEntry.organisation_id == Organisation.id,
        CreditEntry.kind == CreditKind.BLACKLIST,
        CreditEntry.lifted_at.is_(None),  # type: ignore[union-attr]
    )


def _organisations_seen(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORGANISATION:
        return false() if actor.organisation_id is None else Organisation.id == actor.organisation_id  # type: ignore[return-value]
    return true()


def _organisation_public(row: Organisation, blacklisted: bool) -> OrganisationPublic:
    return OrganisationPublic(**row.model_dump(exclude={"id"}), id=row.id, blacklisted=blacklisted)  # type: ignore[arg-type]


def _containing(column: Any, words: str | None) -> ColumnElement[bool]:
    """A name search: the words anywhere in the column, wildcards taken literally; no words, no condition."""
    return column.icontains(words.strip(), autoescape=True) if words and words.strip() else true()  # type: ignore[no-any-return]


def list_organisations(
    session: Session,
    *,
    actor: Actor,
    page: int,
    page_size: int,
    name: str | None = None,
    blacklisted: bool | None = None,
) -> Page[OrganisationPublic]:
    """By id; `name` finds the name or the credit code containing it, `blacklisted` those on (or off) the blacklist."""
    conditions = [
        _organisations_seen(actor),
        or_(_containing(Organisation.name, name), _containing(Organisation.credit_code, name))
        if name and name.strip()
        else true(),
    ]
    if blacklisted is not None:
        conditions.append(_blacklisted() if blacklisted else ~_blacklisted())
    total = session.execute(select(func.count()).select_from(Organisation).where(*conditions)).scalar_one()
    rows = session.execute(
        select(Organisation, _blacklisted())
        .where(*conditions)
        .order_by(Organisation.id)
        .offset((page - 1) * page_size)
        .limit(page_size)  # type: ignore[arg-type]
    ).all()
    return Page[OrganisationPublic](
        items=[_organisation_public(org, flag) for org, flag in rows], total=total, page=page, page_size=page_size
    )


def organisation_detail(session: Session, *, actor: Actor, organisation_id: int) -> OrganisationPublic:
    row = session.execute(
        select(Organisation, _blacklisted()).where(Organisation.id == organisation_id, _organisations_seen(actor))
    ).first()
    if row is None:
        raise OutOfScope("社工机构不存在或不在您的管辖范围内")
    return _organisation_public(*row)


def _workers_seen(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.ORGANISATION:
        return false() if actor.organisation_id is None else SocialWorker.employer_id == actor.organisation_id  # type: ignore[return-value]
    return true()


def _worker_public(row: SocialWorker) -> SocialWorkerPublic:
    assert row.id is not None
    return SocialWorkerPublic(
        id=row.id,
        name=row.name,
        qualification=row.qualification.value,
        social_work_degree=row.social_work_degree,
        employer_id=row.employer_id,
    )


def list_social_workers(
    session: Session,
    *,
    actor: Actor,
    employer_id: int | None,
    page: int,
    page_size: int,
    name: str | None = None,
    qualification: Qualification | None = None,
) -> Page[SocialWorkerPublic]:
    """By id; filtered by employer, by a name containing `name`, by qualification."""
    conditions = [_workers_seen(actor), _containing(SocialWorker.name, name)]
    if employer_id is not None:
        conditions.append(SocialWorker.employer_id == employer_id)  # type: ignore[arg-type]
    if qualification is not None:
        conditions.append(SocialWorker.qualification == qualification)  # type: ignore[arg-type]
    total = session.execute(select(func.count()).select_from(SocialWorker).where(*conditions)).scalar_one()
    rows = session.exec(
        select(SocialWorker)
        .where(*conditions)
        .order_by(SocialWorker.id)
        .offset((page - 1) * page_size)
        .limit(page_size)  # type: ignore[arg-type]
    ).all()
    return Page[SocialWorkerPublic](
        items=[_worker_public(r) for r in rows], total=total, page=page, page_size=page_size
    )


def social_worker_detail(session: Session, *, actor: Actor, worker_id: int) -> SocialWorkerPublic:
    row = session.exec(select(SocialWorker).where(SocialWorker.id == worker_id, _workers_seen(actor))).first()
    if row is None:
        raise OutOfScope("社工不存在或不在您的管辖范围内")
    return _worker_public(row)


def _experts_seen(actor: Actor) -> ColumnElement[bool]:
    if actor.role is Role.EXPERT:
        return false() if actor.expert_id is None else Expert.id == actor.expert_id  # type: ignore[return-value]
    return true()


def _expert_public(row: Expert) -> ExpertPublic:
    assert row.id is not None
    return ExpertPublic(
        id=row.id,
        name=row.name,
        field_of_expertise=row.field_of_expertise,
        employer_name=row.employer_name,
        email=row.email,
    )


def list_experts(
    session: Session, *, actor: Actor, page: int, page_size: int, name: str | None = None
) -> Page[ExpertPublic]:
    """By id; `name` finds the name, e-mail, field or employer containing it."""
    seen = _experts_seen(actor)
    if name and name.strip():
        found = or_(
            *(
                _containing(c, name)
                for c in (Expert.name, Expert.email, Expert.field_of_expertise, Expert.employer_name)
            )
        )
        seen = seen & found  # type: ignore[assignment]
    total = session.execute(select(func.count()).select_from(Expert).where(seen)).scalar_one()
    rows = session.exec(
        select(Expert).where(seen).order_by(Expert.id).offset((page - 1) * page_size).limit(page_size)
    ).all()  # type: ignore[arg-type]
    return Page[ExpertPublic](items=[_expert_public(r) for r in rows], total=total, page=page, page_size=page_size)


def expert_detail(session: Session, *, actor: Actor, expert_id: int) -> ExpertPublic:
    row = session.exec(select(Expert).where(Expert.id == expert_id, _experts_seen(actor))).first()
    if row is None:
        raise OutOfScope("专家不存在或不在您的管辖范围内")
    return _expert_public(row)
