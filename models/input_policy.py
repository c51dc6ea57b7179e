"""What any input may hold, whichever door it comes through: text without control characters, dates in range.

Text must be storable (PostgreSQL refuses NUL, neither backend encodes a lone surrogate) and exportable (openpyxl
refuses the C0 controls other than tab and line breaks: `openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`). One-line
fields (names, usernames, e-mail addresses, codes) hold no control character at all; multi-line fields (reasons,
summaries, opinions) may hold tabs and line breaks. Dates stay within the years the working calendar counts in,
so that deadline arithmetic on them cannot leave the calendar; numbers within the INTEGER columns.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

MAX_INT = 2_147_483_647  # INTEGER columns on PostgreSQL
Flag = Annotated[bool, Strict()]  # true or false only: 0, 1 or "yes" are refused, as the schema says
EARLIEST_DAY = date(2000, 1, 1)  # the programme files' years: models.programme_spec
LATEST_DAY = date(2100, 12, 31)

_ONE_LINE_REFUSED = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_MULTI_LINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_ONE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f]*$"  # as the OpenAPI document shows it (JSON Schema regex)
_MULTI_LINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$"


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character the policy refuses in `value`, as U+XXXX, or None when the text is fine."""
    found = (_MULTI_LINE_REFUSED if multiline else _ONE_LINE_REFUSED).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def character_problem(value: str, *, multiline: bool = False) -> str | None:
    """What is wrong with the text's characters, in Chinese, or None."""
    character = refused_character(value, multiline=multiline)
    if character is None:
        return None
    if "U+D800" <= character <= "U+DFFF":  # a lone surrogate: no encoding can store it
        return f"含有无法编码的字符（{character}）"
    return f"不能包含控制字符（{character}）"


@dataclass(frozen=True)
class Characters:
    """The characters a text may hold, shown as a `pattern` in the OpenAPI document and checked as sent: before
    surrounding blanks are stripped, so that what the document refuses the service refuses too."""

    multiline: bool

    def check(self, value: Any) -> Any:
        problem = character_problem(value, multiline=self.multiline) if isinstance(value, str) else None
        if problem is not None:
            raise PydanticCustomError("control_character", problem)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        shown = handler(schema)
        shown["pattern"] = _MULTI_LINE_PATTERN if self.multiline else _ONE_LINE_PATTERN
        return shown


ONE_LINE = Characters(multiline=False)
MULTI_LINE = Characters(multiline=True)


def length(max_length: int, *, min_length: int = 0) -> StringConstraints:
    """Between `min_length` and `max_length` characters once stripped of surrounding blanks."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


def text(max_length: int, *, min_length: int = 0, multiline: bool = False) -> type[str]:
    """A string of bounded length, stripped of surrounding blanks, holding only the characters the policy allows."""
    return Annotated[  # type: ignore[return-value]
        str, length(max_length, min_length=min_length), MULTI_LINE if multiline else ONE_LINE
    ]


_RANGE_ZH = f"{EARLIEST_DAY.isoformat()} 至 {LATEST_DAY.isoformat()} 之间"


def date_problem(value: date) -> str | None:
    """Why the date is out of range, in Chinese, or None."""
    return None if EARLIEST_DAY <= value <= LATEST_DAY else f"日期应在 {_RANGE_ZH}"


def _day_in_range(value: date) -> date:
    problem = date_problem(value)
    if problem is not None:
        raise PydanticCustomError("date_out_of_range", problem)
    return value


def _moment_in_range(value: datetime) -> datetime:
    if date_problem(value.date()) is not None:  # the day at its own offset: a day off at most, still in range
        raise PydanticCustomError("date_out_of_range", f"时间应在 {_RANGE_ZH}")
    return value


Day = Annotated[date, AfterValidator(_day_in_range)]
Moment = Annotated[AwareDatetime, AfterValidator(_moment_in_range)]
