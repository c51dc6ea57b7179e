"""The empty workbook of an import, as `sanshe export template` writes it, for a download."""

from sqlmodel import Session

from models.errors import OutOfScope
from models.programme import Programme
from models.programme_spec import ProgrammeSpec
from service.excel.kinds import SHEET_TITLES
from service.excel.templates import template_workbook


def import_template(session: Session, *, kind: str, programme_id: int | None) -> tuple[bytes, str]:
    """The workbook and its file name; declarations name a programme to get one column per budget line."""
    programme = None if programme_id is None else session.get(Programme, programme_id)
    if programme_id is not None and programme is None:
        raise OutOfScope("试点批次不存在")
    spec: ProgrammeSpec | None = programme.parsed_spec() if programme is not None else None
    suffix = f"（{programme.code}）" if programme is not None else ""
    return template_workbook(kind, spec), f"{SHEET_TITLES[kind]}导入模板{suffix}.xlsx"
