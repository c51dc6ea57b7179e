"""Dependencies of the routes: the session, the clock, settings, the signed-in user and role checks.

Those that only read the request or the app's state are `async def`: FastAPI runs a plain `def` dependency in a
worker thread, a hop each on every request; those that touch the database stay plain, off the event loop.

Writes are checked by `authorize()` from the declarations, in the use case the route calls;
`require_roles` guards only the reads of the registers.
"""

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlmodel import Session

from models.database import read_only
from models.errors import RoleNotAllowed
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import User
from service.auth import PasswordChangeRequired, actor_of, user_from_token
from service.clock import Clock, service_now
from service.errors import NotAuthenticated
from service.settings import Settings

TOKEN_URL = "/api/v1/login/access-token"
READING_METHODS = ("GET", "HEAD")
_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_session(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """One session per request; the service functions commit, anything uncommitted is rolled back. A GET or HEAD
    only reads (`read_only`): on SQLite such requests read side by side instead of queueing for the write lock."""
    with Session(engine, expire_on_commit=False) as session:
        yield read_only(session) if request.method in READING_METHODS else session


async def get_wall_now(clock: Annotated[Clock, Depends(get_clock)]) -> datetime:
    return clock()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
WallClockDep = Annotated[datetime, Depends(get_wall_now)]  # signing in and token expiry only


def get_now(session: SessionDep, settings: SettingsDep, clock: Annotated[Clock, Depends(get_clock)]) -> datetime:
    """The service's time: the stored clock in simulation mode (`service.clock.service_now`)."""
    return service_now(session, settings=settings, wall=clock)


ClockDep = Annotated[datetime, Depends(get_now)]


def get_signed_in_user(
    session: SessionDep, settings: SettingsDep, now: WallClockDep, token: Annotated[str | None, Depends(_bearer)]
) -> User:
    """The token's user, even one that still has to change its one-time password (only that route uses it)."""
    if not token:
        raise NotAuthenticated("请先登录")
    return user_from_token(session, token, settings=settings, now=now)


SignedInUser = Annotated[User, Depends(get_signed_in_user)]


async def get_current_user(user: SignedInUser) -> User:
    """The signed-in user, refused everything until a one-time password has been changed."""
    if user.must_change_password:
        raise PasswordChangeRequired("您正在使用一次性密码，请先修改密码（POST /api/v1/users/me/password）后再继续操作")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_actor(user: CurrentUser) -> Actor:
    return actor_of(user)


CurrentActor = Annotated[Actor, Depends(get_current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """For reads: only these roles (and the administrator) see the register; others get 403."""
    allowed = frozenset(roles) | {Role.ADMIN}

    async def check(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权执行此操作")
        return actor

    return check
