"""Importing organisations, social workers, experts or declarations from an .xlsx workbook."""

from fastapi import APIRouter, UploadFile

from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.problems import problem_responses
from service.commands.imports import ImportKind, ImportResult, WorkbookImport, import_file
from service.commands.uploads import Upload

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("/{kind}", responses=problem_responses(413, 415))
def import_workbook_route(
    session: SessionDep, now: ClockDep, actor: CurrentActor, kind: ImportKind, file: UploadFile
) -> ImportResult:
    """全部成功才写入；有任何错误时返回 422，errors 中逐行逐列列出问题。"""
    data = WorkbookImport(kind, Upload(file.filename or "import.xlsx", file.file))
    return import_file(session, data=data, actor=actor, now=now)
