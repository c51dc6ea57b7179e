"""The day a moment falls on in Asia/Shanghai: deadlines are local dates, whatever layer computes them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai_date(moment: datetime) -> date:
    """Map an aware instant to the Shanghai calendar day, because deadlines are local dates."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("shanghai_date needs a timezone-aware datetime")
    return moment.astimezone(SHANGHAI).date()
