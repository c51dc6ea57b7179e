"""Signing in: the OAuth2 password flow gives a JWT."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from service.api.deps import SessionDep, SettingsDep, WallClockDep
from service.auth import Token, log_in

router = APIRouter(tags=["login"])


@router.post("/login/access-token")
def login_access_token(
    session: SessionDep, settings: SettingsDep, now: WallClockDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    return log_in(session, username=form.username, password=form.password, settings=settings, now=now)
