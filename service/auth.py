"""Passwords (argon2), access tokens (JWT) and the actor a signed-in user (or the command line) acts as."""

import logging
import math
import secrets
from datetime import datetime, timedelta

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel
from sqlmodel import Session, select

from models.audit import record_audit
from models.errors import DomainError
from models.expert import Expert
from models.lifecycles import ACCOUNT_REGISTER
from models.login_attempt import (
    ALLOWED_FAILURES,
    FailureKey,
    account_key,
    address_key,
    count_attempt,
    failures_of,
    forget_failures,
    seconds_to_wait,
    wait_after,
    withdraw_attempt,
)
from models.organisation import Organisation
from models.region import Region
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import User
from service.errors import Duplicate, InvalidInput, NotAuthenticated
from service.settings import Settings

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
MIN_PASSWORD_LENGTH = 8
# One-time passwords: no 0/O, 1/l/I, so that a password read out on the telephone is typed right.
_ONE_TIME_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_ONE_TIME_LENGTH = 12
_HASHER = PasswordHash((Argon2Hasher(),))
# Verified against when the user is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("sanshe-dummy-password")
# Who the command line is when it acts as no user: the administrator, recorded in the audit trail as 命令行.
CLI_USER = "cli"
COMMAND_LINE = Actor(CLI_USER, Role.ADMIN, "命令行")
# The scope each role needs: a region for the bureaus, an organisation or an expert record otherwise.
SCOPE_FIELD: dict[Role, str | None] = {
    Role.CITY_COORDINATOR: "region_id",
    Role.DISTRICT_BUREAU: "region_id",
    Role.STREET_OFFICE: "region_id",
    Role.COMMUNITY: "region_id",
    Role.ORGANISATION: "organisation_id",
    Role.EXPERT: "expert_id",
    Role.ADMIN: None,
}
# In the account's audit trail: a failed sign-in after which the account's next attempt must wait.
SIGN_IN_DELAYED = "sign_in_delayed"


class PasswordChangeRequired(DomainError):
    """Signed in with a one-time password: only the change of password is served until it is done."""

    code = "password_change_required"
    status = 403


class TooManySignInFailures(DomainError):
    """Too many failed sign-ins for the name or from the address; said alike whether or not the name exists."""

    code = "too_many_sign_in_failures"
    status = 429

    def __init__(self, seconds: int) -> None:
        wait = f"{seconds} 秒" if seconds < 60 else f"{math.ceil(seconds / 60)} 分钟"
        super().__init__(f"登录失败次数过多，请 {wait}后再试")
        self.headers = {"Retry-After": str(seconds)}


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _HASHER.verify(password, hashed)


def one_time_password() -> str:
    """A random password handed to the user once; the account must change it at first sign-in."""
    return "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(_ONE_TIME_LENGTH))


def check_password_length(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LENGTH} 位")


def set_password(user: User, *, password: str, one_time: bool) -> None:
    """A new password ends every token issued before it; a one-time one must be changed at the next sign-in."""
    check_password_length(password)
    user.hashed_password = hash_password(password)
    user.must_change_password = one_time
    user.token_generation += 1


def actor_of(user: User) -> Actor:
    """The actor that transitions and scope checks know this user as."""
    return Actor(
        user_id=user.username,
        role=user.role,
        display_name=user.display_name,
        region_id=user.region_id,
        organisation_id=user.organisation_id,
        expert_id=user.expert_id,
    )


def command_line_actor(session: Session, *, as_whom: str = Role.ADMIN.value, credit_code: str | None = None) -> Actor:
    """A user name acts as that user; a role name acts as the command line in that role (an organisation by code)."""
    user = session.exec(select(User).where(User.username == as_whom)).first()
    if user is not None:
        if user.disabled:
            raise InvalidInput(f"用户 {as_whom} 已停用")
        return actor_of(user)
    try:
        role = Role(as_whom)
    except ValueError:
        raise InvalidInput(f"“{as_whom}”既不是用户名也不是角色，角色可选：{'、'.join(r.value for r in Role)}") from None
    if role is Role.ADMIN:
        return COMMAND_LINE
    if role is not Role.ORGANISATION:
        return Actor(CLI_USER, role, COMMAND_LINE.display_name)
    if credit_code is None:
        raise InvalidInput("以社工机构角色导入时须用 --organisation 指定本机构的统一社会信用代码（或用 --as 用户名）")
    found = session.exec(select(Organisation).where(Organisation.credit_code == credit_code.strip().upper())).first()
    if found is None:
        raise InvalidInput(f"系统中没有统一社会信用代码为 {credit_code} 的社工机构")
    return Actor(CLI_USER, role, found.name, organisation_id=found.id)


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The enabled user with this name and password, or None."""
    user = session.exec(select(User).where(User.username == username)).first()
    return user if _signs_in(user, password) else None


def _signs_in(user: User | None, password: str) -> bool:
    """Whether the password is this enabled user's; an unknown name costs as long as a wrong password."""
    if user is None:
        _HASHER.verify(password, _DUMMY_HASH)
        return False
    return verify_password(password, user.hashed_password) and not user.disabled


