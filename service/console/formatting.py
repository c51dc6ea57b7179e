"""How the console writes dates, deadlines, moments and money (dates as models/dates_zh.py writes them everywhere)."""

from models.dates_zh import date_zh, deadline_zh, moment_zh
from models.money import FEN_PER_YUAN
from models.social_worker import Qualification
from service.console.select_options import options_html
from service.excel.cells import QUALIFICATION_LABELS_ZH


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
    "options_html": options_html,
    "qualification_zh": qualification_zh,
}
