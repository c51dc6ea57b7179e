"""从 Excel 导入: one page per import (the workbook kinds of `ImportKind`, login accounts, the official holiday year):
the template to fill in, the upload, the progress as the use case reports it, then the counts or, on rejection,
the workbook's rows with each bad cell's error beside it (nothing saved).

Each kind calls the use case its API route calls (`import_file`, `import_accounts`, `load_calendar_year`), and the
page is shown only to the roles that use case lets import (`check_may_import`, or the calendar's declaration)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, UploadFile
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from models.authority import authorize
from models.dates import shanghai_date
from models.errors import DomainError, OutOfScope
from models.lifecycles import CALENDAR_REGISTER
from models.roles import Actor
from service.api.deps import ClockDep, SessionDep
from service.api.params import OptionalId
from service.commands.calendar import OfficialYearLoad, load_calendar_year
from service.commands.imports import ImportKind, WorkbookImport, import_file
from service.commands.progress import Progress
from service.commands.uploads import Upload
from service.commands.users import import_accounts
from service.console.progress_stream import MARKER, streamed_page
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser, CsrfChecked
from service.console.templating import PAGE_HEADERS, render, templates
from service.excel import kinds
from service.excel.reading import CellError, ImportRejected, open_sheet
from service.files import download
from service.queries.bulletins import programmes_in_scope
from service.queries.import_templates import import_template, official_year_example

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
IMPORTS_PATH = "/console/imports"
OFFICIAL_YEARS = "official-years"
ROWS_SHOWN = 200  # rows with errors listed at most; the count says how many more there are


@dataclass(frozen=True)
class ImportPage:
    title: str  # what is imported, as the sheet is titled
    list_path: str  # where the imported rows are listed
    list_label: str
    accept: str  # the file input's types

    @property
    def workbook(self) -> bool:
        return self.accept == ".xlsx"


PAGES: dict[str, ImportPage] = {
    kinds.ORGANISATIONS: ImportPage("社工机构", "/console/organisations", "社工机构列表", ".xlsx"),
    kinds.SOCIAL_WORKERS: ImportPage("社会工作者", "/console/social-workers", "社会工作者列表", ".xlsx"),
    kinds.EXPERTS: ImportPage("评审专家", "/console/experts", "评审专家列表", ".xlsx"),
    kinds.DECLARATIONS: ImportPage("项目申报", "/console/projects", "项目列表", ".xlsx"),
    kinds.PLACES: ImportPage("区划与联系方式", "/console/places", "区划列表", ".xlsx"),
    kinds.CREDIT_RECORDS: ImportPage("信用记录", "/console/credit", "信用记录列表", ".xlsx"),
    kinds.ACCOUNTS: ImportPage("登录账号", "/console/accounts", "登录账号列表", ".xlsx"),
    OFFICIAL_YEARS: ImportPage("正式节假日安排", "/console/calendar", "工作日历", ".yaml,.yml,.json"),
}


def _page_of(kind: str) -> ImportPage:
    page = PAGES.get(kind)
    if page is None:
        raise OutOfScope("没有这种导入，请从基础数据页面进入")
    return page


def _check_may(session: Session, actor: Actor, kind: str) -> None:
    """The use case's own permission check, asked before the page or the template is shown."""
    if kind == OFFICIAL_YEARS:
        authorize(session, actor=actor, subject=CALENDAR_REGISTER, action="load")
    else:
        kinds.check_may_import(session, actor, kind)


def _show(
    request: Request,
    session: Session,
    user: ConsoleUser,
    actor: Actor,
    kind: str,
    *,
    status: int = 200,
    file_error: str | None = None,
    live: str | None = None,
) -> HTMLResponse:
    page = _page_of(kind)
    programmes = programmes_in_scope(session, actor=actor) if kind == kinds.DECLARATIONS else []
    return render(
        request,
        "console/import.html",
        user=user,
        status=status,
        kind=kind,
        page=page,
        columns=kinds.COLUMNS.get(kind, []),
        programmes=programmes,
        file_error=file_error,
        live=live,
    )


@router.get(IMPORTS_PATH + "/{kind}")
def import_form(request: Request, session: SessionDep, user: ConsoleUser, actor: ConsoleActor, kind: str) -> Response:
    _page_of(kind)
    _check_may(session, actor, kind)
    return _show(request, session, user, actor, kind)


