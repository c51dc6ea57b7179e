"""Exports read back with openpyxl: headers, exact money, real dates, and the audit trail in Chinese."""

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from models.errors import OutOfScope
from service.excel.cells import money_fen
from service.excel.exporting import export_audit_trail, export_rows
from tests import factories
from tests.models.lifecycle_paths import TO_UNDER_REVIEW, drive_project
from tests.service.excel.builders import read_back

UTC_MORNING = datetime(2022, 9, 27, 1, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 in Lanzhou


def test_export_round_trip_keeps_headers_money_dates_and_text() -> None:
    columns = [
        ("title", "项目名称"),
        ("total_fen", "项目总经费（元）"),
        ("signed_on", "签订日期"),
        ("created_at", "申报时间"),
        ("selected", "是否入选"),
        ("area", "面积"),
    ]
    rows = [
        {
            "title": '=HYPERLINK("http://x")',
            "total_fen": 30_000_005,
            "signed_on": date(2022, 8, 30),
            "created_at": UTC_MORNING,
            "selected": True,
            "area": 420,
        },
        {"title": "邻里守望", "total_fen": 10, "signed_on": None, "created_at": None, "selected": False, "area": 0},
    ]
    data = export_rows("试点项目/2022", columns, rows)

    book = load_workbook(BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "试点项目_2022" and sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet.column_dimensions["A"].width >= 10
    assert read_back(data) == [
        ("项目名称", "项目总经费（元）", "签订日期", "申报时间", "是否入选", "面积"),
        ('=HYPERLINK("http://x")', 300000.05, datetime(2022, 8, 30), datetime(2022, 9, 27, 9, 30), "是", 420),
        ("邻里守望", 0.1, None, None, "否", 0),
    ]
    assert sheet["A2"].data_type == "s"  # a title that looks like a formula stays text
    assert sheet["B2"].number_format == "#,##0.00" and sheet["C2"].number_format == "yyyy-mm-dd"
    assert [money_fen(sheet[f"B{n}"].value) for n in (2, 3)] == [30_000_005, 10]


def test_large_amounts_survive_the_round_trip_exactly() -> None:
    amounts = [1, 99, 3_000_000_00, 123_456_789_012_34, 999_999_999_999_999]  # up to 10^13 yuan
    data = export_rows("金额", [("amount_fen", "金额（元）")], [{"amount_fen": a} for a in amounts])
    read = [row[0] for row in read_back(data)[1:]]
    assert [money_fen(value) for value in read] == amounts
    assert Decimal(repr(read[-1])) == Decimal("9999999999999.99")


def test_audit_trail_of_a_project_lists_each_transition_in_order(session: Session) -> None:
    cast = factories.cast(session)
    drive_project(session, cast, TO_UNDER_REVIEW)
    assert cast.project.id is not None
    rows = read_back(export_audit_trail(session, "project", cast.project.id))
    assert rows[0] == ("时间", "操作", "原状态", "新状态", "操作人", "角色", "代表", "理由")
    assert [row[1:6] for row in rows[1:]] == [
        ("创建", None, "草稿", "org", "社工机构"),
        ("提交申报", "草稿", "已申报", "org", "社工机构"),
        ("资格审查通过", "已申报", "资格审查通过", "coordinator", "市民政局（统筹）"),
        ("提交专家评审", "资格审查通过", "专家评审中", "coordinator", "市民政局（统筹）"),
    ]
    assert rows[1][0] == datetime(2022, 7, 1, 9, 0)  # Asia/Shanghai wall time, as the events were stamped
    assert rows[2][7] == "测试理由"
    with pytest.raises(OutOfScope):
        export_audit_trail(session, "invoice", cast.project.id)
    with pytest.raises(OutOfScope):
        export_audit_trail(session, "project", -1)
