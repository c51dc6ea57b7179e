"""The console's cookie session and its CSRF token.

The session cookie holds the API's own access token (`service.auth`): the same signature, expiry and per-account
generation, so a password change or a disabling ends console sessions too. The CSRF token is an HMAC of a random
per-browser cookie under the service's key, renewed at every sign-in and sign-out: a page of another site can
neither read the cookie nor compute the token, and every state-changing form or htmx request must carry it.
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlmodel import Session

from models.errors import DomainError
from models.roles import Actor, Role
from models.user import User
from service.api.deps import SessionDep, SettingsDep, WallClockDep
from service.auth import Token, actor_of, user_from_token
from service.errors import NotAuthenticated
from service.mail.outage import mail_server_status
from service.settings import Settings

SESSION_COOKIE = "sanshe_session"
CSRF_COOKIE = "sanshe_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PATH = "/console/login"
PASSWORD_PATH = "/console/password"
HOME_PATH = "/console/"


class CsrfRefused(DomainError):
    """A state-changing request without this browser's token: possibly forged by another site."""

    code = "csrf_refused"
    status = 403


class SignInRequired(Exception):
    """No valid session: the page sends the browser to the sign-in page and back afterwards."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


class PasswordChangeOwed(Exception):
    """Signed in with a one-time password: every page but the password change sends the browser there."""


def csrf_token(settings: Settings, browser_key: str) -> str:
    """The token forms carry: bound to this browser's cookie and the service's key."""
    return hmac.new(settings.secret_key.encode(), f"csrf:{browser_key}".encode(), hashlib.sha256).hexdigest()


def new_browser_key() -> str:
    return secrets.token_urlsafe(32)


def _cookie_flags(settings: Settings) -> dict[str, object]:
    """HttpOnly and SameSite=Lax always; Secure in production, where the service sits behind HTTPS."""
    return {"httponly": True, "samesite": "lax", "secure": settings.mode == "production", "path": "/"}


def set_browser_key(response: Response, settings: Settings, key: str) -> None:
    response.set_cookie(CSRF_COOKIE, key, **_cookie_flags(settings))  # type: ignore[arg-type]


def start_session(response: Response, settings: Settings, token: Token) -> None:
    """Sign the browser in with the API's token; a fresh CSRF key, so that no token from before sign-in works."""
    response.set_cookie(
        SESSION_COOKIE,
        token.access_token,
        max_age=settings.access_token_minutes * 60,
        **_cookie_flags(settings),  # type: ignore[arg-type]
    )
    set_browser_key(response, settings, new_browser_key())


def end_session(response: Response, settings: Settings) -> None:
    flags = _cookie_flags(settings)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=bool(flags["secure"]), httponly=True, samesite="lax")


async def check_csrf(request: Request, settings: SettingsDep) -> None:
    """Every state-changing console request: the token from the hidden field or htmx's header must match."""
    key = request.cookies.get(CSRF_COOKIE)
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()  # parsed once: the route's Form parameters read the same
        field = form.get(CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not key or not given or not hmac.compare_digest(csrf_token(settings, key), given):
        raise CsrfRefused("安全校验未通过：页面已过期或请求并非来自本系统的页面。请返回上一页，刷新后重试。")


CsrfChecked = Depends(check_csrf)


def session_user(request: Request, session: SessionDep, settings: SettingsDep, now: WallClockDep) -> User:
    """The session's user, even one that still owes a password change (only that page takes it)."""
    return _cookie_user(request, session, settings, now)


def _cookie_user(request: Request, session: Session, settings: Settings, now: datetime) -> User:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    try:
        return user_from_token(session, token, settings=settings, now=now)
    except NotAuthenticated as exc:
        raise SignInRequired(exc.message) from exc


SessionUser = Annotated[User, Depends(session_user)]


MAIL_WATCHERS = frozenset({Role.CITY_COORDINATOR, Role.ADMIN})  # told on every page while mail cannot go out


def console_user(request: Request, session: SessionDep, settings: SettingsDep, now: WallClockDep) -> User:
    """The signed-in user, kept on the request so that a refusal's page still shows who is signed in.

    Those who watch the mail also get the mail server's status (read on the request's own session: on SQLite a
    second session would wait for this one's write lock). One dependency, not one atop `session_user`: each sync
    dependency is a hop to a worker thread and back on every page."""
    user = _cookie_user(request, session, settings, now)
    if user.must_change_password:
        raise PasswordChangeOwed()
    request.state.console_user = user
    if user.role in MAIL_WATCHERS:
        request.state.mail_status = mail_server_status(session)
    return user


ConsoleUser = Annotated[User, Depends(console_user)]


async def console_actor(user: ConsoleUser) -> Actor:
    return actor_of(user)


ConsoleActor = Annotated[Actor, Depends(console_actor)]
