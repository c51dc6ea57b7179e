"""Importing a workbook, from the API or the CLI, through the Excel module: all or nothing, committed on success."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor
from service.commands.progress import Progress, quiet
from service.commands.uploads import Upload
from service.excel import kinds
from service.excel.importing import import_workbook
from service.excel.kinds import check_may_import
from service.files import SPREADSHEET, read_upload


class ImportKind(StrEnum):
    ORGANISATIONS = kinds.ORGANISATIONS
    SOCIAL_WORKERS = kinds.SOCIAL_WORKERS
    EXPERTS = kinds.EXPERTS
    DECLARATIONS = kinds.DECLARATIONS
    PLACES = kinds.PLACES
    CREDIT_RECORDS = kinds.CREDIT_RECORDS


@dataclass(frozen=True)
class WorkbookImport:
    """What to import and the .xlsx that holds it (Chinese headers, as `sanshe export template` writes)."""

    kind: ImportKind
    file: Upload


class ImportResult(BaseModel):
    kind: ImportKind
    created: int
    updated: int


def import_file(
    session: Session, *, data: WorkbookImport, actor: Actor, now: datetime, progress: Progress = quiet
) -> ImportResult:
    """Role first (403), then size and type (413/415), then every row; ImportRejected lists each bad cell."""
    check_may_import(session, actor, data.kind.value)
    content = read_upload(data.file.stream, filename=data.file.filename, rule=SPREADSHEET)
    report = import_workbook(session, data.kind.value, content, actor=actor, now=now, progress=progress)
    session.commit()
    return ImportResult(kind=data.kind, created=report.created, updated=report.updated)
