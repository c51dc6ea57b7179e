"""How dates, deadlines and moments are written for Chinese readers: the habits of government paperwork."""

from datetime import date, datetime

from models.dates import SHANGHAI

WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def date_zh(day: date) -> str:
    """2023年9月27日: no leading zeros, as on an official document."""
    return f"{day.year}年{day.month}月{day.day}日"


def deadline_zh(day: date) -> str:
    """2023年9月27日（星期三）: a deadline names its weekday, so that nobody misreads a weekend."""
    return f"{date_zh(day)}（{WEEKDAYS_ZH[day.weekday()]}）"


def moment_zh(moment: datetime) -> str:
    """2023年9月27日 14:05, on the Shanghai clock whatever zone the moment was stored in."""
    local = moment.astimezone(SHANGHAI)
    return f"{date_zh(local.date())} {local:%H:%M}"
