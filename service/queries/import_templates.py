"""The empty workbook of an import, as `sanshe export template` writes it, for a download."""

from datetime import date, timedelta

from sqlmodel import Session

from models.errors import OutOfScope
from models.programme import Programme
from models.programme_spec import ProgrammeSpec
from service.excel.kinds import SHEET_TITLES
from service.excel.templates import template_workbook


def import_template(session: Session, *, kind: str, programme_id: int | None) -> tuple[bytes, str]:
    """The workbook and its file name; declarations name a programme to get one column per budget line."""
    programme = None if programme_id is None else session.get(Programme, programme_id)
    if programme_id is not None and programme is None:
        raise OutOfScope("试点批次不存在")
    spec: ProgrammeSpec | None = programme.parsed_spec() if programme is not None else None
    suffix = f"（{programme.code}）" if programme is not None else ""
    return template_workbook(kind, spec), f"{SHEET_TITLES[kind]}导入模板{suffix}.xlsx"


def official_year_example(*, year: int) -> tuple[bytes, str]:
    """An official-year file to fill in (the format `schedules.calendar_store` reads): the calendar has no workbook."""
    february = date(year, 2, 1)
    saturday = february + timedelta(days=(5 - february.weekday()) % 7)  # a weekend day, as an adjusted one must be
    text = f"""\
# {year} 年节假日安排：按国务院办公厅当年的通知填写后载入；未列出的日子周一至周五上班、周末休息。
year: {year}
source: 国务院办公厅关于{year}年部分节假日安排的通知
holidays:                       # 放假（起止日期均含）
  - {{name: 元旦, start: {year}-01-01, end: {year}-01-01}}
working_days:                   # 调休上班的周末
  - {{name: 春节调休上班, day: {saturday.isoformat()}}}
"""
    return text.encode("utf-8"), f"{year}年节假日安排（示例）.yaml"
