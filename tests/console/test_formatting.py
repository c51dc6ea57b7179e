"""The console's way of writing dates, deadlines and money, as Chinese official paperwork does."""

from datetime import UTC, date, datetime

from service.console.formatting import date_zh, deadline_zh, moment_zh, money_zh


def test_dates_deadlines_and_moments_read_as_on_an_official_document() -> None:
    assert date_zh(date(2023, 9, 27)) == "2023年9月27日"
    assert deadline_zh(date(2023, 9, 27)) == "2023年9月27日（星期三）"
    assert deadline_zh(date(2023, 10, 8)) == "2023年10月8日（星期日）"
    assert moment_zh(datetime(2023, 9, 27, 16, 30, tzinfo=UTC)) == "2023年9月28日 00:30"  # the Shanghai clock


def test_money_is_written_from_integer_fen_in_yuan_with_separators() -> None:
    assert money_zh(30_000_000) == "¥300,000.00"
    assert money_zh(1) == "¥0.01"
    assert money_zh(123_456_789) == "¥1,234,567.89"
    assert money_zh(-50) == "-¥0.50"
