"""Signing in (OAuth2 password flow → JWT) and who the signed-in user is."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from service.api.deps import ClockDep, CurrentUser, SessionDep, SettingsDep
from service.auth import Token, UserPublic, log_in, user_public

router = APIRouter(tags=["login"])


@router.post("/login/access-token")
def login_access_token(
    session: SessionDep, settings: SettingsDep, now: ClockDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    return log_in(session, username=form.username, password=form.password, settings=settings, now=now)


@router.get("/users/me")
def read_me(user: CurrentUser) -> UserPublic:
    return user_public(user)
