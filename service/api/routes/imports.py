"""Importing organisations, social workers, experts, declarations or places from an .xlsx workbook, and the
empty workbook of each to fill in."""

from fastapi import APIRouter, Response, UploadFile

from service.api.deps import ClockDep, CurrentActor, SessionDep
from service.api.params import OptionalId
from service.api.problems import problem_responses
from service.commands.imports import ImportKind, ImportResult, WorkbookImport, import_file
from service.commands.uploads import Upload
from service.files import MEDIA_TYPES, binary_responses, download
from service.queries.import_templates import import_template

router = APIRouter(prefix="/imports", tags=["imports"])


@router.post("/{kind}", responses=problem_responses(413, 415))
def import_workbook_route(
    session: SessionDep, now: ClockDep, actor: CurrentActor, kind: ImportKind, file: UploadFile
) -> ImportResult:
    """全部成功才写入；有任何错误时返回 422，errors 中逐行逐列列出问题。"""
    data = WorkbookImport(kind, Upload(file.filename or "import.xlsx", file.file))
    return import_file(session, data=data, actor=actor, now=now)


@router.get("/{kind}/template", response_class=Response, responses=binary_responses(MEDIA_TYPES[".xlsx"]))
def download_template(
    session: SessionDep, actor: CurrentActor, kind: ImportKind, programme_id: OptionalId = None
) -> Response:
    """空白导入模板（含“填写说明”工作表），与 sanshe export template 写出的相同。

    申报模板指定 programme_id 时，每个预算科目各占一列。
    """
    content, filename = import_template(session, kind=kind.value, programme_id=programme_id)
    return download(content, filename=filename)
