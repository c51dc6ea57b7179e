"""The official working-day calendar: read by everyone signed in; a year's schedule loaded by the coordinator."""

from fastapi import APIRouter, UploadFile

from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.problems import problem_responses
from service.commands.calendar import OfficialYearLoad, OfficialYearLoaded, load_calendar_year
from service.commands.uploads import Upload
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
    """载入某年国务院公布的节假日安排（YAML）；暂定的截止日期随之重新计算，返回每个节点的调整。"""
    upload = Upload(file.filename or "calendar.yaml", file.file)
    return load_calendar_year(session, data=OfficialYearLoad(upload), actor=actor, now=now)
