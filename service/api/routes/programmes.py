"""Programmes (试点批次): read by everyone signed in; loaded from a programme file by the coordinator."""

from fastapi import APIRouter, UploadFile, status

from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.params import EntityId
from service.api.problems import problem_responses
from service.commands.programmes import ProgrammeLoad, ProgrammeLoaded, load_programme
from service.commands.uploads import Upload
from service.queries.places import ProgrammeDetail, ProgrammePublic, list_programmes, programme_detail

router = APIRouter(prefix="/programmes", tags=["programmes"])


@router.get("")
def read_programmes(session: SessionDep, actor: CurrentActor) -> list[ProgrammePublic]:
    return list_programmes(session)


@router.get("/{programme_id}")
def read_programme(session: SessionDep, actor: CurrentActor, programme_id: EntityId) -> ProgrammeDetail:
    return programme_detail(session, programme_id=programme_id)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(413, 415))
def load_programme_file(session: SessionDep, now: ClockDep, actor: CurrentActor, file: UploadFile) -> ProgrammeLoaded:
    """载入或更新一个试点批次文件（YAML），如 lanzhou-2022.yaml；日期有变动时重新排定未完成节点，并返回调整情况。"""
    upload = Upload(file.filename or "programme.yaml", file.file)
    return load_programme(session, data=ProgrammeLoad(upload), actor=actor, now=now)
