"""Writing lists and audit trails as styled .xlsx files.

Conventions of `export_rows`: a column whose key ends in `_fen` holds integer fen and is written as a
yuan number (the cell's stored text is the exact decimal, e.g. 160000.05, formatted `#,##0.00`, so
summing in Excel works and a re-import through `cells.money_fen` gives back the same fen for any
amount below 10^13 yuan); dates and datetimes become real Excel dates (aware datetimes shown in
Asia/Shanghai time); booleans become 是/否; lists are joined with “、”; text starting with “=” stays text.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.errors import OutOfScope
from models.lifecycles import BY_NAME
from models.money import FEN_PER_YUAN
from models.roles import ROLE_LABELS_ZH, Role
from service.excel.cells import NO, YES

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_HEADER_BORDER = Border(bottom=Side(style="thin", color="1F3864"))
_HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
_MIN_WIDTH, _MAX_WIDTH, _WIDTH_SAMPLE = 8, 60, 500
_SHEET_TITLE_FORBIDDEN = str.maketrans({ch: "_" for ch in "[]:*?/\\"})
_CREATION_LABEL = "创建"

AUDIT_COLUMNS: list[tuple[str, str]] = [
    ("at", "时间"),
    ("event", "操作"),
    ("from_state", "原状态"),
    ("to_state", "新状态"),
    ("actor", "操作人"),
    ("role", "角色"),
    ("on_behalf_of", "代表"),
    ("reason", "理由"),
]


def export_rows(title: str, columns: list[tuple[str, str]], rows: Iterable[dict[str, Any]]) -> bytes:
    """One sheet: styled, frozen header row, then one line per row; see the module docstring for types."""
    workbook = Workbook(write_only=True)
    write_sheet(workbook, title, columns, rows)
    return save(workbook)


def write_sheet(
    workbook: Workbook, title: str, columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]]
) -> WriteOnlyWorksheet:
    """Add one styled sheet to a write-only workbook (the import templates add a second, explanatory one)."""
    sheet = workbook.create_sheet(title=sheet_title(title))
    materialised = list(rows)
    for index, (key, header) in enumerate(columns, start=1):
        sample = [_display_width(_width_text(key, row.get(key))) for row in materialised[:_WIDTH_SAMPLE]]
        width = max([_display_width(header), *sample])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, header) for _, header in columns])
    for row in materialised:
        sheet.append([_cell(sheet, key, row.get(key)) for key, _ in columns])
    return sheet


def save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_title(title: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet name."""
    return (title.translate(_SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:31]


def export_audit_trail(session: Session, entity_type: str, entity_id: int) -> bytes:
    """The entity's audit events in order, with the lifecycle's Chinese labels; scope is the caller's check."""
    lifecycle = BY_NAME.get(entity_type)
    if lifecycle is None:
        raise OutOfScope(f"没有名为“{entity_type}”的业务对象类型")
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.at, AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    if not events:
        raise OutOfScope(f"{lifecycle.label} {entity_id} 不存在或没有审计记录")

    def label(event: AuditEvent) -> str:
        found = lifecycle.event(event.event)
        return found.label if found is not None else (_CREATION_LABEL if event.event == "create" else event.event)

    rows = (
        {
            "at": event.at,
            "event": label(event),
            "from_state": lifecycle.states.get(event.from_state, event.from_state) if event.from_state else None,
            "to_state": lifecycle.states.get(event.to_state, event.to_state),
            "actor": event.actor_id,
            "role": _role_label(event.actor_role),
            "on_behalf_of": event.on_behalf_of,
            "reason": event.reason,
        }
        for event in events
    )
    return export_rows(f"{lifecycle.label}{entity_id}审计记录", AUDIT_COLUMNS, rows)


def _role_label(value: str) -> str:
    try:
        return ROLE_LABELS_ZH[Role(value)]
    except ValueError:
        return value


def _header_cell(sheet: WriteOnlyWorksheet, header: str) -> Cell:
    cell = WriteOnlyCell(sheet, value=header)
    cell.data_type = "s"
    cell.font, cell.fill, cell.border, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER, _HEADER_ALIGNMENT
    return cell


def _cell(sheet: WriteOnlyWorksheet, key: str, value: Any) -> Cell | None:
    if value is None:
        return None
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        cell = WriteOnlyCell(sheet, value=Decimal(value) / FEN_PER_YUAN)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, datetime):
        shown = value.astimezone(SHANGHAI).replace(tzinfo=None) if value.tzinfo is not None else value
        cell = WriteOnlyCell(sheet, value=shown)
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, bool | int | float | Decimal):
        return WriteOnlyCell(sheet, value=_plain(value))
    cell = WriteOnlyCell(sheet, value=_shown(value))
    cell.data_type = "s"  # never a formula, whatever the user typed
    return cell


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return YES if value else NO
    return value


def _shown(value: Any) -> str:
    """The text a reader sees, used for widths and for values that are not numbers or dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return "0000-00-00 00:00:00"
    if isinstance(value, date):
        return "0000-00-00"
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(str(item) for item in value)
    return str(value)


def _width_text(key: str, value: Any) -> str:
    if key.endswith("_fen") and isinstance(value, int) and not isinstance(value, bool):
        yuan, cents = divmod(value, FEN_PER_YUAN)
        return f"{yuan:,}.{cents:02d}"
    return _shown(value)


def _display_width(value: str) -> int:
    """CJK characters take two columns of width."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in value)
