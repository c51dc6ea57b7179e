"""Creating a sign-in account: its role says what it may do, its region, organisation or expert what it sees."""

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session

from models.authority import authorize
from models.roles import Actor, Role
from models.statemachine import Creation, Register
from service.auth import UserPublic, create_user, user_public

# Sign-in accounts have no states: only who may add one.
ACCOUNT_REGISTER = Register("user", "登录账号", (Creation("create", "创建登录账号", frozenset({Role.ADMIN})),))


class AccountCreate(BaseModel):
    username: str
    password: str
    role: Role
    display_name: str = ""
    region_id: int | None = None
    organisation_id: int | None = None
    expert_id: int | None = None


def create_account(session: Session, *, data: AccountCreate, actor: Actor, now: datetime) -> UserPublic:
    """Only the administrator creates accounts; a scope that does not fit the role is refused. Committed."""
    authorize(session, actor=actor, subject=ACCOUNT_REGISTER, action="create")
    user = create_user(session, now=now, **data.model_dump())
    session.commit()
    return user_public(user)
