"""Importing organisations, social workers, experts or declarations from an .xlsx workbook."""

from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile

from models.errors import RoleNotAllowed
from models.roles import ROLE_LABELS_ZH, Actor
from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.problems import problem_responses
from service.commands.imports import ImportKind, ImportResult, import_upload
from service.excel.kinds import IMPORT_ROLES, SHEET_TITLES

router = APIRouter(prefix="/imports", tags=["imports"])


def importer(kind: ImportKind, actor: CurrentActor) -> Actor:
    """Only the roles the Excel module lets import this kind get past, before the file is read."""
    if actor.role not in IMPORT_ROLES[kind.value]:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权导入{SHEET_TITLES[kind.value]}")
    return actor


@router.post("/{kind}", responses=problem_responses(413, 415))
def import_workbook_route(
    session: SessionDep, now: ClockDep, actor: Annotated[Actor, Depends(importer)], kind: ImportKind, file: UploadFile
) -> ImportResult:
    """全部成功才写入；有任何错误时返回 422，errors 中逐行逐列列出问题。"""
    return import_upload(
        session, kind=kind, filename=file.filename or "import.xlsx", stream=file.file, actor=actor, now=now
    )