def create_access_token(user: User, *, settings: Settings, now: datetime) -> str:
    expires = now + timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": user.username,
        "gen": user.token_generation,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def user_from_token(session: Session, token: str, *, settings: Settings, now: datetime) -> User:
    """The enabled user a valid, unexpired token names; expiry is judged by the injected clock."""
    try:
        claims = jwt.decode(
            token,
            settings.secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "gen"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError as exc:
        raise NotAuthenticated("登录凭据无效，请重新登录") from exc
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= now.timestamp():
        raise NotAuthenticated("登录已过期，请重新登录")
    user = session.exec(select(User).where(User.username == claims["sub"])).first()
    if user is None or user.disabled:
        raise NotAuthenticated("账号不存在或已停用")
    if claims["gen"] != user.token_generation:
        raise NotAuthenticated("登录凭据已失效（密码已修改或账号曾被停用），请重新登录")
    return user


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    display_name: str = "",
    region_id: int | None = None,
    organisation_id: int | None = None,
    expert_id: int | None = None,
    must_change_password: bool = False,
    hashed_password: str | None = None,
) -> User:
    """Add a user whose scope fits the role; the caller commits. `hashed_password`: the password's hash already made
    (accounts that share one password, as the demo's do, hash it once)."""
    username = username.strip()
    if not username:
        raise InvalidInput("用户名不能为空")
    check_password_length(password)
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise Duplicate(f"用户名“{username}”已存在")
    scope = {"region_id": region_id, "organisation_id": organisation_id, "expert_id": expert_id}
    needed = SCOPE_FIELD[role]
    given = {name for name, value in scope.items() if value is not None}
    if given != ({needed} if needed else set()):
        what = {"region_id": "所辖地区", "organisation_id": "所属社工机构", "expert_id": "专家档案"}
        need_text = what[needed] if needed else "无需指定范围"
        raise InvalidInput(f"{ROLE_LABELS_ZH[role]}账号须且只能指定：{need_text}")
    for table, key, label in (
        (Region, region_id, "地区"),
        (Organisation, organisation_id, "社工机构"),
        (Expert, expert_id, "专家"),
    ):
        if key is not None and session.get(table, key) is None:
            raise InvalidInput(f"{label} {key} 不存在")
    user = User(
        username=username,
        display_name=display_name or username,
        hashed_password=hashed_password or hash_password(password),
        role=role,
        region_id=region_id,
        organisation_id=organisation_id,
        expert_id=expert_id,
        must_change_password=must_change_password,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    must_change_password: bool = False  # true: change the one-time password before anything else


class UserPublic(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    role_label: str
    region_id: int | None
    organisation_id: int | None
    expert_id: int | None
    disabled: bool
    must_change_password: bool
    created_at: datetime


def log_in(
    session: Session, *, username: str, password: str, address: str | None, settings: Settings, now: datetime
) -> Token:
    """A token for the right name and password of an enabled user; one message for every refusal. Committed.

    Failures are counted per name and per client address (`models.login_attempt`), whether or not the name
    exists; while either must wait, even the right password is refused unread. A success clears its name's count.
    """
    keys = {FailureKey.ACCOUNT: account_key(username), FailureKey.ADDRESS: address_key(address)}
    attempt = count_attempt(session, keys=keys, now=now)
    wait = seconds_to_wait(session, attempt=attempt, now=now)
    if wait:
        withdraw_attempt(session, attempt)
        session.commit()
        raise TooManySignInFailures(wait)
    user = session.exec(select(User).where(User.username == username)).first()
    if not _signs_in(user, password) or user is None:
        _audit_failure(session, user, keys=keys, now=now)
        session.commit()
        raise NotAuthenticated("用户名或密码错误，或账号已停用")
    withdraw_attempt(session, attempt)
    forget_failures(session, FailureKey.ACCOUNT, keys[FailureKey.ACCOUNT])
    session.commit()
    return issue_token(user, settings=settings, now=now)


def _audit_failure(session: Session, user: User | None, *, keys: dict[FailureKey, str], now: datetime) -> None:
    """A failure that makes the next attempt wait is logged, and recorded in a known account's audit trail."""
    address = keys[FailureKey.ADDRESS]
    failures, _ = failures_of(session, FailureKey.ADDRESS, address, now=now, besides=[])
    if failures == ALLOWED_FAILURES[FailureKey.ADDRESS]:
        log.warning("来自 %s 的登录失败已达 %d 次：此后每次尝试须等待", address, failures)
    if user is None:
        return
    failures, _ = failures_of(session, FailureKey.ACCOUNT, keys[FailureKey.ACCOUNT], now=now, besides=[])
    until = wait_after(failures, now, allowed=ALLOWED_FAILURES[FailureKey.ACCOUNT])
    if until is None:
        return
    log.warning("账号 %s 登录失败 %d 次（最近来自 %s）：须等待至 %s", user.username, failures, address, until)
    record_audit(
        session,
        entity_type=ACCOUNT_REGISTER.name,
        entity=user,
        event=SIGN_IN_DELAYED,
        from_state=user.state,
        actor=actor_of(user),
        now=now,
        details={"address": address, "failures": failures, "wait_until": until.isoformat()},
    )


def issue_token(user: User, *, settings: Settings, now: datetime) -> Token:
    """The token answered at sign-in and after a password change, with whether a change is still owed."""
    return Token(
        access_token=create_access_token(user, settings=settings, now=now),
        expires_at=now + timedelta(minutes=settings.access_token_minutes),
        must_change_password=user.must_change_password,
    )


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=ROLE_LABELS_ZH[user.role],
        region_id=user.region_id,
        organisation_id=user.organisation_id,
        expert_id=user.expert_id,
        disabled=user.disabled,
        must_change_password=user.must_change_password,
        created_at=user.created_at,
    )
