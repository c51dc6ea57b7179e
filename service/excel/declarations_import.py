"""Importing declarations: each row names its programme, community, organisation, team and budget.

Team members are written by name (the organisation's own social workers only, names separated by
“、” or commas); where the organisation has two workers of one name the row writes “#编号” instead.
Every row becomes a draft through `models.declarations.declare`, the one way a declaration is created.
"""

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from models.declarations import BudgetLineInput, DeclarationInput, declare
from models.errors import DomainError, RulesFailed
from models.in_lists import rows_where_in
from models.money import format_fen
from models.organisation import Organisation
from models.programme import Programme
from models.programme_spec import ProgrammeSpec
from models.region import Region, RegionLevel
from models.roles import Actor, Role
from models.social_worker import SocialWorker
from service.excel.kinds import (
    DECL_AREA,
    DECL_COMMUNITY,
    DECL_CONSENT,
    DECL_ORGANISATION,
    DECL_PROGRAMME,
    DECL_TEAM,
    DECL_TITLE,
    DECL_TOTAL,
    DECLARATION_COLUMNS,
    budget_column,
)
from service.excel.parties_import import Counts
from service.excel.reading import HEADER_ROW, Sheet, SheetRow

_PATH_SEPARATORS = re.compile(r"\s*[/／]\s*")
_TEAM_SEPARATORS = re.compile(r"[、,，;；\s]+")
_WORKER_ID = re.compile(r"^[#＃](\d+)$")
PROGRESS_EVERY = 100  # rows declared between two progress lines
# Which column a rule of `declare` is about, so that its refusal lands on the right cell.
_RULE_COLUMNS = {
    "declaration.title": DECL_TITLE.header,
    "declaration.community": DECL_COMMUNITY.header,
    "declaration.community_region": DECL_COMMUNITY.header,
    "declaration.one_per_community": DECL_COMMUNITY.header,
    "declaration.team_duplicate": DECL_TEAM.header,
}


class _Regions:
    """Walks community paths from the programme's top region, loading each level's children once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.children: dict[int, dict[str, Region]] = {}

    def child(self, parent: Region, name: str) -> Region | None:
        assert parent.id is not None
        if parent.id not in self.children:
            rows = self.session.exec(select(Region).where(Region.parent_id == parent.id))
            self.children[parent.id] = {region.name: region for region in rows}
        return self.children[parent.id].get(name)

    def community(self, top: Region, path: str) -> Region | str:
        """The community the path names, or the Chinese reason it names none."""
        names = [part for part in _PATH_SEPARATORS.split(path.strip()) if part]
        if names and names[0] == top.name:
            names = names[1:]
        if not names:
            return f"请写出社区所在的区划路径，如 区/街道/社区（{top.name} 下）"
        current = top
        for name in names:
            found = self.child(current, name)
            if found is None:
                return f"{current.name}下没有名为“{name}”的区划，请核对名称"
            current = found
        if current.level != RegionLevel.COMMUNITY:
            return f"“{current.name}”不是社区，请写到社区一级（区/街道/社区）"
        return current


@dataclass(frozen=True)
class _Read:
    row: SheetRow
    values: dict[str, Any]
    unreadable: bool  # some cell of the row could not be read (already reported)


@dataclass
class _Lookups:
    """What the rows refer to, each loaded once for the whole sheet, and what earlier rows already claimed."""

    programmes: dict[str, tuple[Programme, ProgrammeSpec, Region]]
    organisations: dict[str, Organisation]
    staff: dict[int, list[SocialWorker]]
    regions: _Regions
    missing_reported: set[str] = field(default_factory=set)
    first_row: dict[tuple[int, int], int] = field(default_factory=dict)


def import_declarations(
    session: Session, sheet: Sheet, *, actor: Actor, now: datetime, progress: Callable[[str], None]
) -> Counts:
    """Validate every row, then declare each one; a refusal of `declare` is reported on its row too."""
    sheet.require_headers(DECLARATION_COLUMNS)
    reads = _read_rows(sheet)
    lookups = _lookups(session, reads)
    ready = [(read.row, data) for read in reads if (data := _checked(sheet, read, lookups, actor)) is not None]
    progress(f"已检查 {len(reads)} 行，{len(ready)} 行可以申报")
    return _declare_all(session, sheet, ready, actor=actor, now=now, progress=progress)


def _read_rows(sheet: Sheet) -> list[_Read]:
    reads = []
    for row in sheet.rows:
        errors_before = len(sheet.errors)
        values = sheet.read(row, DECLARATION_COLUMNS)
        reads.append(_Read(row, values, len(sheet.errors) > errors_before))
    return reads


def _lookups(session: Session, reads: list[_Read]) -> _Lookups:
    organisations = _organisations(session, _written(reads, DECL_ORGANISATION.header))
    return _Lookups(
        programmes=_programmes(session, _written(reads, DECL_PROGRAMME.header)),
        organisations=organisations,
        staff=_staff(session, [o.id for o in organisations.values() if o.id is not None]),
        regions=_Regions(session),
    )


def _written(reads: list[_Read], header: str) -> set[str]:
    return {str(read.values[header]) for read in reads if read.values.get(header)}


def _checked(sheet: Sheet, read: _Read, lookups: _Lookups, actor: Actor) -> DeclarationInput | None:
    """The row's declaration, or None once every problem of the row is reported on its cell."""
    row, values = read.row, read.values
    errors_before = len(sheet.errors)
    code = values.get(DECL_PROGRAMME.header)
    found = lookups.programmes.get(str(code)) if code else None
    if found is None:
        if code:
            sheet.error(row.number, DECL_PROGRAMME.header, f"没有代码为“{code}”的试点批次")
        return None
    programme, spec, top = found
    budget = _budget(sheet, row, spec, lookups.missing_reported)
    community = _community(sheet, row, lookups.regions, top, values.get(DECL_COMMUNITY.header))
    credit = values.get(DECL_ORGANISATION.header)
    organisation = _organisation(sheet, row, lookups.organisations, str(credit), actor) if credit else None
    team = _team(sheet, row, lookups.staff, organisation, values.get(DECL_TEAM.header))
    total = _total(sheet, row, spec, budget, values.get(DECL_TOTAL.header)) if DECL_TOTAL.header in values else None
    if community is not None and _repeats_community(sheet, row, lookups.first_row, programme, community):
        return None
    if read.unreadable or len(sheet.errors) > errors_before or community is None or organisation is None:
        return None
    assert programme.id is not None and community.id is not None and organisation.id is not None
    assert team is not None and budget is not None and total is not None
    return DeclarationInput(
        programme_id=programme.id,
        community_id=community.id,
        organisation_id=organisation.id,
        title=str(values[DECL_TITLE.header]),
        total_fen=total,
        community_service_area_m2=int(values[DECL_AREA.header]),
        street_leader_consent_file=values.get(DECL_CONSENT.header) or None,
        team_worker_ids=team,
        budget_lines=budget,
    )


