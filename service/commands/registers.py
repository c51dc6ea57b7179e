"""Adding organisations, social workers and experts to the registers."""

from datetime import date

from pydantic import BaseModel
from sqlmodel import Session, select

from models.errors import OutOfScope
from models.expert import Expert
from models.organisation import Organisation
from models.roles import Actor, Role
from models.social_worker import Qualification, SocialWorker
from service.errors import Duplicate
from service.fields import Id, text
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
    registered_with_civil_affairs: bool = False
    registered_on: date | None = None
    sound_governance: bool = False
    financial_rules_and_bank_account: bool = False
    contact_email: text(255) | None = None  # type: ignore[valid-type]


class SocialWorkerCreate(BaseModel):
    name: text(100, min_length=1)  # type: ignore[valid-type]
    qualification: Qualification = Qualification.NONE
    social_work_degree: bool = False
    employer_id: Id | None = None  # an organisation user may leave it out: its own organisation


class ExpertCreate(BaseModel):
    name: text(100, min_length=1)  # type: ignore[valid-type]
    field_of_expertise: text(200) = ""  # type: ignore[valid-type]
    employer_name: text(200) = ""  # type: ignore[valid-type]
    email: text(255) | None = None  # type: ignore[valid-type]


def create_organisation(session: Session, *, data: OrganisationCreate, actor: Actor) -> OrganisationPublic:
    if session.exec(select(Organisation.id).where(Organisation.credit_code == data.credit_code)).first() is not None:
        raise Duplicate(f"统一社会信用代码 {data.credit_code} 已登记")
    row = Organisation(**data.model_dump())
    session.add(row)
    session.commit()
    assert row.id is not None
    return organisation_detail(session, actor=actor, organisation_id=row.id)


def create_social_worker(session: Session, *, data: SocialWorkerCreate, actor: Actor) -> SocialWorkerPublic:
    """An organisation registers its own staff; the bureaus may register anyone's."""
    employer_id = data.employer_id
    if actor.role is Role.ORGANISATION:
        if employer_id not in (None, actor.organisation_id):
            raise OutOfScope("社工机构只能登记本机构的社工")
        employer_id = actor.organisation_id
    if employer_id is not None and session.get(Organisation, employer_id) is None:
        raise OutOfScope("社工机构不存在")
    row = SocialWorker(**data.model_dump(exclude={"employer_id"}), employer_id=employer_id)
    session.add(row)
    session.commit()
    assert row.id is not None
    return social_worker_detail(session, actor=actor, worker_id=row.id)


def create_expert(session: Session, *, data: ExpertCreate, actor: Actor) -> ExpertPublic:
    row = Expert(**data.model_dump())
    session.add(row)
    session.commit()
    assert row.id is not None
    return expert_detail(session, actor=actor, expert_id=row.id)
