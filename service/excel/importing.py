"""Importing an .xlsx upload: all or nothing, with every error reported per row and per column (zh-CN).

Who may import what is `kinds.IMPORT_ROLES`; the caller commits on success. Rows are read from the
sheet named like the template (社工机构, 社会工作者, 评审专家, 项目申报) or else from the first sheet.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.errors import OutOfScope, RoleNotAllowed
from models.roles import ROLE_LABELS_ZH, Actor
from service.excel.declarations_import import import_declarations
from service.excel.kinds import (
    DECLARATIONS,
    EXPERTS,
    IMPORT_ROLES,
    KINDS,
    ORGANISATIONS,
    SHEET_TITLES,
    SOCIAL_WORKERS,
)
from service.excel.parties_import import import_experts, import_organisations, import_social_workers
from service.excel.reading import CellError, ImportRejected, open_sheet

__all__ = ["CellError", "ImportRejected", "ImportReport", "import_workbook"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportReport:
    kind: str
    created: int
    updated: int


def import_workbook(session: Session, kind: str, data: bytes, *, actor: Actor, now: datetime) -> ImportReport:
    """Read, check every row, write in one savepoint; raises ImportRejected (nothing written) on any error."""
    if kind not in KINDS:
        raise OutOfScope(f"没有名为“{kind}”的导入类型，可选：{'、'.join(KINDS)}")
    if actor.role not in IMPORT_ROLES[kind]:
        raise RoleNotAllowed(f"{ROLE_LABELS_ZH[actor.role]}无权导入{SHEET_TITLES[kind]}")
    sheet = open_sheet(data, SHEET_TITLES[kind])
    if sheet.errors:
        raise ImportRejected(sheet.errors)
    with session.begin_nested():
        if kind == ORGANISATIONS:
            counts = import_organisations(session, sheet)
        elif kind == SOCIAL_WORKERS:
            counts = import_social_workers(session, sheet, actor=actor)
        elif kind == EXPERTS:
            counts = import_experts(session, sheet)
        else:
            assert kind == DECLARATIONS
            counts = import_declarations(session, sheet, actor=actor, now=now)
        if sheet.errors:
            raise ImportRejected(sorted(sheet.errors, key=lambda e: e.row))
    log.info("imported %s: %d created, %d updated by %s", kind, counts.created, counts.updated, actor.user_id)
    return ImportReport(kind, counts.created, counts.updated)
