"""Adding organisations, social workers and experts to the registers, as their declarations allow."""

from pydantic import BaseModel
from sqlmodel import Session, func, select

from models.authority import authorize
from models.errors import OutOfScope
from models.expert import Expert
from models.lifecycles import EXPERT_REGISTER, ORGANISATION_REGISTER, SOCIAL_WORKER_REGISTER
from models.organisation import Organisation
from models.roles import Actor
from models.social_worker import Qualification, SocialWorker
from service.errors import Duplicate
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


REGISTER = "register"


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
