"""The node-completion bulletin (节点工作完成情况通报) of a programme for a period, per district.

It is kept as an .xlsx file by the service and sent to each district bureau and street office, once.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select
from sqlmodel import Session

from models.errors import RulesFailed, RuleViolation
from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxStatus
from models.parties import Party
from models.programme import Programme
from models.recipients import Recipient
from schedules.addressees import project_facts
from schedules.calendar_store import calendar_from_db
from schedules.claims import OUTBOX, insert_ignoring_duplicates
from schedules.planning import add_months
from schedules.progress import DistrictBulletin, NodeStanding, district_bulletins, node_standings

BULLETIN_TEMPLATE = "node_bulletin"
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
    notices = _queue(session, programme, period, as_of, now, path, standings, districts)
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


def _queue(
    session: Session,
    programme: Programme,
    period: Period,
    as_of: date,
    now: datetime,
    path: Path,
    standings: list[NodeStanding],
    districts: list[DistrictBulletin],
) -> int:
    facts = project_facts(session, {s.project_id for s in standings})
    audiences: dict[tuple[Party, str], tuple[Recipient, list[NodeStanding]]] = {}
    for node in standings:
        for party in (Party.DISTRICT_BUREAU, Party.STREET_OFFICE):
            recipient = facts[node.project_id].recipients[party]
            audiences.setdefault((party, recipient.name), (recipient, []))[1].append(node)
    by_district = {d.district: d for d in districts}
    rows = []
    for (party, name), (recipient, nodes) in sorted(audiences.items()):
        district = by_district[nodes[0].district]
        key = f"bulletin:{programme.code}:{period.label}:{party.value}:{name}"
        rows.append(
            {
                "template": BULLETIN_TEMPLATE,
                "entity_type": "programme",
                "entity_id": programme.id,
                "recipient_party": party.value,
                "recipient_name": recipient.name,
                "recipient_address": recipient.address,
                "params": {
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
                },
                "message_id": f"<bulletin.{hashlib.sha1(key.encode()).hexdigest()[:32]}@{MESSAGE_ID_DOMAIN}>",
                "dedupe_key": key,
                "digest_key": None,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return len(insert_ignoring_duplicates(session, OUTBOX, rows, OUTBOX.c.id))
