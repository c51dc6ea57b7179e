"""Imported cells follow the character policy and the date range of every input, cell by cell."""

from datetime import date, datetime

import pytest
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from service.excel import cells
from service.excel.cells import CellProblem
from service.excel.exporting import export_rows

REFUSED_EVERYWHERE = ["\x00", "\x07", "\x0b", "\x1b", "\x7f"]


@pytest.mark.parametrize("character", REFUSED_EVERYWHERE)
@pytest.mark.parametrize(
    "parse",
    [cells.text(200), cells.text(1000, multiline=True), cells.key_text(40), cells.email],
    ids=["name", "reason", "code", "email"],
)
def test_a_cell_with_a_control_character_is_refused(parse: cells.Parser, character: str) -> None:
    """Guards the check in `cells.text` (service/excel/cells.py): such a cell used to be stored as read."""
    with pytest.raises(CellProblem, match="不能包含控制字符"):
        parse(f"a{character}b@example.cn")


def test_every_character_openpyxl_refuses_is_refused() -> None:
    """What the exports cannot write, the imports do not take: the policy covers `ILLEGAL_CHARACTERS_RE`."""
    illegal = [chr(code) for code in range(0x20) if ILLEGAL_CHARACTERS_RE.match(chr(code))]
    for character in illegal:
        with pytest.raises(CellProblem):
            cells.text(1000, multiline=True)(f"x{character}y")


def test_line_breaks_stay_in_multi_line_cells_only() -> None:
    reason = cells.text(1000, multiline=True)("第一条\r\n第二条\t附注")
    assert reason == "第一条\r\n第二条\t附注"
    assert export_rows("信用记录", [("reason", "理由")], [{"reason": reason}]).startswith(b"PK")
    with pytest.raises(CellProblem, match="控制字符（U\\+000A）"):
        cells.text(200)("兰州市\n社工机构")


@pytest.mark.parametrize("written", [date(9999, 12, 31), datetime(1999, 12, 31), "2101-01-01", "1900年1月1日"], ids=str)
def test_a_date_outside_2000_to_2100_is_refused(written: object) -> None:
    """Guards the range check in `cells.calendar_date`: an Excel date is an input date like any other."""
    with pytest.raises(CellProblem, match="2000-01-01 至 2100-12-31"):
        cells.calendar_date(written)
    assert cells.calendar_date("2100-12-31") == date(2100, 12, 31)
