"""Signing in and out of the console, and changing one's password: the API's own use cases behind a cookie."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from models.errors import DomainError
from service.api.deps import ClockDep, SessionDep, SettingsDep, WallClockDep
from service.api.params import LoginForm
from service.auth import log_in, user_from_token
from service.commands.users import PasswordChange, change_own_password
from service.console.refusals import ConsoleRoute
from service.console.session import (
    HOME_PATH,
    LOGIN_PATH,
    PASSWORD_PATH,
    SESSION_COOKIE,
    CsrfChecked,
    SessionUser,
    end_session,
    start_session,
)
from service.console.templating import render
from service.errors import NotAuthenticated

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
PasswordField = Annotated[str, Form(max_length=200)]


def _safe_next(target: str | None) -> str:
    """Only a console path: a sign-in link must not send the user on to another site."""
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return HOME_PATH


@router.get("/")
def root(request: Request, session: SessionDep, settings: SettingsDep, now: WallClockDep) -> RedirectResponse:
    """The service's front door: the signed-in user's work list, everyone else the sign-in page."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            user_from_token(session, token, settings=settings, now=now)
            return RedirectResponse(HOME_PATH, status_code=303)
        except NotAuthenticated:
            pass
    return RedirectResponse(LOGIN_PATH, status_code=303)


@router.get(LOGIN_PATH)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "console/login.html", next=_safe_next(next), username="")


@router.post(LOGIN_PATH, dependencies=[CsrfChecked])
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: WallClockDep,
    form: Annotated[LoginForm, Depends()],
    next: Annotated[str, Form(max_length=2000)] = HOME_PATH,
) -> Response:
    """The login route's use case, so that the console meets the same throttling and the same refusals."""
    address = request.client.host if request.client else None
    try:
        token = log_in(
            session, username=form.username, password=form.password, address=address, settings=settings, now=now
        )
    except DomainError as exc:
        return render(
            request,
            "console/login.html",
            status=exc.status,
            headers=getattr(exc, "headers", None),
            error=exc.message,
            next=_safe_next(next),
            username=form.username,
        )
    response = RedirectResponse(PASSWORD_PATH if token.must_change_password else _safe_next(next), status_code=303)
    start_session(response, settings, token)
    return response


@router.post("/console/logout", dependencies=[CsrfChecked])
def logout(settings: SettingsDep) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    end_session(response, settings)
    return response


@router.get(PASSWORD_PATH)
def password_page(request: Request, user: SessionUser) -> Response:
    return render(request, "console/password.html", user=user)


@router.post(PASSWORD_PATH, dependencies=[CsrfChecked])
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: ClockDep,
    wall_now: WallClockDep,
    user: SessionUser,
    old_password: PasswordField,
    new_password: PasswordField,
    new_password_again: PasswordField,
) -> Response:
    """The API's password change; the new token replaces the session's, which the change has ended."""
    error = None
    if new_password != new_password_again:
        error = "两次输入的新密码不一致"
    else:
        try:
            data = PasswordChange(old_password=old_password, new_password=new_password)
            token = change_own_password(session, user=user, data=data, settings=settings, now=now, wall_now=wall_now)
        except ValidationError:
            error = "新密码至少 8 位，且不能包含控制字符"
        except DomainError as exc:
            error = exc.message
    if error is not None:
        return render(request, "console/password.html", user=user, status=422, error=error)
    response = RedirectResponse(f"{HOME_PATH}?changed=1", status_code=303)
    start_session(response, settings, token)
    return response
