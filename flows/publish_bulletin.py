"""The node-completion bulletin (节点工作完成情况通报) as flows: one period on request, and each quarter's on
its first working day for every programme with nodes due in the quarter before (the registry's schedule)."""

from datetime import date, datetime

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from pydantic import BaseModel

from flows.database import flow_engine
from models.database import session_scope
from models.dates import shanghai_date
from schedules.bulletin import parse_period
from schedules.bulletin import publish_bulletin as publish
from service.clock import service_now_on
from service.commands.bulletins import bulletins_due
from service.settings import get_settings


class BulletinRequest(BaseModel):
    programme: str  # the programme's code, e.g. lanzhou-2022
    period: str  # 2023-Q1, 2023-H1, 2023-03, 2023 or 2023-01-01..2023-03-31
    as_of: date | None = None  # counted as of this day; None: the period's last day or today, the earlier
    now: datetime | None = None


class BulletinReport(BaseModel):
    programme: str
    period: str
    as_of: date
    file: str
    districts: list[dict[str, int | str]]
    notices: int


@task(retries=1, retry_delay_seconds=2)
def build_and_send(request: BulletinRequest, as_of: date, now: datetime) -> BulletinReport:
    """Count, write the .xlsx and queue the notices in one transaction (a rerun queues nothing new)."""
    period = parse_period(request.period)
    with session_scope(flow_engine()) as session:
        result = publish(
            session,
            programme_code=request.programme,
            period=period,
            as_of=as_of,
            now=now,
            files_dir=get_settings().files_dir,
        )
    districts: list[dict[str, int | str]] = [
        {
            "区": d.district,
            "应完成": d.due,
            "按期完成": d.done_on_time,
            "逾期完成": d.done_late,
            "逾期未完成": d.overdue,
            "最长逾期（工作日）": d.max_working_days_late,
        }
        for d in result.districts
    ]
    return BulletinReport(
        programme=request.programme,
        period=period.label,
        as_of=as_of,
        file=str(result.path),
        districts=districts,
        notices=result.notices,
    )


@flow(name="publish-bulletin", flow_run_name="bulletin-{request.programme}-{request.period}")
def publish_bulletin(request: BulletinRequest) -> BulletinReport:
    now = request.now or service_now_on(flow_engine())
    period = parse_period(request.period)
    as_of = request.as_of or min(period.last, shanghai_date(now))
    report = build_and_send(request, as_of, now)
    create_table_artifact(
        report.districts,
        key=f"bulletin-{request.programme}",
        description=f"节点工作完成情况通报 {report.period}（统计至 {as_of}），全文：{report.file}",
    )
    get_run_logger().info(
        "通报 %s %s：%d 个区，%d 条通知", request.programme, report.period, len(report.districts), report.notices
    )
    return report


class QuarterlyBulletinRequest(BaseModel):
    as_of: date | None = None  # the day the schedule runs on; None: today
    since: date | None = None  # catching up: also the quarters due after this day; None: due today only
    now: datetime | None = None


class QuarterlyBulletinReport(BaseModel):
    as_of: date
    periods: list[str]  # empty: no quarter's first working day, nothing published
    bulletins: list[BulletinReport]


@task
def find_due(as_of: date, since: date | None) -> list[tuple[str, list[str]]]:
    """The quarters to report on, if any, each with the programmes that had nodes due in it."""
    with session_scope(flow_engine()) as session:
        return [(period.label, codes) for period, codes in bulletins_due(session, as_of, since=since)]


@flow(name="publish-quarterly-bulletins", flow_run_name="quarterly-bulletins-{request.as_of}")
def publish_quarterly_bulletins(request: QuarterlyBulletinRequest) -> QuarterlyBulletinReport:
    now = request.now or service_now_on(flow_engine())
    as_of = request.as_of or shanghai_date(now)
    due = find_due(as_of, request.since)
    requests = [BulletinRequest(programme=code, period=period, now=now) for period, codes in due for code in codes]
    reports = [publish_bulletin(r) for r in requests]
    periods = [period for period, _ in due]
    said = f"发布 {'、'.join(periods)} 通报 {len(reports)} 份" if periods else "今天不发布季度通报"
    get_run_logger().info("%s：%s", as_of, said)
    return QuarterlyBulletinReport(as_of=as_of, periods=periods, bulletins=reports)
