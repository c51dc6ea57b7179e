"""Importing an uploaded workbook through the Excel module: all or nothing, committed on success."""

from datetime import datetime
from enum import StrEnum
from typing import BinaryIO

from pydantic import BaseModel
from sqlmodel import Session

from models.roles import Actor
from service.excel import kinds
from service.excel.importing import import_workbook
from service.files import SPREADSHEET, read_upload


class ImportKind(StrEnum):
    ORGANISATIONS = kinds.ORGANISATIONS
    SOCIAL_WORKERS = kinds.SOCIAL_WORKERS
    EXPERTS = kinds.EXPERTS
    DECLARATIONS = kinds.DECLARATIONS


class ImportResult(BaseModel):
    kind: ImportKind
    created: int
    updated: int


def import_upload(
    session: Session, *, kind: ImportKind, filename: str, stream: BinaryIO, actor: Actor, now: datetime
) -> ImportResult:
    """Size and type first (413/415), then every row checked; ImportRejected lists each bad cell."""
    data = read_upload(stream, filename=filename, rule=SPREADSHEET)
    report = import_workbook(session, kind.value, data, actor=actor, now=now)
    session.commit()
    return ImportResult(kind=kind, created=report.created, updated=report.updated)
