"""Cell parsing: the mistakes users make in spreadsheets are refused with a Chinese reason."""

from datetime import date, datetime

import pytest

from models.social_worker import Qualification
from service.excel import cells
from service.excel.cells import CellProblem


@pytest.mark.parametrize(
    ("written", "fen"),
    [
        (160000, 16_000_000),
        ("160000.00", 16_000_000),
        (160000.0, 16_000_000),
        (0.1, 10),  # a numeric cell holding 0.1 is the decimal 0.1, not its binary neighbour
        (1234.56, 123_456),
        ("1,234.50", 123_450),
        (" 80000元 ", 8_000_000),
        (0, 0),
    ],
)
def test_money_is_read_exactly(written: object, fen: int) -> None:
    assert cells.money_fen(written) == fen


@pytest.mark.parametrize(
    ("written", "words"),
    [
        (160000.005, "两位小数"),
        ("160000.005", "两位小数"),
        (0.1 + 0.2, "两位小数"),  # 0.30000000000000004 is not an amount anyone wrote
        ("十六万", "格式不正确"),
        ("160000..0", "格式不正确"),
        ("NaN", "格式不正确"),
        (-5, "负数"),
        (True, "金额"),
        (datetime(2022, 1, 1), "金额"),
    ],
)
def test_money_that_is_not_exact_or_not_money_is_refused(written: object, words: str) -> None:
    with pytest.raises(CellProblem, match=words):
        cells.money_fen(written)


def test_credit_code_is_checked_by_its_check_character() -> None:
    assert cells.credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"
    with pytest.raises(CellProblem, match="校验位不符（第 18 位应为 3）"):
        cells.credit_code("91350100M000100Y44")
    with pytest.raises(CellProblem, match="应为 18 位，实际 17 位"):
        cells.credit_code("91350100M000100Y4")
    with pytest.raises(CellProblem, match="不允许的字符：O"):
        cells.credit_code("91350100O000100Y43")
    with pytest.raises(CellProblem, match="文本格式"):
        cells.credit_code(913501001000100143)


def test_qualification_words_dates_and_yes_no() -> None:
    assert cells.qualification(" 社会工作师 ") is Qualification.INTERMEDIATE
    assert cells.qualification("无") is Qualification.NONE
    with pytest.raises(CellProblem, match="无、助理社会工作师、社会工作师、高级社会工作师"):
        cells.qualification("中级社工")
    assert cells.calendar_date("2018年3月1日") == date(2018, 3, 1)
    assert cells.calendar_date(datetime(2018, 3, 1)) == date(2018, 3, 1)
    with pytest.raises(CellProblem, match="日期不存在"):
        cells.calendar_date("2018-02-30")
    assert cells.yes_no("是") is True and cells.yes_no(False) is False
    with pytest.raises(CellProblem, match="“是”或“否”"):
        cells.yes_no("有")
    with pytest.raises(CellProblem, match="整数"):
        cells.whole_number(420.5)
