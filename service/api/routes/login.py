"""Signing in: the OAuth2 password flow gives a JWT."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from service.api.deps import SessionDep, SettingsDep, WallClockDep
from service.api.params import LoginForm
from service.api.problems import problem_responses
from service.auth import Token, log_in

router = APIRouter(tags=["login"])


@router.post("/login/access-token", responses=problem_responses(429))
def login_access_token(
    session: SessionDep,
    settings: SettingsDep,
    now: WallClockDep,
    form: Annotated[LoginForm, Depends()],
    request: Request,
) -> Token:
    # The peer's address: behind a reverse proxy, uvicorn must be told to trust it (README, 登录限制).
    address = request.client.host if request.client else None
    return log_in(session, username=form.username, password=form.password, address=address, settings=settings, now=now)
