"""A declaration through the API: the same `declare()` the models hold, with its inputs checked first."""

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from models.declarations import BudgetLineInput, DeclarationInput, declare
from models.roles import Actor
from models.social_worker import SocialWorker
from service.errors import InvalidInput
from service.fields import Count, Fen, Id, text
from service.queries.projects import ProjectDetail, project_detail


class BudgetLineIn(BaseModel):
    code: text(40, min_length=1)  # type: ignore[valid-type]
    name: text(100, min_length=1)  # type: ignore[valid-type]
    amount_fen: Fen


class DeclarationCreate(BaseModel):
    programme_id: Id
    community_id: Id
    organisation_id: Id
    title: text(200, min_length=1)  # type: ignore[valid-type]
    total_fen: Fen
    community_service_area_m2: Count = 0
    street_leader_consent_file: text(500) | None = None  # type: ignore[valid-type]
    team_worker_ids: list[Id] = Field(default_factory=list, max_length=50)
    budget_lines: list[BudgetLineIn] = Field(default_factory=list, max_length=50)


def create_declaration(
    session: Session, *, data: DeclarationCreate, actor: Actor, now: datetime, today: date
) -> ProjectDetail:
    """Draft a declaration with its team and budget lines; committed, with its audit row."""
    found = set(session.exec(select(SocialWorker.id).where(SocialWorker.id.in_(data.team_worker_ids))).all())  # type: ignore[union-attr]
    missing = sorted(set(data.team_worker_ids) - found)
    if missing:
        raise InvalidInput(f"团队成员不存在：{'、'.join(str(m) for m in missing)}")
    project = declare(
        session,
        DeclarationInput(
            **data.model_dump(exclude={"budget_lines"}),
            budget_lines=[BudgetLineInput(line.code, line.name, line.amount_fen) for line in data.budget_lines],
        ),
        actor=actor,
        now=now,
    )
    session.commit()
    assert project.id is not None
    return project_detail(session, actor=actor, project_id=project.id, today=today)
