"""Adding organisations, social workers and experts to the registers, and correcting them, as their
declarations allow. A correction writes an audit row with each changed field's value before and after; the
registers keep no version column, so the audit row's version counts the corrections (1 is the row as
registered)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel
from sqlmodel import Session, SQLModel, func, select

from models.audit import AuditEvent, record_audit
from models.authority import authorize
from models.errors import OutOfScope
from models.expert import Expert
from models.lifecycles import EXPERT_REGISTER, ORGANISATION_REGISTER, SOCIAL_WORKER_REGISTER
from models.organisation import Organisation
from models.roles import Actor
from models.social_worker import Qualification, SocialWorker
from service.errors import Duplicate
from service.excel import cells
from service.fields import Day, Flag, Id, text
from service.queries.parties import (
    ExpertPublic,
    OrganisationPublic,
    SocialWorkerPublic,
    expert_detail,
    organisation_detail,
    social_worker_detail,
)


class OrganisationCreate(BaseModel):
    name: text(200, min_length=1)  # type: ignore[valid-type]
    credit_code: text(18, min_length=18)  # type: ignore[valid-type]
    registered_with_civil_affairs: Flag = False
    registered_on: Day | None = None
    sound_governance: Flag = False
    financial_rules_and_bank_account: Flag = False
    contact_email: text(255) | None = None  # type: ignore[valid-type]


class SocialWorkerCreate(BaseModel):
    name: text(100, min_length=1)  # type: ignore[valid-type]
    qualification: Qualification = Qualification.NONE
    social_work_degree: Flag = False
    employer_id: Id | None = None  # an organisation user may leave it out: its own organisation


class ExpertCreate(BaseModel):
    name: text(100, min_length=1)  # type: ignore[valid-type]
    field_of_expertise: text(200) = ""  # type: ignore[valid-type]
    employer_name: text(200) = ""  # type: ignore[valid-type]
    email: text(255) | None = None  # type: ignore[valid-type]


Email = Annotated[text(255, min_length=3), AfterValidator(cells.email)]  # type: ignore[valid-type]


class OrganisationUpdate(BaseModel):
    """Only the fields sent change; null clears the e-mail or the registration date and leaves the others."""

    name: text(200, min_length=1) | None = None  # type: ignore[valid-type]
    registered_with_civil_affairs: Flag | None = None
    registered_on: Day | None = None
    sound_governance: Flag | None = None
    financial_rules_and_bank_account: Flag | None = None
    contact_email: Email | None = None


class SocialWorkerUpdate(BaseModel):
    """Only the fields sent change; the employer stays (a move is a new registration)."""

    name: text(100, min_length=1) | None = None  # type: ignore[valid-type]
    qualification: Qualification | None = None
    social_work_degree: Flag | None = None


class ExpertUpdate(BaseModel):
    """Only the fields sent change; null clears the e-mail (no more review notices reach the expert)."""

    name: text(100, min_length=1) | None = None  # type: ignore[valid-type]
    field_of_expertise: text(200) | None = None  # type: ignore[valid-type]
    employer_name: text(200) | None = None  # type: ignore[valid-type]
    email: Email | None = None


REGISTER, EDIT = "register", "edit"
REGISTERED = "registered"  # the one state of a register's row, as its audit rows name it
_CLEARABLE = frozenset({"registered_on", "contact_email", "email"})


def create_organisation(session: Session, *, data: OrganisationCreate, actor: Actor) -> OrganisationPublic:
    authorize(session, actor=actor, subject=ORGANISATION_REGISTER, action=REGISTER)
    if session.exec(select(Organisation.id).where(Organisation.credit_code == data.credit_code)).first() is not None:
        raise Duplicate(f"统一社会信用代码 {data.credit_code} 已登记")
    row = Organisation(**data.model_dump())
    session.add(row)
    session.commit()
    assert row.id is not None
    return organisation_detail(session, actor=actor, organisation_id=row.id)


def create_social_worker(session: Session, *, data: SocialWorkerCreate, actor: Actor) -> SocialWorkerPublic:
    """An organisation registers its own staff (left out: its own); the bureaus may register anyone's."""
    employer_id = data.employer_id or actor.organisation_id
    employer = session.get(Organisation, employer_id) if employer_id is not None else None
    if employer_id is not None and employer is None:
        raise OutOfScope("社工机构不存在")
    authorize(
        session,
        actor=actor,
        subject=SOCIAL_WORKER_REGISTER,
        action=REGISTER,
        entity=employer,  # an organisation is in scope only for itself
        entity_label=ORGANISATION_REGISTER.label,
    )
    row = SocialWorker(**data.model_dump(exclude={"employer_id"}), employer_id=employer_id)
    session.add(row)
    session.commit()
    assert row.id is not None
    return social_worker_detail(session, actor=actor, worker_id=row.id)


