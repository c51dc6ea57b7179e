"""Opening an uploaded workbook and reading its rows by Chinese header, collecting every cell error."""

import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from models.errors import DomainError
from service.excel.cells import CellProblem, Parser, is_blank
from service.files import MIB

HEADER_ROW = 1
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # the legacy .xls (and .doc) container


@dataclass(frozen=True)
class WorkbookLimits:
    """How much of an upload is read at most: a file past any of these is refused, never walked to its end."""

    data_rows: int = 100_000
    columns: int = 50
    cell_chars: int = 10_000
    unzipped_bytes: int = 200 * MIB  # all members of the .xlsx (a zip) together, as their headers declare
    zip_ratio: int = 100  # a member's size unzipped over its size zipped; real workbooks stay under 30
    ratio_checked_from: int = MIB  # a smaller member may compress as well as it likes
    blank_run: int = 1_000  # this many empty rows in a row end the sheet (a sheet may claim 1,048,576)
    reading_seconds: float = 30.0  # from opening the file to its last row, on time.monotonic


WORKBOOK_LIMITS = WorkbookLimits()


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


class WorkbookTooLarge(DomainError):
    """The upload is past one of `WorkbookLimits`; nothing of it was imported."""

    code = "workbook_too_large"
    status = 413


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


def open_sheet(data: bytes, preferred_title: str, limits: WorkbookLimits = WORKBOOK_LIMITS) -> Sheet:
    """The sheet named like the template, else the first; a file that is not .xlsx is refused in Chinese.

    Rows are streamed and only the header's columns kept, so memory and time follow the cells that hold values,
    not the size the file claims; every limit of `limits` is refused with WorkbookTooLarge (413)."""
    if not data:
        raise _file_error("上传的文件是空的，请选择一个 Excel 工作簿（.xlsx）")
    if data.startswith(_OLE2_MAGIC):
        raise _file_error("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 格式后再导入")
    started = time.monotonic()
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            _check_members(archive.infolist(), limits)
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
        try:
            names = workbook.sheetnames
            worksheet = workbook[preferred_title] if preferred_title in names else workbook.worksheets[0]
            if not isinstance(worksheet, ReadOnlyWorksheet):
                raise _file_error(f"「{worksheet.title}」是图表而不是工作表，请把数据放在第一个工作表中")
            worksheet.reset_dimensions()  # the size the file declares is not trusted (openpyxl's read-only advice)
            return _sheet(worksheet, limits, started)
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, ParseError, IndexError) as exc:
        raise _file_error("无法读取文件：它不是有效的 Excel 工作簿（.xlsx）。请用导入模板填写并保存为 .xlsx") from exc


def _check_members(members: list[zipfile.ZipInfo], limits: WorkbookLimits) -> None:
    """Refuse a zip bomb from its directory alone: zipfile never unpacks more than a member's declared size."""
    unzipped = sum(member.file_size for member in members)
    if unzipped > limits.unzipped_bytes:
        raise WorkbookTooLarge(
            f"工作簿解压后共 {unzipped // MIB} MB，超过 {limits.unzipped_bytes // MIB} MB 的上限，请分成几个文件导入"
        )
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size >= limits.ratio_checked_from and ratio > limits.zip_ratio:
            raise WorkbookTooLarge(
                f"工作簿中的“{member.filename}”解压后是压缩时的 {ratio} 倍，超过 {limits.zip_ratio} 倍的上限"
                "（疑似压缩炸弹），未读取。请在 Excel 中打开并另存为 .xlsx 后再导入"
            )


def _sheet(worksheet: ReadOnlyWorksheet, limits: WorkbookLimits, started: float) -> Sheet:
    title = worksheet.title
    first = next(worksheet.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
    width = max((index + 1 for index, raw in enumerate(first) if not is_blank(raw)), default=0)
    if width > limits.columns:
        raise WorkbookTooLarge(f"工作表「{title}」的表头有 {width} 列，超过 {limits.columns} 列的上限")
    headers: list[str] = []
    positions: dict[str, int] = {}
    sheet = Sheet(title, headers, [])
    if width == 0:
        sheet.error(HEADER_ROW, "", "工作表是空的：第 1 行应为表头")
        return sheet
    for index, raw in enumerate(first[:width]):
        if is_blank(raw):
            continue
        header = str(raw).strip()
        if header in positions:
            sheet.error(HEADER_ROW, header, f"表头“{header}”出现了两次")
            continue
        positions[header] = index
        headers.append(header)
    last_row = HEADER_ROW + limits.data_rows
    rows = worksheet.iter_rows(min_row=HEADER_ROW + 1, max_row=last_row + 1, max_col=width, values_only=True)
    blank_run = 0
    for number, values in enumerate(rows, start=HEADER_ROW + 1):
        if time.monotonic() - started >= limits.reading_seconds:
            raise WorkbookTooLarge(
                f"工作表「{title}」读到第 {number} 行已用时超过 {limits.reading_seconds:g} 秒的上限，请分成几个文件导入"
            )
        cells = {header: values[index] for header, index in positions.items()}
        if all(is_blank(value) for value in cells.values()):
            blank_run += 1
            if blank_run == limits.blank_run:
                break
            continue
        blank_run = 0
        if number > last_row:
            raise WorkbookTooLarge(
                f"工作表「{title}」超过 {limits.data_rows} 个数据行的上限（第 {number} 行仍有内容），请分成几个文件导入"
            )
        too_long = [h for h, value in cells.items() if isinstance(value, str) and len(value) > limits.cell_chars]
        for header in too_long:
            sheet.error(number, header, f"单元格有 {len(str(cells[header]))} 字，超过 {limits.cell_chars} 字的上限")
        if not too_long:
            sheet.rows.append(SheetRow(number, cells))
    if not sheet.rows and not sheet.errors:
        sheet.error(HEADER_ROW + 1, "", "工作表中没有数据行")
    return sheet


def describe(error: CellError) -> str:
    """One line of the Chinese error report: where, then what."""
    if error.row == 0:
        return f"文件：{error.message}"
    where = f"工作表「{error.sheet}」第 {error.row} 行"
    return f"{where}「{error.column}」列：{error.message}" if error.column else f"{where}：{error.message}"
