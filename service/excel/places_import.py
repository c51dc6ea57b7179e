"""Importing places and their notice addresses: every row checked (path, level, scope) before any is written.

A row names a place by its 区/街道/社区 path from the importer's city (or province): a place already in the tree
is updated, a new one is added under its parent, which must exist or be listed in the same sheet.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from models.region import CHILD_LEVEL, LEVEL_LABELS_ZH, Region
from models.region_tree import PlaceFacts, PlaceFinder, add_place, change_place, place_in_scope, split_path
from models.roles import Actor
from service.excel.kinds import PLACE_AREA, PLACE_COLUMNS, PLACE_EMAIL, PLACE_PATH, PLACE_SETTLEMENT
from service.excel.parties_import import Counts
from service.excel.reading import Sheet

Path = tuple[str, ...]
_NAME_LENGTH = 100  # `Region.name`


@dataclass(frozen=True)
class _PlaceRow:
    """One checked row: the place it names (`existing`), or the names to add below `deepest`."""

    number: int
    key: Path
    deepest: Region
    missing: Path
    facts: PlaceFacts

    @property
    def existing(self) -> Region | None:
        return None if self.missing else self.deepest


def import_places(session: Session, sheet: Sheet, *, actor: Actor, now: datetime) -> Counts:
    """Create or update by path; any error leaves the tree as it was (the caller's savepoint)."""
    rows = _checked_rows(session, sheet, actor=actor)
    if sheet.errors:
        return Counts()
    created: dict[Path, Region] = {}
    updated = 0
    for row in sorted(rows, key=lambda r: len(r.key)):  # parents first
        if row.existing is not None:
            updated += change_place(session, region=row.existing, facts=row.facts, actor=actor, now=now)
            continue
        parent = created[row.key[:-1]] if len(row.missing) > 1 else row.deepest
        created[row.key] = add_place(session, parent=parent, name=row.key[-1], facts=row.facts, actor=actor, now=now)
    return Counts(len(created), updated)


def _checked_rows(session: Session, sheet: Sheet, *, actor: Actor) -> list[_PlaceRow]:
    """Every readable row whose path starts in the actor's tree; problems reported on their cells."""
    sheet.require_headers(PLACE_COLUMNS)
    finder = PlaceFinder(session, actor)
    rows: list[_PlaceRow] = []
    first_row: dict[Path, int] = {}
    for sheet_row in sheet.rows:
        values = sheet.read(sheet_row, PLACE_COLUMNS)
        written = values.get(PLACE_PATH.header)
        if not isinstance(written, str):
            continue
        start = finder.start(split_path(written))
        if isinstance(start, str):
            sheet.error(sheet_row.number, PLACE_PATH.header, start)
            continue
        home, names = start
        key = (home.name, *names)
        if key in first_row:
            sheet.error(sheet_row.number, PLACE_PATH.header, f"“{written}”与第 {first_row[key]} 行重复")
            continue
        first_row[key] = sheet_row.number
        deepest, missing = finder.walk(home, names)
        facts = PlaceFacts(
            contact_email=values.get(PLACE_EMAIL.header),
            settlement=values.get(PLACE_SETTLEMENT.header),
            service_area_m2=values.get(PLACE_AREA.header),
        )
        problem = _problem(session, actor, deepest, missing)
        if problem is not None:
            sheet.error(sheet_row.number, PLACE_PATH.header, problem)
            continue
        rows.append(_PlaceRow(sheet_row.number, key, deepest, tuple(missing), facts))
    keys = {row.key for row in rows}
    for row in rows:
        for depth in range(len(row.key) - len(row.missing) + 1, len(row.key)):
            if row.key[:depth] not in keys:
                above = "/".join(row.key[1:depth])
                sheet.error(row.number, PLACE_PATH.header, f"上一级“{above}”尚不存在：请在本表中另起一行添加它")
                break
    return rows


def _problem(session: Session, actor: Actor, deepest: Region, missing: list[str]) -> str | None:
    """Why the row's place cannot be written by this actor, if it cannot."""
    if not place_in_scope(session, actor, deepest):
        return f"“{deepest.name}”不在您的管辖范围内"
    level = deepest.level
    for name in missing:
        if len(name) > _NAME_LENGTH:
            return f"区划名称“{name[:20]}…”超过 {_NAME_LENGTH} 字"
        if level not in CHILD_LEVEL:
            return f"{LEVEL_LABELS_ZH[level]}之下不能再设下级区划"
        level = CHILD_LEVEL[level]
    return None
