"""Creating a sign-in account: its role says what it may do, its region, organisation or expert what it sees."""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session

from models.authority import authorize
from models.lifecycles import ACCOUNT_REGISTER
from models.roles import Actor, Role
from service.auth import UserPublic, create_user, user_public
from service.fields import Id, text

CREATE = "create"


class AccountCreate(BaseModel):
    username: text(100, min_length=1)  # type: ignore[valid-type]
    password: text(200, min_length=8)  # type: ignore[valid-type]
    role: Role
    display_name: text(100) = ""  # type: ignore[valid-type]
    region_id: Id | None = None
    organisation_id: Id | None = None
    expert_id: Id | None = None


def create_account(session: Session, *, data: AccountCreate, actor: Actor, now: datetime) -> UserPublic:
    """Only the administrator creates accounts; a scope that does not fit the role is refused. Committed."""
    authorize(session, actor=actor, subject=ACCOUNT_REGISTER, action=CREATE)
    user = create_user(session, now=now, **data.model_dump())
    session.commit()
    return user_public(user)
