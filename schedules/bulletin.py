"""The node-completion bulletin (节点工作完成情况通报) of a programme for a period, per district.

It is kept as an .xlsx file by the service and sent to each district bureau and street office, once.
"""

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session

from models.errors import RulesFailed, RuleViolation
from models.notices import NoticeKey, notice_key, outbox_row, queue_rows
from models.parties import Party
from models.programme import Programme
from models.recipients import Recipient
from schedules.addressees import project_facts
from schedules.calendar_store import calendar_from_db
from schedules.planning import add_months
from schedules.progress import DistrictBulletin, NodeStanding, district_bulletins, node_standings

BULLETIN, BULLETIN_ENTITY = "bulletin", "programme"
BULLETIN_TEMPLATE = "bulletin_published"  # service/templates/mail/bulletin_published.j2
BULLETIN_PARTIES = (Party.DISTRICT_BUREAU, Party.STREET_OFFICE)
STATE_LABELS = {"approved": "审核通过", "waived": "免于提交"}


@dataclass(frozen=True)
class Period:
    label: str  # 2023-Q1, 2023-03, 2023-H1, 2023 or 2023-01-01..2023-03-31
    first: date
    last: date


def parse_period(text: str) -> Period:
    """A quarter, month, half year, year or explicit range; refused with the accepted forms named."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", text):
        first = date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return Period(text, first, date.fromordinal(add_months(first, 3).toordinal() - 1))
    if m := re.fullmatch(r"(\d{4})-H([12])", text):
        first = date(int(m[1]), 6 * int(m[2]) - 5, 1)
        return Period(text, first, date.fromordinal(add_months(first, 6).toordinal() - 1))
    if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
        first = date(int(m[1]), int(m[2]), 1)
        return Period(text, first, date.fromordinal(add_months(first, 1).toordinal() - 1))
    if m := re.fullmatch(r"(\d{4})", text):
        return Period(text, date(int(m[1]), 1, 1), date(int(m[1]), 12, 31))
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
        first, last = date.fromisoformat(m[1]), date.fromisoformat(m[2])
        if first <= last:
            return Period(text, first, last)
    raise RulesFailed(
        [
            RuleViolation(
                "bulletin.period",
                f"通报期间“{text}”无法识别：请写 2023-Q1、2023-H1、2023-03、2023 或 2023-01-01..2023-03-31",
            )
        ]
    )


@dataclass(frozen=True)
class BulletinResult:
    programme_code: str
    period: Period
    as_of: date
    path: Path
    districts: list[DistrictBulletin]
    notices: int


def bulletin_file(files_dir: Path, programme_code: str, period: Period) -> Path:
    safe = re.sub(r"[^0-9A-Za-z.-]+", "_", period.label)
    return files_dir / "bulletins" / f"{programme_code}-{safe}.xlsx"


def publish_bulletin(
    session: Session, *, programme_code: str, period: Period, as_of: date, now: datetime, files_dir: Path
) -> BulletinResult:
    """Count, write the workbook, queue one notice per district bureau and street office; the caller commits."""
    programme = session.execute(select(Programme).where(Programme.code == programme_code)).scalar_one_or_none()
    if programme is None or programme.id is None:
        raise RulesFailed([RuleViolation("bulletin.programme", f"试点批次“{programme_code}”不存在")])
    standings = node_standings(session, programme.id, period.first, period.last, as_of, calendar_from_db(session))
    districts = district_bulletins(standings, as_of)
    path = bulletin_file(files_dir, programme_code, period)
    write_workbook(path, programme.name, period, as_of, districts)
    os.utime(path, (now.timestamp(), now.timestamp()))  # dated by the service's clock, simulated or not
    notices = _queue(
        session,
        programme=programme,
        period=period,
        as_of=as_of,
        now=now,
        path=path,
        standings=standings,
        districts=districts,
    )
    return BulletinResult(programme_code, period, as_of, path, districts, notices)


def write_workbook(
    path: Path, programme_name: str, period: Period, as_of: date, districts: list[DistrictBulletin]
) -> None:
    """Sheet 汇总: one row per district; sheet 明细: every node due in the period."""
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "汇总"
    summary.append([f"{programme_name} 节点工作完成情况通报（{period.first}至{period.last}，统计至{as_of}）"])
    summary.append(["区", "应完成节点", "按期完成", "逾期完成", "逾期未完成", "最长逾期（工作日）"])
    for d in districts:
        summary.append([d.district, d.due, d.done_on_time, d.done_late, d.overdue, d.max_working_days_late])
    detail = book.create_sheet("明细")
    detail.append(["区", "项目", "节点", "截止日期", "状态", "完成日期", "逾期（工作日）"])
    for d in districts:
        for node in d.nodes:
            detail.append(
                [
                    d.district,
                    node.project_title,
                    node.title,
                    node.due_date.isoformat(),
                    STATE_LABELS.get(node.state, "未完成"),
                    node.closed_on.isoformat() if node.closed_on else "",
                    node.working_days_late,
                ]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


@dataclass(frozen=True)
class Audience:
    """One office told of a bulletin (a district bureau or street office) and the nodes of its area."""

    recipient: Recipient
    office_id: int | None  # the office's region; None: the region tree has no such office
    nodes: list[NodeStanding]


def audiences(session: Session, standings: list[NodeStanding]) -> list[Audience]:
    """Every district bureau and street office whose area has a node in the bulletin, in a stable order."""
    facts = project_facts(session, {s.project_id for s in standings})
    found: dict[tuple[str, int], Audience] = {}
    for node in standings:
        project = facts[node.project_id]
        for party in BULLETIN_PARTIES:
            office_id = project.offices[party]
            audience = found.setdefault(
                (party.value, office_id or 0), Audience(project.recipients[party], office_id, [])
            )
            audience.nodes.append(node)
    return [found[key] for key in sorted(found)]


def bulletin_key(*, programme_id: int, period: Period, audience: Audience) -> NoticeKey:
    """One notice per (programme, period, office): publishing the same bulletin again queues nothing."""
    office = audience.office_id if audience.office_id is not None else "none"
    party = audience.recipient.party.value
    return notice_key(BULLETIN, programme_id, period.first, period.last, party, office)


def bulletin_office_id(dedupe_key: str | None) -> int | None:
    """The office region a bulletin notice was queued for, read back from its `bulletin_key`; None: none kept."""
    parts = (dedupe_key or "").split(":")
    if len(parts) != 6 or parts[0] != BULLETIN or not parts[5].isdigit():
        return None
    return int(parts[5])


def bulletin_params(
    *,
    programme: Programme,
    period: Period,
    as_of: date,
    path: Path,
    district: DistrictBulletin,
    nodes: list[NodeStanding],
) -> dict[str, Any]:
    """What the mail shows: the district's figures and the office's overdue nodes."""
    return {
        "programme_name": programme.name,
        "period": period.label,
        "period_first": period.first.isoformat(),
        "period_last": period.last.isoformat(),
        "as_of": as_of.isoformat(),
        "district": district.district,
        "due": district.due,
        "done_on_time": district.done_on_time,
        "done_late": district.done_late,
        "overdue": district.overdue,
        "file": path.name,
        "overdue_nodes": [
            {
                "project_title": n.project_title,
                "node_title": n.title,
                "due_date": n.due_date.isoformat(),
                "working_days_late": n.working_days_late,
            }
            for n in nodes
            if n.closed_on is None and n.working_days_late > 0
        ],
    }


def _queue(
    session: Session,
    *,
    programme: Programme,
    period: Period,
    as_of: date,
    now: datetime,
    path: Path,
    standings: list[NodeStanding],
    districts: list[DistrictBulletin],
) -> int:
    """One notice per office; those queued by an earlier publication are skipped."""
    assert programme.id is not None
    by_district = {d.district: d for d in districts}
    rows = [
        outbox_row(
            key=bulletin_key(programme_id=programme.id, period=period, audience=audience),
            template=BULLETIN_TEMPLATE,
            entity_type=BULLETIN_ENTITY,
            entity_id=programme.id,
            recipient=audience.recipient,
            params=bulletin_params(
                programme=programme,
                period=period,
                as_of=as_of,
                path=path,
                district=by_district[audience.nodes[0].district],
                nodes=audience.nodes,
            ),
            now=now,
        )
        for audience in audiences(session, standings)
    ]
    return queue_rows(session, rows)
