"""Sign-in accounts: the signed-in user, its own password, and the accounts the bureaus manage in their scope."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, UploadFile, status

from models.authority import roles_for
from models.lifecycles import ACCOUNT_REGISTER
from models.roles import Actor, Role
from service.api.deps import (
    ClockDep,
    CurrentActor,
    CurrentUser,
    SessionDep,
    SettingsDep,
    SignedInUser,
    WallClockDep,
    require_roles,
)
from service.api.params import EntityId, PageNumber, PageSize, QueryWord
from service.api.problems import problem_responses
from service.auth import Token, UserPublic, user_public
from service.commands.uploads import Upload
from service.commands.users import (
    CREATE,
    AccountChange,
    AccountCreate,
    AccountCreated,
    AccountImportResult,
    PasswordChange,
    PasswordReset,
    change_own_password,
    create_account,
    disable_account,
    enable_account,
    import_accounts,
    list_accounts,
    reset_password,
)
from service.queries.common import Page

router = APIRouter(prefix="/users", tags=["users"])
Manager = Annotated[Actor, Depends(require_roles(*roles_for(ACCOUNT_REGISTER, CREATE)))]


@router.get("/me")
def read_me(user: CurrentUser) -> UserPublic:
    return user_public(user)


@router.post("/me/password", responses=problem_responses(429))
def change_my_password(
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    wall_now: WallClockDep,
    user: SignedInUser,
    data: PasswordChange,
) -> Token:
    """修改本人密码（须填原密码）：此前签发的登录凭据全部失效，返回新的凭据；一次性密码也在此修改。"""
    return change_own_password(session, user=user, data=data, settings=settings, now=now, wall_now=wall_now)


@router.get("")
def read_accounts(
    session: SessionDep,
    actor: Manager,
    role: Role | None = None,
    disabled: bool | None = None,
    name: Annotated[QueryWord | None, Query(description="用户名或显示名称的一部分")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> Page[UserPublic]:
    """本辖区内的登录账号（分页，含总数；不含密码）。"""
    return list_accounts(session, actor=actor, role=role, disabled=disabled, name=name, page=page, page_size=page_size)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_user_account(session: SessionDep, actor: CurrentActor, now: ClockDep, data: AccountCreate) -> AccountCreated:
    """新建登录账号：角色决定能做什么，地区、机构或专家档案决定能看到什么；不填密码则生成一次性密码（仅此一次返回）。"""
    return create_account(session, data=data, actor=actor, now=now)


@router.post("/import", responses=problem_responses(413, 415))
def import_user_accounts(
    session: SessionDep, actor: CurrentActor, now: ClockDep, file: UploadFile
) -> AccountImportResult:
    """从 Excel 批量新建账号：全部无误才写入，有错时 422 逐行逐列列出；每个新账号的一次性密码仅此一次返回。"""
    return import_accounts(session, file=Upload(file.filename or "accounts.xlsx", file.file), actor=actor, now=now)


@router.post("/{user_id}/disable")
def disable_user_account(
    session: SessionDep, actor: CurrentActor, now: ClockDep, user_id: EntityId, data: AccountChange
) -> UserPublic:
    """停用账号：不能再登录，已签发的登录凭据立即失效。"""
    return disable_account(session, user_id=user_id, data=data, actor=actor, now=now)


@router.post("/{user_id}/enable")
def enable_user_account(
    session: SessionDep, actor: CurrentActor, now: ClockDep, user_id: EntityId, data: AccountChange
) -> UserPublic:
    """重新启用账号：可再次登录，停用前签发的凭据仍然无效。"""
    return enable_account(session, user_id=user_id, data=data, actor=actor, now=now)


@router.post("/{user_id}/reset-password")
def reset_user_password(
    session: SessionDep, actor: CurrentActor, now: ClockDep, user_id: EntityId, data: AccountChange
) -> PasswordReset:
    """重置密码：生成一次性密码（仅此一次返回），用户下次登录须先修改。"""
    return reset_password(session, user_id=user_id, data=data, actor=actor, now=now)
