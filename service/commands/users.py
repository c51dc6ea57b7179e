"""Sign-in accounts: created, disabled, re-enabled and reset by whom the declarations allow, within their scope.

Who may is `ACCOUNT_REGISTER` (checked by `authorize`) and `ACCOUNT_ROLES_MANAGED` in `models.lifecycles`;
where is `models.user.account_in_scope`. Every action writes an audit row (entity type "user").
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from models.audit import record_audit
from models.authority import authorize
from models.errors import EventNotAllowedInState, OutOfScope, RoleNotAllowed
from models.lifecycles import ACCOUNT_REGISTER, ACCOUNT_ROLES_MANAGED
from models.login_attempt import FailureKey, account_key, count_attempt, seconds_to_wait, withdraw_attempt
from models.region import Region
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import ACTIVE, DISABLED, User, account_in_scope, manages
from service.auth import (
    Token,
    TooManySignInFailures,
    UserPublic,
    actor_of,
    create_user,
    issue_token,
    one_time_password,
    set_password,
    user_public,
    verify_password,
)
from service.commands.progress import Progress, quiet
from service.commands.uploads import Upload
from service.errors import InvalidInput
from service.excel.accounts_import import AccountRow, read_accounts
from service.excel.kinds import ACCOUNTS, SHEET_TITLES, check_may_import
from service.excel.reading import ImportRejected, open_sheet
from service.fields import Id, text
from service.files import SPREADSHEET, read_upload
from service.queries.common import Page
from service.settings import Settings

CREATE, DISABLE, ENABLE, RESET_PASSWORD = "create", "disable", "enable", "reset_password"
CHANGE_PASSWORD = "change_password"  # a user's own: every signed-in user may, so it has no declaration
ENTITY_TYPE = ACCOUNT_REGISTER.name


class AccountCreate(BaseModel):
    username: text(100, min_length=1)  # type: ignore[valid-type]
    # Left out: a one-time password is made, given back once, and must be changed at the first sign-in.
    password: text(200, min_length=8) | None = None  # type: ignore[valid-type]
    role: Role
    display_name: text(100) = ""  # type: ignore[valid-type]
    region_id: Id | None = None
    organisation_id: Id | None = None
    expert_id: Id | None = None


class AccountCreated(UserPublic):
    one_time_password: str | None = None  # shown this once; the account must change it


class AccountChange(BaseModel):
    reason: text(2000, multiline=True) | None = None  # type: ignore[valid-type]


class PasswordReset(BaseModel):
    account: UserPublic
    one_time_password: str  # shown this once; the account must change it at its next sign-in


class PasswordChange(BaseModel):
    old_password: text(200, min_length=1)  # type: ignore[valid-type]
    new_password: text(200, min_length=8)  # type: ignore[valid-type]


class ImportedAccount(BaseModel):
    row: int
    username: str
    role_label: str
    one_time_password: str


class AccountImportResult(BaseModel):
    created: int
    accounts: list[ImportedAccount]


def create_account(session: Session, *, data: AccountCreate, actor: Actor, now: datetime) -> AccountCreated:
    """A role the actor manages, in a place within its scope; without a password, a one-time one. Committed."""
    authorize(session, actor=actor, subject=ACCOUNT_REGISTER, action=CREATE)
    _refuse_unless_manages(actor, data.role, CREATE)
    if not account_in_scope(session, actor, role=data.role, region_id=data.region_id):
        raise OutOfScope("所辖地区不存在或不在您的管辖范围内")
    password = data.password or one_time_password()
    user = create_user(
        session,
        now=now,
        password=password,
        must_change_password=data.password is None,
        **data.model_dump(exclude={"password"}),
    )
    _audit(session, user, CREATE, actor=actor, now=now, details=_scope_details(user))
    session.commit()
    return AccountCreated(**user_public(user).model_dump(), one_time_password=None if data.password else password)


def disable_account(session: Session, *, user_id: int, data: AccountChange, actor: Actor, now: datetime) -> UserPublic:
    """A disabled account cannot sign in, and every token it holds stops working. Committed."""
    user = _managed_account(session, user_id=user_id, actor=actor, action=DISABLE)
    if user.disabled:
        raise EventNotAllowedInState(f"账号“{user.username}”已停用")
    if user.username == actor.user_id:
        raise InvalidInput("不能停用自己的账号")
    user.disabled = True
    user.token_generation += 1
    _audit(session, user, DISABLE, actor=actor, now=now, reason=data.reason, from_state=ACTIVE)
    session.commit()
    return user_public(user)


def enable_account(session: Session, *, user_id: int, data: AccountChange, actor: Actor, now: datetime) -> UserPublic:
    """Re-enabled, the account signs in again; tokens from before its disabling stay void. Committed."""
    user = _managed_account(session, user_id=user_id, actor=actor, action=ENABLE)
    if not user.disabled:
        raise EventNotAllowedInState(f"账号“{user.username}”未停用，无需重新启用")
    user.disabled = False
    _audit(session, user, ENABLE, actor=actor, now=now, reason=data.reason, from_state=DISABLED)
    session.commit()
    return user_public(user)


def reset_password(
    session: Session, *, user_id: int, data: AccountChange, actor: Actor, now: datetime
) -> PasswordReset:
    """A one-time password, given back once, ends the account's tokens and must be changed at sign-in. Committed."""
    user = _managed_account(session, user_id=user_id, actor=actor, action=RESET_PASSWORD)
    password = one_time_password()
    set_password(user, password=password, one_time=True)
    _audit(session, user, RESET_PASSWORD, actor=actor, now=now, reason=data.reason, from_state=user.state)
    session.commit()
    return PasswordReset(account=user_public(user), one_time_password=password)


