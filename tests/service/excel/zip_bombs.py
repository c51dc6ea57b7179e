"""Workbooks that cost far more to read than to send, as an attacker would upload them (and the benchmark does)."""

import re
import zipfile
from collections.abc import Sequence
from io import BytesIO
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from tests.service.excel.builders import workbook

SHEET_MEMBER = "xl/worksheets/sheet1.xml"
WHOLE_SHEET = "A1:XFD1048576"  # the most a sheet can claim: 16,384 columns × 1,048,576 rows
EXCEL_ROWS = 1_048_576


def empty_rows(headers: list[str], *, empty: int = 15_000, then: Sequence[str] = (), title: str = "Sheet1") -> bytes:
    """The header, `empty` rows holding nothing (a row height each, as Excel writes resized rows), then `then`.

    About 45 KB for 15,000 rows: the workbook of finding 2 of issue 11 (18 s and 629 MB before streaming)."""
    rows = "".join(f'<row r="{n}" ht="15" customHeight="1"/>' for n in range(2, empty + 2))
    if then:
        rows += _text_row(empty + 2, then)
    return _with_rows(workbook(headers, title=title), rows)


def high_ratio(headers: list[str], *, rows: int = EXCEL_ROWS - 1, title: str = "Sheet1") -> bytes:
    """The header, then the same empty row repeated: megabytes of sheet XML that zip to a few kilobytes."""
    return _with_rows(workbook(headers, title=title), "<row/>" * rows)


def _text_row(number: int, values: Sequence[str]) -> str:
    cells = "".join(
        f'<c r="{get_column_letter(column)}{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
        for column, value in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'


def _with_rows(data: bytes, rows: str) -> bytes:
    """The workbook re-zipped with `rows` after its own and a dimension claiming the whole sheet."""
    source = zipfile.ZipFile(BytesIO(data))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == SHEET_MEMBER:
                xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{WHOLE_SHEET}"/>', content.decode())
                content = xml.replace("</sheetData>", f"{rows}</sheetData>").encode()
            target.writestr(member.filename, content)
    return out.getvalue()
