"""Field types shared by the inputs: text and dates under `models.input_policy`, integers within the columns' range."""

from typing import Annotated

from pydantic import Field

from models.input_policy import MAX_INT, Day, Flag, Moment, text

Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]
Fen = Annotated[int, Field(ge=0, le=MAX_INT)]

__all__ = ["MAX_INT", "Count", "Day", "Fen", "Flag", "Id", "Moment", "text"]