def create_expert(session: Session, *, data: ExpertCreate, actor: Actor) -> ExpertPublic:
    authorize(session, actor=actor, subject=EXPERT_REGISTER, action=REGISTER)
    if data.email is not None:  # keyed by e-mail, as the import is
        owner = session.exec(select(Expert).where(func.lower(Expert.email) == data.email.lower())).first()
        if owner is not None:
            raise Duplicate(f"电子邮箱 {data.email} 已属于专家“{owner.name}”（#{owner.id}）")
    row = Expert(**data.model_dump())
    session.add(row)
    session.commit()
    assert row.id is not None
    return expert_detail(session, actor=actor, expert_id=row.id)


def update_organisation(
    session: Session, *, organisation_id: int, data: OrganisationUpdate, actor: Actor, now: datetime
) -> OrganisationPublic:
    """Who may register one may correct it; the credit code stays, as it is what imports match on. Committed."""
    authorize(session, actor=actor, subject=ORGANISATION_REGISTER, action=EDIT)
    row = session.get(Organisation, organisation_id)
    if row is None:
        raise OutOfScope("社工机构不存在")
    _correct(session, row, data, entity_type=ORGANISATION_REGISTER.name, actor=actor, now=now)
    return organisation_detail(session, actor=actor, organisation_id=organisation_id)


def update_social_worker(
    session: Session, *, worker_id: int, data: SocialWorkerUpdate, actor: Actor, now: datetime
) -> SocialWorkerPublic:
    """An organisation corrects its own staff only; the bureaus anyone's. Committed."""
    row = session.get(SocialWorker, worker_id)
    if row is None:
        raise OutOfScope("社工不存在")
    employer = session.get(Organisation, row.employer_id) if row.employer_id is not None else None
    authorize(
        session,
        actor=actor,
        subject=SOCIAL_WORKER_REGISTER,
        action=EDIT,
        entity=employer,
        entity_label=ORGANISATION_REGISTER.label,
    )
    _correct(session, row, data, entity_type=SOCIAL_WORKER_REGISTER.name, actor=actor, now=now)
    return social_worker_detail(session, actor=actor, worker_id=worker_id)


def update_expert(session: Session, *, expert_id: int, data: ExpertUpdate, actor: Actor, now: datetime) -> ExpertPublic:
    """The e-mail stays one expert's only, as on registering. Committed."""
    authorize(session, actor=actor, subject=EXPERT_REGISTER, action=EDIT)
    row = session.get(Expert, expert_id)
    if row is None:
        raise OutOfScope("专家不存在")
    if data.email is not None and (row.email or "").lower() != data.email.lower():
        owner = session.exec(
            select(Expert).where(func.lower(Expert.email) == data.email.lower(), Expert.id != expert_id)
        ).first()
        if owner is not None:
            raise Duplicate(f"电子邮箱 {data.email} 已属于专家“{owner.name}”（#{owner.id}）")
    _correct(session, row, data, entity_type=EXPERT_REGISTER.name, actor=actor, now=now)
    return expert_detail(session, actor=actor, expert_id=expert_id)


@dataclass(frozen=True)
class _Corrected:
    """What the audit row reads of a register's row: it has one state, and its corrections count as versions."""

    id: int
    state: str
    version: int


def _correct(
    session: Session, row: SQLModel, data: BaseModel, *, entity_type: str, actor: Actor, now: datetime
) -> None:
    """Apply the fields sent that differ; a real change is audited as "edit" with before and after, then committed."""
    sent = data.model_dump(exclude_unset=True)
    changes: dict[str, list[Any]] = {}
    for field, value in sent.items():
        if value is None and field not in _CLEARABLE:
            continue
        before = getattr(row, field)
        if value != before:
            changes[field] = [_plain(before), _plain(value)]
            setattr(row, field, value)
    if not changes:
        return
    session.add(row)
    session.flush()
    entity_id: int = row.id  # type: ignore[attr-defined]
    corrections = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id, AuditEvent.event == EDIT)
    ).scalar_one()
    record_audit(
        session,
        entity_type=entity_type,
        entity=_Corrected(entity_id, REGISTERED, corrections + 2),
        event=EDIT,
        from_state=REGISTERED,
        actor=actor,
        now=now,
        details={"changes": changes},
    )
    session.commit()


def _plain(value: Any) -> Any:
    """A value as the audit's JSON keeps it."""
    return value.isoformat() if isinstance(value, date) else value.value if hasattr(value, "value") else value
