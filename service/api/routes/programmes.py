"""Programmes (试点批次): read by everyone signed in; loaded from a programme file by the coordinator."""

from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile, status

from models.roles import Actor, Role
from service.api.deps import ClockDep, CurrentActor, SessionDep, require_roles
from service.api.params import EntityId
from service.api.problems import problem_responses
from service.commands.uploads import load_programme_upload
from service.files import PROGRAMME_FILE, read_upload
from service.queries.places import ProgrammeDetail, ProgrammePublic, list_programmes, programme_detail

router = APIRouter(prefix="/programmes", tags=["programmes"])


@router.get("")
def read_programmes(session: SessionDep, actor: CurrentActor) -> list[ProgrammePublic]:
    return list_programmes(session)


@router.get("/{programme_id}")
def read_programme(session: SessionDep, actor: CurrentActor, programme_id: EntityId) -> ProgrammeDetail:
    return programme_detail(session, programme_id=programme_id)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(413, 415))
def load_programme_file(
    session: SessionDep,
    now: ClockDep,
    actor: Annotated[Actor, Depends(require_roles(Role.CITY_COORDINATOR))],
    file: UploadFile,
) -> ProgrammeDetail:
    """载入或更新一个试点批次文件（YAML），如 lanzhou-2022.yaml。"""
    filename = file.filename or "programme.yaml"
    data = read_upload(file.file, filename=filename, rule=PROGRAMME_FILE)
    return load_programme_upload(session, filename=filename, data=data, now=now)
