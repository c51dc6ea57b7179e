"""Reading an upload is bounded: rows, columns, cell text, unzipped size and reading time (issue 11, finding 2)."""

import zipfile
from io import BytesIO

import pytest
from sqlmodel import Session

from models.roles import Actor, Role
from service.excel import kinds
from service.excel.importing import import_workbook
from service.excel.reading import WORKBOOK_LIMITS, WorkbookLimits, WorkbookTooLarge, open_sheet
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, unique
from tests.service.excel.builders import credit_code, workbook
from tests.service.excel.test_import_parties import ORG_HEADERS, rejected
from tests.service.excel.zip_bombs import SHEET_MEMBER, empty_rows, high_ratio

ADMIN = Actor("cli", Role.ADMIN)
TITLE = kinds.SHEET_TITLES[kinds.ORGANISATIONS]


def organisation_row() -> list[str]:
    return [unique("社工服务中心"), credit_code(), "是", "2018-03-01", "是", "是", f"{unique('org')}@example.cn"]


def too_large(session: Session, data: bytes) -> str:
    before = row_counts(session)
    with pytest.raises(WorkbookTooLarge) as caught:
        import_workbook(session, kinds.ORGANISATIONS, data, actor=ADMIN, now=DECLARATION_DAY)
    assert row_counts(session) == before
    assert (caught.value.status, caught.value.code) == (413, "workbook_too_large")
    return caught.value.message


def test_a_workbook_of_empty_rows_is_read_only_as_far_as_its_rows_hold_values(session: Session) -> None:
    """Guards the blank-run stop and reset_dimensions() in reading.py `_sheet`/`open_sheet`: before them, this
    45 KB sheet (claiming 16,384 columns) was built whole, and the row after the gap was imported."""
    data = empty_rows(ORG_HEADERS, empty=15_000, then=organisation_row(), title=TITLE)
    assert len(data) < 50_000

    errors = rejected(session, kinds.ORGANISATIONS, data)

    assert [e.message for e in errors] == ["工作表中没有数据行"]


def test_a_sheet_member_that_unzips_to_hundreds_of_times_its_size_is_refused_unread(session: Session) -> None:
    """Guards the ratio check of `_check_members` in reading.py."""
    data = high_ratio(ORG_HEADERS, title=TITLE)

    message = too_large(session, data)

    assert SHEET_MEMBER in message and f"超过 {WORKBOOK_LIMITS.zip_ratio} 倍的上限" in message


def test_a_workbook_past_the_unzipped_size_is_refused_from_its_directory() -> None:
    """Guards the total-size check of `_check_members` in reading.py."""
    data = workbook(ORG_HEADERS, organisation_row(), title=TITLE)
    unzipped = sum(m.file_size for m in zipfile.ZipFile(BytesIO(data)).infolist())

    with pytest.raises(WorkbookTooLarge, match="MB 的上限"):
        open_sheet(data, TITLE, WorkbookLimits(unzipped_bytes=unzipped - 1))
    assert len(open_sheet(data, TITLE, WorkbookLimits(unzipped_bytes=unzipped)).rows) == 1


def test_rows_past_the_limit_are_refused_and_rows_up_to_it_are_read() -> None:
    """Guards the data-row check of `_sheet` in reading.py (the real limit, 100,000 rows, is the same code)."""
    rows = [organisation_row() for _ in range(4)]
    data = workbook(ORG_HEADERS, *rows, title=TITLE)

    with pytest.raises(WorkbookTooLarge, match="超过 3 个数据行的上限（第 5 行仍有内容）"):
        open_sheet(data, TITLE, WorkbookLimits(data_rows=3))
    assert len(open_sheet(data, TITLE, WorkbookLimits(data_rows=4)).rows) == 4


def test_a_sheet_still_being_read_when_the_time_limit_is_reached_is_refused() -> None:
    """Guards the reading-time check of `_sheet` in reading.py (the real limit, 30 s, is the same code)."""
    data = workbook(ORG_HEADERS, organisation_row(), organisation_row(), title=TITLE)

    with pytest.raises(WorkbookTooLarge) as caught:
        open_sheet(data, TITLE, WorkbookLimits(reading_seconds=0))
    assert (caught.value.status, caught.value.code) == (413, "workbook_too_large")
    assert "读到第 2 行已用时超过 0 秒的上限" in caught.value.message
    assert len(open_sheet(data, TITLE, WorkbookLimits(reading_seconds=60)).rows) == 2


def test_a_header_wider_than_the_column_limit_is_refused(session: Session) -> None:
    """Guards the column check of `_sheet` in reading.py."""
    headers = ORG_HEADERS + [f"备注{n}" for n in range(WORKBOOK_LIMITS.columns - len(ORG_HEADERS) + 1)]

    message = too_large(session, workbook(headers, organisation_row(), title=TITLE))

    assert f"表头有 {WORKBOOK_LIMITS.columns + 1} 列，超过 {WORKBOOK_LIMITS.columns} 列的上限" in message


def test_a_cell_longer_than_the_limit_is_reported_on_its_cell(session: Session) -> None:
    """Guards the cell-text check of `_sheet` in reading.py."""
    row = organisation_row()
    row[0] = "长" * (WORKBOOK_LIMITS.cell_chars + 1)

    errors = rejected(session, kinds.ORGANISATIONS, workbook(ORG_HEADERS, row, title=TITLE))

    assert [(e.row, e.column) for e in errors] == [(2, "机构名称")]
    assert f"超过 {WORKBOOK_LIMITS.cell_chars} 字的上限" in errors[0].message


def test_rows_past_the_size_the_sheet_declares_are_read(session: Session) -> None:
    """The declared dimension is not trusted either way (reset_dimensions in `open_sheet`): a sheet that says
    A1:A1 still gives all its rows."""
    source = zipfile.ZipFile(BytesIO(workbook(ORG_HEADERS, organisation_row(), organisation_row(), title=TITLE)))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == SHEET_MEMBER:
                assert b'<dimension ref="A1:G3"' in content
                content = content.replace(b'<dimension ref="A1:G3"', b'<dimension ref="A1:A1"')
            target.writestr(member.filename, content)

    report = import_workbook(session, kinds.ORGANISATIONS, out.getvalue(), actor=ADMIN, now=DECLARATION_DAY)

    assert report.created == 2