@router.get(IMPORTS_PATH + "/{kind}/template")
def import_template_file(
    session: SessionDep,
    now: ClockDep,
    actor: ConsoleActor,
    kind: str,
    programme_id: Annotated[OptionalId, Query()] = None,
) -> Response:
    """The API's template (GET /imports/{kind}/template); the calendar's is an example year to fill in."""
    _page_of(kind)
    _check_may(session, actor, kind)
    if kind == OFFICIAL_YEARS:
        content, filename = official_year_example(year=shanghai_date(now).year + 1)
    else:
        content, filename = import_template(session, kind=kind, programme_id=programme_id)
    response = download(content, filename=filename)
    response.headers.update(PAGE_HEADERS)
    return response


@router.post(IMPORTS_PATH + "/{kind}", dependencies=[CsrfChecked])
def import_upload(
    request: Request,
    session: SessionDep,
    now: ClockDep,
    user: ConsoleUser,
    actor: ConsoleActor,
    kind: str,
    file: UploadFile | None = None,
) -> Response:
    """Refusals of the role come as a page; the import itself is streamed: its progress lines, then its outcome."""
    page = _page_of(kind)
    _check_may(session, actor, kind)
    if file is None or not file.filename:
        return _show(request, session, user, actor, kind, status=422, file_error="请选择要导入的文件")
    content = file.file.read()
    filename = file.filename
    run = _runner(kind, session, content=content, filename=filename, actor=actor, now=now)

    def work(progress: Progress) -> str:
        progress(f"已收到文件“{filename}”，正在检查…")
        try:
            outcome = run(progress)
        except ImportRejected as exc:
            session.rollback()
            return _result(page=page, kind=kind, rejected=_rejection(kind, content, exc), message=exc.message)
        except DomainError as exc:
            session.rollback()
            return _result(page=page, kind=kind, error=exc.message)
        return _result(page=page, kind=kind, **outcome)

    return streamed_page(_show(request, session, user, actor, kind, live=MARKER), work)


def _runner(
    kind: str, session: Session, *, content: bytes, filename: str, actor: Actor, now: datetime
) -> Callable[[Progress], dict[str, Any]]:
    """The kind's use case on the uploaded bytes, giving what the result shows."""
    upload = Upload(filename, BytesIO(content))

    def workbook(progress: Progress) -> dict[str, Any]:
        data = WorkbookImport(ImportKind(kind), upload)
        result = import_file(session, data=data, actor=actor, now=now, progress=progress)
        return {"created": result.created, "updated": result.updated}

    def accounts(progress: Progress) -> dict[str, Any]:
        result = import_accounts(session, file=upload, actor=actor, now=now, progress=progress)
        return {"created": result.created, "updated": 0, "accounts": result.accounts}

    def official_year(progress: Progress) -> dict[str, Any]:
        result = load_calendar_year(session, data=OfficialYearLoad(upload), actor=actor, now=now, progress=progress)
        return {"year": result.year, "source": result.source, "moves": result.moves}

    if kind == kinds.ACCOUNTS:
        return accounts
    return official_year if kind == OFFICIAL_YEARS else workbook


@dataclass(frozen=True)
class RejectedRow:
    number: int  # the Excel row number
    cells: dict[str, str]  # what the row holds, by header
    errors: list[CellError]

    @property
    def bad_columns(self) -> set[str]:
        return {error.column for error in self.errors}


@dataclass(frozen=True)
class Rejection:
    file_errors: list[CellError]  # of the whole file or of its header row
    headers: list[str]
    rows: list[RejectedRow]
    more_rows: int  # rows with errors past ROWS_SHOWN


def _rejection(kind: str, content: bytes, exc: ImportRejected) -> Rejection:
    """The rows at fault as the workbook holds them, each with its errors, for the table beside the message."""
    by_row: dict[int, list[CellError]] = defaultdict(list)
    for error in exc.errors:
        by_row[error.row].append(error)
    file_errors = by_row.pop(0, []) + by_row.pop(1, [])
    try:
        sheet = open_sheet(content, kinds.SHEET_TITLES[kind])
        headers, held = sheet.headers, {row.number: row.cells for row in sheet.rows}
    except DomainError:  # unreadable: only the file's own error is there to show
        headers, held = [], {}
    numbers = sorted(by_row)
    rows = [
        RejectedRow(n, {h: _shown(held.get(n, {}).get(h)) for h in headers}, by_row[n]) for n in numbers[:ROWS_SHOWN]
    ]
    return Rejection(file_errors, headers, rows, max(0, len(numbers) - ROWS_SHOWN))


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    return str(value)


def _result(**context: Any) -> str:
    return templates.get_template("console/_import_result.html").render(**context)