def _community(sheet: Sheet, row: SheetRow, regions: _Regions, top: Region, path: object) -> Region | None:
    """The community the row's path names; where it names none, the reason is reported on the cell."""
    community = regions.community(top, str(path)) if path else None
    if isinstance(community, str):
        sheet.error(row.number, DECL_COMMUNITY.header, community)
        return None
    return community


def _repeats_community(
    sheet: Sheet, row: SheetRow, first_row: dict[tuple[int, int], int], programme: Programme, community: Region
) -> bool:
    """A community declares once per programme: a second row for it is refused, naming the first."""
    assert programme.id is not None and community.id is not None
    key = (programme.id, community.id)
    if key in first_row:
        message = f"与第 {first_row[key]} 行是同一社区：一个社区在一个批次只能有一个申报"
        sheet.error(row.number, DECL_COMMUNITY.header, message)
        return True
    first_row[key] = row.number
    return False


def _declare_all(
    session: Session,
    sheet: Sheet,
    ready: list[tuple[SheetRow, DeclarationInput]],
    *,
    actor: Actor,
    now: datetime,
    progress: Callable[[str], None],
) -> Counts:
    """Each checked row through `declare`, the one way a declaration is created; its refusals land on the row."""
    created = 0
    for done, (row, data) in enumerate(ready, start=1):
        try:
            declare(session, data, actor=actor, now=now)
            created += 1
        except RulesFailed as exc:
            for violation in exc.violations:
                sheet.error(row.number, _RULE_COLUMNS.get(violation.code, ""), violation.message)
        except DomainError as exc:
            sheet.error(row.number, DECL_ORGANISATION.header, exc.message)
        if done % PROGRESS_EVERY == 0 or done == len(ready):
            progress(f"已写入申报 {done}/{len(ready)}")
    return Counts(created, 0)


def _programmes(session: Session, codes: set[str]) -> dict[str, tuple[Programme, ProgrammeSpec, Region]]:
    found = {}
    for programme in rows_where_in(session, select(Programme), col(Programme.code), codes):
        top = session.get(Region, programme.region_id)
        assert top is not None
        found[programme.code] = (programme, programme.parsed_spec(), top)
    return found


