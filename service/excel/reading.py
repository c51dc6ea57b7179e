"""Opening an uploaded workbook and reading its rows by Chinese header, collecting every cell error."""

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook

from models.errors import DomainError
from service.excel.cells import CellProblem, Parser, is_blank

HEADER_ROW = 1
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the legacy .xls (and .doc) container


@dataclass(frozen=True)
class CellError:
    """One thing wrong in the upload; row is the Excel row number (the header is row 1, 0 for the file)."""

    sheet: str
    row: int
    column: str
    message: str


class ImportRejected(DomainError):
    """Nothing was written; `errors` lists every problem found, per row and per column."""

    code = "import_rejected"
    status = 422

    def __init__(self, errors: list[CellError]) -> None:
        super().__init__(f"导入未完成：发现 {len(errors)} 处错误，未写入任何数据")
        self.errors = errors


@dataclass(frozen=True)
class Column:
    """A column of an import sheet: its Chinese header and how a cell becomes a value."""

    header: str
    parse: Parser
    required: bool = True  # the header must be present and every row must fill it
    hint: str = ""  # what to write, shown in the template's 填写说明 sheet


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """The rows of one worksheet, keyed by header, and the errors found while reading them."""

    title: str
    headers: list[str]
    rows: list[SheetRow]
    errors: list[CellError] = field(default_factory=list)

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(CellError(self.title, row, column, message))

    def require_headers(self, columns: Sequence[Column]) -> None:
        for column in columns:
            if column.required and column.header not in self.headers:
                self.error(HEADER_ROW, column.header, f"缺少必需的列“{column.header}”（请使用导入模板的表头）")

    def read(self, row: SheetRow, columns: Sequence[Column]) -> dict[str, Any]:
        """The row's values by header; a wrong cell is reported and left out, a blank one is None."""
        values: dict[str, Any] = {}
        for column in columns:
            raw = row.cells.get(column.header)
            if is_blank(raw):
                if column.required and column.header in self.headers:
                    self.error(row.number, column.header, f"“{column.header}”为必填项")
                else:
                    values[column.header] = None
                continue
            try:
                values[column.header] = column.parse(raw)
            except CellProblem as exc:
                self.error(row.number, column.header, str(exc))
        return values


def _file_error(message: str) -> ImportRejected:
    return ImportRejected([CellError("", 0, "", message)])


def open_sheet(data: bytes, preferred_title: str) -> Sheet:
    """The sheet named like the template, else the first; a file that is not .xlsx is refused in Chinese."""
    if not data:
        raise _file_error("上传的文件是空的，请选择一个 Excel 工作簿（.xlsx）")
    if data.startswith(_OLE2_MAGIC):
        raise _file_error("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入")
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            names = workbook.sheetnames
            worksheet = workbook[preferred_title] if preferred_title in names else workbook.worksheets[0]
            title = worksheet.title
            grid = [tuple(row) for row in worksheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, ParseError, IndexError) as exc:
        raise _file_error("无法读取文件：它不是有效的 Excel 工作簿（.xlsx）。请用导入模板填写并保存为 .xlsx") from exc
    return _sheet(title, grid)


def _sheet(title: str, grid: list[tuple[Any, ...]]) -> Sheet:
    if not grid:
        sheet = Sheet(title, [], [])
        sheet.error(HEADER_ROW, "", "工作表是空的：第 1 行应为表头")
        return sheet
    headers: list[str] = []
    positions: dict[str, int] = {}
    sheet = Sheet(title, headers, [])
    for index, raw in enumerate(grid[0]):
        if is_blank(raw):
            continue
        header = str(raw).strip()
        if header in positions:
            sheet.error(HEADER_ROW, header, f"表头“{header}”出现了两次")
            continue
        positions[header] = index
        headers.append(header)
    for offset, values in enumerate(grid[1:], start=HEADER_ROW + 1):
        cells = {header: values[index] if index < len(values) else None for header, index in positions.items()}
        if all(is_blank(value) for value in cells.values()):
            continue
        sheet.rows.append(SheetRow(offset, cells))
    if not sheet.rows and not sheet.errors:
        sheet.error(HEADER_ROW + 1, "", "工作表中没有数据行")
    return sheet


def describe(error: CellError) -> str:
    """One line of the Chinese error report: where, then what."""
    if error.row == 0:
        return f"文件：{error.message}"
    where = f"工作表「{error.sheet}」第 {error.row} 行"
    return f"{where}「{error.column}」列：{error.message}" if error.column else f"{where}：{error.message}"
