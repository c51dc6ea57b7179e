"""Importing an .xlsx upload: all or nothing, with every error reported per row and per column (zh-CN).

Who may import what is `kinds.check_may_import`; the caller commits on success. Rows are read from the
sheet named like the template (社工机构, 社会工作者, 评审专家, 项目申报) or else from the first sheet.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.errors import OutOfScope
from models.roles import Actor
from service.excel.credit_import import import_credit_records
from service.excel.declarations_import import import_declarations
from service.excel.kinds import (
    CREDIT_RECORDS,
    DECLARATIONS,
    EXPERTS,
    KINDS,
    ORGANISATIONS,
    PLACES,
    SHEET_TITLES,
    SOCIAL_WORKERS,
    check_may_import,
)
from service.excel.parties_import import import_experts, import_organisations, import_social_workers
from service.excel.places_import import import_places
from service.excel.reading import CellError, ImportRejected, open_sheet

__all__ = ["CellError", "ImportRejected", "ImportReport", "import_workbook"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    kind: str
    created: int
    updated: int


def _no_progress(line: str) -> None:
    """For callers that only want the result."""


def import_workbook(
    session: Session,
    kind: str,
    data: bytes,
    *,
    actor: Actor,
    now: datetime,
    progress: Callable[[str], None] = _no_progress,
) -> ImportReport:
    """Read, check every row, write in one savepoint; raises ImportRejected (nothing written) on any error."""
    if kind not in KINDS:
        raise OutOfScope(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    check_may_import(session, actor, kind)
    sheet = open_sheet(data, SHEET_TITLES[kind])
    if sheet.errors:
        raise ImportRejected(sheet.errors)
    progress(f"已读取工作表「{sheet.title}」：{len(sheet.rows)} 行")
    with session.begin_nested():
        if kind == ORGANISATIONS:
            counts = import_organisations(session, sheet)
        elif kind == SOCIAL_WORKERS:
            counts = import_social_workers(session, sheet, actor=actor)
        elif kind == EXPERTS:
            counts = import_experts(session, sheet)
        elif kind == PLACES:
            counts = import_places(session, sheet, actor=actor, now=now)
        elif kind == CREDIT_RECORDS:
            counts = import_credit_records(session, sheet, actor=actor, now=now)
        else:
            assert kind == DECLARATIONS
            counts = import_declarations(session, sheet, actor=actor, now=now, progress=progress)
        if kind != DECLARATIONS:  # declarations say how far they have got themselves
            progress(f"已检查 {len(sheet.rows)} 行")
        if sheet.errors:
            raise ImportRejected(sorted(sheet.errors, key=lambda e: e.row))
    progress(f"{len(sheet.rows)} 行全部无误，正在提交")
    log.info("imported %s: %d created, %d updated by %s", kind, counts.created, counts.updated, actor.user_id)
    return ImportReport(kind, counts.created, counts.updated)
