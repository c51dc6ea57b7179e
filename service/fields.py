"""Field types shared by the inputs: text PostgreSQL can store (no NUL) and integers within its column range."""

from typing import Annotated

from pydantic import Field, StringConstraints

MAX_INT = 2_147_483_647  # INTEGER columns on PostgreSQL

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Fen = Annotated[int, Field(ge=0, le=MAX_INT)]


def text(max_length: int, *, min_length: int = 0) -> type[str]:
    """A string of bounded length without NUL characters, stripped of surrounding blanks."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=r"^[^\x00]*$"),
    ]
