"""Sign-in accounts: who the signed-in user is, and new accounts created by whom the declarations allow."""

from fastapi import APIRouter, status

from service.api.deps import ClockDep, CurrentActor, CurrentUser, SessionDep
from service.auth import UserPublic, user_public
from service.commands.users import AccountCreate, create_account

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    return user_public(user)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user_account(session: SessionDep, actor: CurrentActor, now: ClockDep, data: AccountCreate) -> UserPublic:
    """新建登录账号：角色决定能做什么，地区、机构或专家档案决定能看到什么。"""
    return create_account(session, data=data, actor=actor, now=now)
