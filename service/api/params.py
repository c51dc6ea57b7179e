"""Path, query and form parameters the routes share: ids within range, paging, the answer's format, the login form.

Text parameters follow the character policy of every input (`models.input_policy`), dates its range.
"""

from typing import Annotated, Literal

from fastapi import Form, Path, Query
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import StringConstraints

from models.input_policy import ONE_LINE
from service.fields import MAX_INT
from service.queries.common import MAX_PAGE_SIZE

EntityId = Annotated[int, Path(ge=1, le=MAX_INT, description="编号")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_INT)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000, description="页码，从 1 开始")]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")]
Format = Annotated[Literal["json", "xlsx"], Query(description="json，或 xlsx 导出全部符合条件的记录")]
QueryWord = Annotated[str, StringConstraints(min_length=1, max_length=60), ONE_LINE]  # one value of a list filter
OneLine = Annotated[str, ONE_LINE]  # taken as typed, not stripped: every password ever set still signs in
PASSWORD_FORMAT = {"format": "password"}


class LoginForm(OAuth2PasswordRequestForm):
    """The OAuth2 password form with its fields bounded like every other input: a NUL is a 422, not a 500."""

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[OneLine, Form(max_length=100)],
        password: Annotated[OneLine, Form(max_length=200, json_schema_extra=PASSWORD_FORMAT)],
        scope: Annotated[OneLine, Form(max_length=200)] = "",
        client_id: Annotated[OneLine | None, Form(max_length=200)] = None,
        client_secret: Annotated[OneLine | None, Form(max_length=200, json_schema_extra=PASSWORD_FORMAT)] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )
