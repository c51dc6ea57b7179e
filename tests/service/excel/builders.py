"""Workbooks built in memory the way a user fills them in, and valid 统一社会信用代码."""

import random
from io import BytesIO
from typing import Any

from openpyxl import Workbook, load_workbook

from service.excel.cells import credit_code_check_character

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def workbook(headers: list[str], *rows: list[Any], title: str = "Sheet1") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def credit_code() -> str:
    """A fresh, well-formed code: '91' (enterprise), 15 random characters, the check character."""
    body = "91" + "".join(random.choices(_ALPHABET, k=15))
    return body + credit_code_check_character(body)


def read_back(data: bytes) -> list[tuple[Any, ...]]:
    sheet = load_workbook(BytesIO(data)).worksheets[0]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]
