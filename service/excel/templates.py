"""Empty import workbooks: the header row of each kind, and a sheet that explains every column."""

from openpyxl import Workbook

from models.programme_spec import ProgrammeSpec
from service.excel.exporting import save, write_sheet
from service.excel.kinds import SHEET_TITLES, columns_for

HELP_TITLE = "填写说明"


def template_workbook(kind: str, programme: ProgrammeSpec | None = None) -> bytes:
    """The declarations template needs the programme: its budget lines are columns of their own."""
    columns = columns_for(kind, programme)
    workbook = Workbook(write_only=True)
    write_sheet(workbook, SHEET_TITLES[kind], [(c.header, c.header) for c in columns], [])
    help_rows = [{"header": c.header, "hint": c.hint} for c in columns]
    help_rows.append(
        {"header": "（整体）", "hint": "第 1 行为表头，从第 2 行起每行一条；任何一处有错则整个文件都不导入。"}
    )
    write_sheet(workbook, HELP_TITLE, [("header", "列"), ("hint", "填写要求")], help_rows)
    return save(workbook)
