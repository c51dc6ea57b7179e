"""The official working-day calendar: read by everyone signed in; a year's schedule loaded by the coordinator."""

from typing import Annotated

from fastapi import APIRouter, Query, UploadFile

from schedules.calendar_store import CalendarDay, calendar_days
from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.problems import problem_responses
from service.commands.calendar import OfficialYearLoad, OfficialYearLoaded, load_calendar_year
from service.commands.uploads import Upload
from service.fields import Day
from service.queries.calendar import OfficialYearPublic, official_years

router = APIRouter(prefix="/calendar", tags=["calendar"])


@router.get("/official-years")
def read_official_years(session: SessionDep, actor: CurrentActor) -> list[OfficialYearPublic]:
    """已载入的正式节假日安排；未载入的年份按周末计算，截止日期标为暂定。"""
    return official_years(session)


@router.post("/official-years", responses=problem_responses(413, 415))
def load_official_year_file(
    session: SessionDep, now: ClockDep, actor: CurrentActor, file: UploadFile
) -> OfficialYearLoaded:
    """载入某年国务院公布的节假日安排（YAML 或 holiday-cn 每年的 JSON）；暂定的截止日期随之重算，返回每个节点的调整。"""
    upload = Upload(file.filename or "calendar.yaml", file.file)
    return load_calendar_year(session, data=OfficialYearLoad(upload), actor=actor, now=now)


@router.get("/days")
def read_calendar_days(
    session: SessionDep,
    actor: CurrentActor,
    first: Annotated[Day, Query(alias="from", description="开始日期（含）")],
    last: Annotated[Day, Query(alias="to", description="结束日期（含）")],
) -> list[CalendarDay]:
    """逐日列出工作日、休息日、法定节假日与调休上班，以及所依据的节假日安排；一次最多 400 天。"""
    return calendar_days(session, first=first, last=last)