def change_own_password(
    session: Session, *, user: User, data: PasswordChange, settings: Settings, now: datetime, wall_now: datetime
) -> Token:
    """The old password proves it is the user; every earlier token stops working, so a new one is given. Committed.

    The audit row carries the service's time `now`; the new token expires by the wall clock (`wall_now`).
    A wrong old password counts as a failed sign-in of the account (`models.login_attempt`): whoever holds a stolen
    token cannot guess the password here faster than at the sign-in form."""
    attempt = count_attempt(session, keys={FailureKey.ACCOUNT: account_key(user.username)}, now=wall_now)
    wait = seconds_to_wait(session, attempt=attempt, now=wall_now)
    if wait:
        withdraw_attempt(session, attempt)
        session.commit()
        raise TooManySignInFailures(wait)
    if not verify_password(data.old_password, user.hashed_password):
        raise InvalidInput("原密码不正确")  # the attempt stays counted (committed above)
    withdraw_attempt(session, attempt)
    if data.new_password == data.old_password:
        raise InvalidInput("新密码不能与原密码相同")
    set_password(user, password=data.new_password, one_time=False)
    _audit(session, user, CHANGE_PASSWORD, actor=actor_of(user), now=now, from_state=user.state)
    session.commit()
    return issue_token(user, settings=settings, now=wall_now)


def list_accounts(
    session: Session,
    *,
    actor: Actor,
    role: Role | None = None,
    disabled: bool | None = None,
    name: str | None = None,
    page: int,
    page_size: int,
) -> Page[UserPublic]:
    """The accounts in the actor's scope, by id (`name`: part of the user name or display name); never a hash."""
    query = select(User).join(Region, col(Region.id) == User.region_id, isouter=True)
    if actor.role is not Role.ADMIN:
        own = session.get(Region, actor.region_id) if actor.region_id is not None else None
        placeless = col(User.region_id).is_(None) & col(User.role).in_(ACCOUNT_ROLES_MANAGED.get(actor.role, ()))
        query = query.where(or_(col(Region.path).startswith(own.path), placeless) if own is not None else placeless)
    if role is not None:
        query = query.where(User.role == role)
    if disabled is not None:
        query = query.where(User.disabled == disabled)
    if name and name.strip():
        word = name.strip()
        query = query.where(
            col(User.username).contains(word, autoescape=True) | col(User.display_name).contains(word, autoescape=True)
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(User.id)).offset((page - 1) * page_size).limit(page_size)).all()
    return Page[UserPublic](items=[user_public(u) for u in rows], total=total, page=page, page_size=page_size)


def import_accounts(
    session: Session, *, file: Upload, actor: Actor, now: datetime, progress: Progress = quiet
) -> AccountImportResult:
    """All or nothing: every row checked first; each new account gets a one-time password, given back once."""
    check_may_import(session, actor, ACCOUNTS)
    content = read_upload(file.stream, filename=file.filename, rule=SPREADSHEET)
    sheet = open_sheet(content, SHEET_TITLES[ACCOUNTS])
    progress(f"已读取工作表「{sheet.title}」：{len(sheet.rows)} 行")
    rows = [] if sheet.errors else read_accounts(session, sheet, actor=actor)
    if sheet.errors:
        raise ImportRejected(sorted(sheet.errors, key=lambda e: e.row))
    progress(f"已检查 {len(sheet.rows)} 行，全部无误，正在创建账号")
    created = [_import_one(session, row, actor=actor, now=now) for row in rows]
    session.commit()
    return AccountImportResult(created=len(created), accounts=created)


def _import_one(session: Session, row: AccountRow, *, actor: Actor, now: datetime) -> ImportedAccount:
    password = one_time_password()
    user = create_user(
        session,
        username=row.username,
        password=password,
        role=row.role,
        now=now,
        display_name=row.display_name,
        region_id=row.region_id,
        organisation_id=row.organisation_id,
        expert_id=row.expert_id,
        must_change_password=True,
    )
    _audit(session, user, CREATE, actor=actor, now=now, details={**_scope_details(user), "imported_row": row.row})
    return ImportedAccount(
        row=row.row, username=user.username, role_label=ROLE_LABELS_ZH[user.role], one_time_password=password
    )


def account_named(session: Session, *, username: str) -> int:
    """The id of the account with this user name: how the command line names an account."""
    found = session.exec(select(User.id).where(User.username == username.strip())).first()
    if found is None:
        raise OutOfScope(f"没有用户名为“{username}”的登录账号")
    return found


def _managed_account(session: Session, *, user_id: int, actor: Actor, action: str) -> User:
    """The declared roles first (403, whatever the id), then scope (404), then whether it manages that role (403)."""
    authorize(session, actor=actor, subject=ACCOUNT_REGISTER, action=action)
    user = session.get(User, user_id)
    if user is None or not account_in_scope(session, actor, role=user.role, region_id=user.region_id):
        raise OutOfScope("登录账号不存在或不在您的管辖范围内")
    _refuse_unless_manages(actor, user.role, action)
    return user


def _refuse_unless_manages(actor: Actor, role: Role, action: str) -> None:
    if not manages(actor.role, role):
        label = ACCOUNT_REGISTER.action(action).label  # type: ignore[union-attr]
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权对{ROLE_LABELS_ZH[role]}账号执行“{label}”")


def _scope_details(user: User) -> dict[str, Any]:
    return {
        "role": user.role.value,
        "region_id": user.region_id,
        "organisation_id": user.organisation_id,
        "expert_id": user.expert_id,
    }


def _audit(
    session: Session,
    user: User,
    event: str,
    *,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    from_state: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        entity_type=ENTITY_TYPE,
        entity=user,
        event=event,
        from_state=from_state,
        actor=actor,
        now=now,
        reason=(reason or "").strip() or None,
        details=details,
    )
