"""Reading a sheet of new sign-in accounts: every row checked (name, role, scope) before any is created."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from models.expert import Expert
from models.in_lists import rows_where_in
from models.organisation import Organisation
from models.region import Region
from models.region_tree import PlaceFinder, split_path
from models.roles import ROLE_LABELS_ZH, Actor, Role
from models.user import User, account_in_scope, manages
from service.auth import SCOPE_FIELD
from service.excel.kinds import (
    ACCOUNT_COLUMNS,
    ACCOUNT_DISPLAY_NAME,
    ACCOUNT_EXPERT,
    ACCOUNT_ORGANISATION,
    ACCOUNT_REGION,
    ACCOUNT_ROLE,
    ACCOUNT_USERNAME,
)
from service.excel.reading import Sheet, SheetRow

# The column that names each scope field, as the role needs it (`service.auth.SCOPE_FIELD`).
_SCOPE_COLUMNS = {
    "region_id": ACCOUNT_REGION.header,
    "organisation_id": ACCOUNT_ORGANISATION.header,
    "expert_id": ACCOUNT_EXPERT.header,
}


@dataclass(frozen=True)
class AccountRow:
    """One checked row: what `create_user` needs but the password."""

    row: int
    username: str
    display_name: str
    role: Role
    region_id: int | None = None
    organisation_id: int | None = None
    expert_id: int | None = None


def _place(places: PlaceFinder, written: str) -> Region | str:
    """The region a 区/街道/社区 path names, or the Chinese reason it names none."""
    started = places.start(split_path(written))
    if isinstance(started, str):
        return started
    found, missing = places.walk(*started)
    return f"{found.name}下没有名为“{missing[0]}”的区划，请核对名称" if missing else found


def read_accounts(session: Session, sheet: Sheet, *, actor: Actor) -> list[AccountRow]:
    """Every row that names a new account the actor may create; the others are reported on their cells."""
    sheet.require_headers(ACCOUNT_COLUMNS)
    rows = [(row, sheet.read(row, ACCOUNT_COLUMNS)) for row in sheet.rows]
    names = [str(values[ACCOUNT_USERNAME.header]) for _, values in rows if values.get(ACCOUNT_USERNAME.header)]
    taken = set(rows_where_in(session, select(User.username), col(User.username), names))
    places = PlaceFinder(session, actor)
    first_row: dict[str, int] = {}
    accepted = []
    for row, values in rows:
        name = values.get(ACCOUNT_USERNAME.header)
        if isinstance(name, str):
            if name in taken:
                sheet.error(row.number, ACCOUNT_USERNAME.header, f"用户名“{name}”已存在")
            elif name in first_row:
                sheet.error(row.number, ACCOUNT_USERNAME.header, f"用户名“{name}”与第 {first_row[name]} 行重复")
            first_row.setdefault(name, row.number)
        role = values.get(ACCOUNT_ROLE.header)
        if not isinstance(role, Role):
            continue
        if not manages(actor.role, role):
            sheet.error(
                row.number, ACCOUNT_ROLE.header, f"{ROLE_LABELS_ZH[actor.role]}不能创建{ROLE_LABELS_ZH[role]}账号"
            )
            continue
        scope = _scope(session, sheet, row, values, role, places, actor)
        if scope is not None and isinstance(name, str):
            display = str(values.get(ACCOUNT_DISPLAY_NAME.header) or name)
            accepted.append(AccountRow(row.number, name, display, role, **scope))
    return accepted


def _scope(
    session: Session,
    sheet: Sheet,
    row: SheetRow,
    values: dict[str, object],
    role: Role,
    places: PlaceFinder,
    actor: Actor,
) -> dict[str, int] | None:
    """The one scope field the role needs, read from its column; a column the role must leave empty is refused."""
    needed = SCOPE_FIELD[role]
    problems = 0
    for field, header in _SCOPE_COLUMNS.items():
        if field != needed and values.get(header) is not None:
            sheet.error(row.number, header, f"{ROLE_LABELS_ZH[role]}账号不填“{header}”")
            problems += 1
    if needed is None:
        return {} if not problems else None
    header = _SCOPE_COLUMNS[needed]
    written = values.get(header)
    if written is None:
        if header in values or header not in sheet.headers:  # blank, or no such column; else already reported
            sheet.error(row.number, header, f"{ROLE_LABELS_ZH[role]}账号须填写“{header}”")
        return None
    found = _scoped_row(session, places, needed, str(written))
    if isinstance(found, str):
        sheet.error(row.number, header, found)
        return None
    region_id = found if needed == "region_id" else None
    if not account_in_scope(session, actor, role=role, region_id=region_id):
        sheet.error(row.number, header, f"“{written}”不在您的管辖范围内")
        return None
    return None if problems else {needed: found}


def _scoped_row(session: Session, places: PlaceFinder, field: str, written: str) -> int | str:
    """The id of the region, organisation or expert the cell names, or why it names none."""
    if field == "region_id":
        region = _place(places, written)
        return region if isinstance(region, str) else _id(region.id)
    if field == "organisation_id":
        organisation = session.exec(select(Organisation).where(Organisation.credit_code == written.upper())).first()
        if organisation is None:
            return f"系统中没有统一社会信用代码为 {written} 的社工机构（请先登记社工机构）"
        return _id(organisation.id)
    experts = session.exec(select(Expert).where(func.lower(Expert.email) == written.lower())).all()
    if len(experts) != 1:
        return f"系统中没有电子邮箱为 {written} 的评审专家（请先登记专家）"
    return _id(experts[0].id)


def _id(value: int | None) -> int:
    assert value is not None
    return value