def _organisations(session: Session, codes: set[str]) -> dict[str, Organisation]:
    rows = rows_where_in(session, select(Organisation), col(Organisation.credit_code), codes)
    return {organisation.credit_code: organisation for organisation in rows}


def _staff(session: Session, organisation_ids: list[int]) -> dict[int, list[SocialWorker]]:
    staff: dict[int, list[SocialWorker]] = defaultdict(list)
    for worker in rows_where_in(session, select(SocialWorker), col(SocialWorker.employer_id), organisation_ids):
        assert worker.employer_id is not None
        staff[worker.employer_id].append(worker)
    return staff


def _organisation(
    sheet: Sheet, row: SheetRow, organisations: dict[str, Organisation], code: str, actor: Actor
) -> Organisation | None:
    organisation = organisations.get(code)
    if organisation is None:
        sheet.error(row.number, DECL_ORGANISATION.header, f"系统中没有统一社会信用代码为 {code} 的社工机构")
        return None
    if actor.role is Role.ORGANISATION and organisation.id != actor.organisation_id:
        sheet.error(row.number, DECL_ORGANISATION.header, "社工机构只能以本机构名义申报，不能导入其他机构的申报")
        return None
    return organisation


def _team(
    sheet: Sheet,
    row: SheetRow,
    staff: dict[int, list[SocialWorker]],
    organisation: Organisation | None,
    written: object,
) -> list[int] | None:
    """The ids of the named workers, or None after reporting every name that does not resolve."""
    if organisation is None or organisation.id is None:
        return None
    tokens = [token for token in _TEAM_SEPARATORS.split(str(written or "")) if token]
    workers = staff.get(organisation.id, [])
    by_id = {w.id: w for w in workers}
    by_name: dict[str, list[SocialWorker]] = defaultdict(list)
    for member in workers:
        by_name[member.name].append(member)
    ids: list[int] = []
    problems: list[str] = []
    for token in tokens:
        number = _WORKER_ID.match(token)
        worker: SocialWorker | None
        if number:
            worker = by_id.get(int(number[1]))
            if worker is None:
                problems.append(f"编号 {token} 不是 {organisation.name} 的社会工作者")
                continue
        else:
            namesakes = by_name.get(token, [])
            if not namesakes:
                problems.append(f"{organisation.name} 没有名为“{token}”的社会工作者（请先导入社会工作者）")
                continue
            if len(namesakes) > 1:
                choices = "、".join(f"#{w.id}" for w in namesakes)
                problems.append(
                    f"{organisation.name} 有 {len(namesakes)} 名名为“{token}”的社工，请改写为编号：{choices}"
                )
                continue
            worker = namesakes[0]
        assert worker.id is not None
        if worker.id in ids:
            problems.append(f"团队成员“{token}”重复")
            continue
        ids.append(worker.id)
    for problem in problems:
        sheet.error(row.number, DECL_TEAM.header, problem)
    return None if problems else ids


def _budget(
    sheet: Sheet, row: SheetRow, spec: ProgrammeSpec, missing_reported: set[str]
) -> list[BudgetLineInput] | None:
    """One line per template line of the row's programme; a missing column is reported once, on the header."""
    if spec.budget is None:
        return []
    columns = [budget_column(line) for line in spec.budget.lines]
    absent = [c.header for c in columns if c.header not in sheet.headers]
    for header in absent:
        if header not in missing_reported:
            missing_reported.add(header)
            sheet.error(HEADER_ROW, header, f"缺少必需的列“{header}”（试点批次 {spec.code} 的预算科目）")
    errors_before = len(sheet.errors)
    values = sheet.read(row, columns)
    if absent or len(sheet.errors) > errors_before:
        return None
    return [
        BudgetLineInput(line.code, line.name, int(values[column.header]))  # type: ignore[call-overload]
        for line, column in zip(spec.budget.lines, columns, strict=True)
    ]


def _total(
    sheet: Sheet, row: SheetRow, spec: ProgrammeSpec, budget: list[BudgetLineInput] | None, written: object
) -> int | None:
    """The written total, which must equal the lines' sum; without one, the sum of the template lines."""
    if budget is None:
        return None
    declared = sum(line.amount_fen for line in budget)
    if written is None:
        if spec.budget is None:
            sheet.error(row.number, DECL_TOTAL.header, f"试点批次 {spec.code} 没有预算模板，须填写项目总经费（元）")
            return None
        return declared
    assert isinstance(written, int)
    if budget and written != declared:
        sheet.error(
            row.number,
            DECL_TOTAL.header,
            f"项目总经费 {format_fen(written)} 与各预算科目之和 {format_fen(declared)} 不一致",
        )
        return None
    return written
