"""Which years' deadlines are final and which still provisional, with the open deadlines of each the reader sees."""

from collections.abc import Iterable

from pydantic import BaseModel
from sqlalchemy import extract, func
from sqlmodel import Session, col, select

from models.calendar_override import OfficialCalendarYear
from models.lifecycles import NODE
from models.node import Node
from models.roles import Actor
from schedules.calendar_store import calendar_from_db
from service.queries.scope import visible_nodes

LOADED, BUILTIN, PROVISIONAL = "loaded", "builtin", "provisional"
STANDING_LABELS_ZH = {
    LOADED: "正式（已载入节假日安排）",
    BUILTIN: "正式（系统内置的国务院安排）",
    PROVISIONAL: "暂定（尚无正式安排，按周一至周五工作计算）",
}


class YearStanding(BaseModel):
    year: int
    standing: str
    standing_label: str
    provisional: bool
    provisional_deadlines: int  # open node reports the reader sees whose due date may still move


def year_standings(session: Session, *, actor: Actor, years: Iterable[int]) -> list[YearStanding]:
    """These years, every loaded one and every year with a provisional open deadline the reader sees, in order."""
    calendar = calendar_from_db(session)
    loaded = set(session.exec(select(OfficialCalendarYear.year)).all())
    year_of = extract("year", col(Node.due_date))
    counted = session.exec(
        select(year_of, func.count())
        .where(col(Node.provisional).is_(True), col(Node.state).in_(NODE.open), visible_nodes(session, actor))
        .group_by(year_of)
    ).all()
    pending = {int(year): count for year, count in counted}
    standings = []
    for year in sorted(set(years) | loaded | set(pending)):
        standing = LOADED if year in loaded else BUILTIN if calendar.is_official(year) else PROVISIONAL
        standings.append(
            YearStanding(
                year=year,
                standing=standing,
                standing_label=STANDING_LABELS_ZH[standing],
                provisional=standing == PROVISIONAL,
                provisional_deadlines=pending.get(year, 0),
            )
        )
    return standings
