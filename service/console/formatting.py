"""How the console writes dates, deadlines, moments and money: the habits of Chinese government paperwork."""

from datetime import date, datetime

from models.dates import SHANGHAI
from models.money import FEN_PER_YUAN
from models.social_worker import Qualification
from service.excel.cells import QUALIFICATION_LABELS_ZH

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


def money_zh(fen: int) -> str:
    """¥300,000.00 from integer fen; no float on the way."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{yuan:,}.{cents:02d}"


def qualification_zh(value: str) -> str:
    """社会工作师 and its kin, the words the spreadsheets use, for the value the API answers."""
    return QUALIFICATION_LABELS_ZH.get(Qualification(value), value)


FILTERS = {
    "date_zh": date_zh,
    "deadline_zh": deadline_zh,
    "moment_zh": moment_zh,
    "money_zh": money_zh,
    "qualification_zh": qualification_zh,
}
