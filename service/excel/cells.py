"""Reading one spreadsheet cell into a domain value; each refusal says in Chinese what to write instead."""

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models.input_policy import character_problem, date_problem
from models.money import yuan_to_fen
from models.social_worker import Qualification

QUALIFICATION_WORDS: dict[str, Qualification] = {
    "无": Qualification.NONE,
    "助理社会工作师": Qualification.ASSISTANT,
    "社会工作师": Qualification.INTERMEDIATE,
    "高级社会工作师": Qualification.SENIOR,
}
QUALIFICATION_LABELS_ZH: dict[Qualification, str] = {value: word for word, value in QUALIFICATION_WORDS.items()}
YES, NO = "是", "否"

# GB 32100-2015: 18 characters from this alphabet, the last a check character over the first 17.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")

Parser = Callable[[Any], Any]


class CellProblem(ValueError):
    """The cell's content cannot become the column's value; the message is shown to the user."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_length: int, *, multiline: bool = False) -> Parser:
    """Free text up to the column's length, on one line unless `multiline`; numbers typed in are kept as written.

    Control characters are refused here, cell by cell, as every input refuses them (`models.input_policy`): stored,
    they would break every later .xlsx export of the table.
    """

    def parse(value: Any) -> str:
        if isinstance(value, bool):
            raise CellProblem("应填写文字，不能是“是/否”值")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date):
            raise CellProblem("应填写文字，不能是日期")
        result = str(value).strip()
        if len(result) > max_length:
            raise CellProblem(f"内容过长：最多 {max_length} 个字，实际 {len(result)} 个字")
        problem = character_problem(result, multiline=multiline)
        if problem is not None:
            raise CellProblem(f"{problem}，请删去后重新导入")
        return result

    return parse


def key_text(max_length: int) -> Parser:
    """Text that identifies something (a code): a number-formatted cell may already have lost digits."""
    plain = text(max_length)

    def parse(value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise CellProblem("须以文本格式填写（数字格式的单元格会丢失位数，请先将单元格设为“文本”）")
        return plain(value).upper()

    return parse


def credit_code(value: Any) -> str:
    """统一社会信用代码: 18 characters whose last one checks the first 17 (GB 32100-2015)."""
    code = key_text(100)(value)
    if len(code) != 18:
        raise CellProblem(f"统一社会信用代码应为 18 位，实际 {len(code)} 位：{code}")
    bad = sorted({ch for ch in code if ch not in _CREDIT_ALPHABET})
    if bad:
        raise CellProblem(f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、Z、S、V）")
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise CellProblem(f"统一社会信用代码校验位不符（第 18 位应为 {expected}），请核对是否抄错：{code}")
    return code


def credit_code_check_character(first_17: str) -> str:
    total = sum(_CREDIT_ALPHABET.index(ch) * weight for ch, weight in zip(first_17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31]


def yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = str(value).strip()
    if word == YES:
        return True
    if word == NO:
        return False
    raise CellProblem(f"应填写“{YES}”或“{NO}”，实际为“{word}”")


def whole_number(value: Any) -> int:
    """A non-negative whole number (square metres, counts)."""
    if isinstance(value, bool):
        raise CellProblem("应填写整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellProblem(f"应填写整数，实际为 {value!r}")
        value = int(value)
    if isinstance(value, str):
        try:
            value = int(value.strip().replace(",", ""))
        except ValueError as exc:
            raise CellProblem(f"应填写整数，实际为“{value.strip()}”") from exc
    if not isinstance(value, int):
        raise CellProblem("应填写整数")
    if value < 0:
        raise CellProblem(f"不能为负数：{value}")
    return value


def money_fen(value: Any) -> int:
    """Yuan in the sheet, exact integer fen out; a numeric cell is read back as the decimal Excel stored."""
    if isinstance(value, bool | datetime | date):
        raise CellProblem("应填写金额（元），例如 160000 或 160000.00")
    if isinstance(value, float):
        # openpyxl turns the stored text "160000.005" into a float; its shortest repr gives that text back.
        if not math.isfinite(value):
            raise CellProblem("金额不是有效数字")
        amount: Decimal | int | str = Decimal(repr(value))
    elif isinstance(value, int | Decimal):
        amount = value
    else:
        written = str(value).strip()
        amount = written.replace(",", "").replace("，", "").removesuffix("元").strip()
        try:
            if not Decimal(amount).is_finite():
                raise CellProblem(f"金额格式不正确：“{written}”")
        except InvalidOperation as exc:
            raise CellProblem(f"金额格式不正确：“{written}”，应为数字（元），最多两位小数") from exc
    try:
        return yuan_to_fen(amount)
    except ValueError as exc:
        raise CellProblem(str(exc)) from exc


def calendar_date(value: Any) -> date:
    """A day within the years every input allows (`models.input_policy`), written as a date or as text."""
    day = _written_date(value)
    problem = date_problem(day)
    if problem is not None:
        raise CellProblem(f"{problem}，实际为 {day.isoformat()}")
    return day


def _written_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _DATE_TEXT.match(value.strip())
        if match:
            try:
                return date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError as exc:
                raise CellProblem(f"日期不存在：“{value.strip()}”") from exc
    raise CellProblem(f"应填写日期（如 2018-03-01），实际为“{value}”")


def email(value: Any) -> str:
    address = text(255)(value)
    if not _EMAIL.match(address):
        raise CellProblem(f"电子邮箱格式不正确：“{address}”")
    return address


def qualification(value: Any) -> Qualification:
    word = str(value).strip()
    try:
        return QUALIFICATION_WORDS[word]
    except KeyError as exc:
        allowed = "、".join(QUALIFICATION_WORDS)
        raise CellProblem(f"职业资格“{word}”无法识别，请填写以下之一：{allowed}") from exc
