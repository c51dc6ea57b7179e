"""`sanshe` commands of the deadline engine: sweep, review-reminders, bulletin, simulate, calendar, deploy."""

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path

import typer
from sqlalchemy import select

from models.database import make_engine, session_scope
from models.errors import DomainError
from models.programme import Programme
from models.roles import Actor, Role
from schedules.calendar import SHANGHAI
from schedules.registry import JOBS, TIMEZONE
from service.clock import system_clock
from service.settings import get_settings

log = logging.getLogger("sanshe")
calendar_app = typer.Typer(help="工作日历：载入正式公布的节假日安排。", no_args_is_help=True)
SIMULATED_HOUR = time(7, 0)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _simulated_now(day: date) -> datetime:
    return datetime.combine(day, SIMULATED_HOUR, tzinfo=SHANGHAI)


def sweep_command(
    as_of: str = typer.Option(None, "--as-of", help="督办日期 YYYY-MM-DD（默认今天）"),
    batch_size: int = typer.Option(2000, "--batch-size"),
    direct: bool = typer.Option(False, "--direct", help="不经 Prefect，直接在本进程执行"),
) -> None:
    """执行一次节点督办：到期提醒与逾期升级（每个节点每一级只通知一次）。"""
    if direct:
        from schedules.sweep import sweep

        now = system_clock()
        day = _day(as_of) or now.astimezone(SHANGHAI).date()
        with session_scope(make_engine(get_settings().database_url)) as session:
            result = sweep(session, as_of=day, now=now, batch_size=batch_size)
        typer.echo(
            f"{day}：到期节点 {result.due_nodes} 个，新升级 {sum(result.outcome.claimed.values())} 级次，"
            f"通知 {result.outcome.notices} 条"
        )
        return
    from flows.enforce_milestones import SweepRequest, run_enforce_milestones

    report = run_enforce_milestones(SweepRequest(as_of=_day(as_of), batch_size=batch_size))
    typer.echo(f"{report.as_of}：到期节点 {report.due_nodes} 个，分 {report.batches} 批，通知 {report.notices} 条")
    for district, rungs in sorted(report.claimed.items()):
        typer.echo(f"  {district}：" + "，".join(f"{rung} {n}" for rung, n in sorted(rungs.items())))


def review_reminders_command(as_of: str = typer.Option(None, "--as-of")) -> None:
    """执行一次评审任务催办。"""
    from flows.review_reminders import ReviewReminderRequest, run_review_reminders

    report = run_review_reminders(ReviewReminderRequest(as_of=_day(as_of)))
    typer.echo(f"{report.as_of}：{report.claimed or '无新催办'}")


def bulletin_command(
    programme: str = typer.Option(..., "--programme", help="试点批次代码，如 lanzhou-2022"),
    period: str = typer.Option(..., "--period", help="2023-Q1、2023-H1、2023-03、2023 或 2023-01-01..2023-03-31"),
    as_of: str = typer.Option(None, "--as-of", help="统计截止日（默认期末或今天）"),
) -> None:
    """发布节点工作完成情况通报（.xlsx，并通知各区民政局和街道办）。"""
    from flows.publish_bulletin import BulletinRequest, publish_bulletin

    try:
        report = publish_bulletin(BulletinRequest(programme=programme, period=period, as_of=_day(as_of)))
    except DomainError as exc:
        typer.echo(f"通报失败：{exc.message}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"已生成 {report.file}，通知 {report.notices} 条")
    for row in report.districts:
        typer.echo("  " + "，".join(f"{k} {v}" for k, v in row.items()))


def simulate_command(
    programme: str = typer.Option(..., "--programme"),
    until: str = typer.Option(..., "--until", help="模拟到哪一天（含）"),
    start: str = typer.Option(None, "--from", help="从哪一天开始（默认实施阶段开始日）"),
) -> None:
    """模拟时钟逐日推进，每天执行节点督办与评审催办（演示与测试用，不经 Prefect）。"""
    from schedules.review_sweep import sweep_reviews
    from schedules.sweep import sweep

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        row = session.execute(select(Programme).where(Programme.code == programme)).scalar_one_or_none()
        if row is None:
            typer.echo(f"试点批次“{programme}”不存在", err=True)
            raise typer.Exit(code=2)
        first = _day(start) or row.parsed_spec().phases.implementation.start
    last = date.fromisoformat(until)
    day = first
    while day <= last:
        with session_scope(engine) as session:
            result = sweep(session, as_of=day, now=_simulated_now(day))
            reviews = sweep_reviews(session, as_of=day, now=_simulated_now(day))
        if result.outcome.claimed or reviews:
            rungs = ", ".join(f"{d} {r}×{n}" for (d, r), n in sorted(result.outcome.claimed.items()))
            typer.echo(f"{day}：{rungs} {dict(reviews) if reviews else ''}".rstrip())
        day += timedelta(days=1)
    typer.echo(f"模拟完成：{first} → {last}")


@calendar_app.command("load")
def calendar_load_command(file: Path) -> None:
    """载入某年正式公布的节假日与调休安排（YAML，格式见 schedules/calendar_store.py），并重算暂定截止日期。"""
    from schedules.replanning import load_official_year

    actor = Actor("cli", Role.CITY_COORDINATOR, "命令行")
    try:
        with session_scope(make_engine(get_settings().database_url)) as session:
            year, moves = load_official_year(session, file, actor=actor, now=system_clock())
    except DomainError as exc:
        typer.echo(f"载入失败：{exc.message}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(f"已载入 {year.year} 年节假日安排，重算 {len(moves)} 个暂定节点")
    for move in moves:
        if move.from_due != move.to_due:
            typer.echo(f"  {move.title}：{move.from_due} → {move.to_due}")


def deploy_command(
    work_pool: str = typer.Option(
        "local", "--work-pool", help="Prefect 工作池（prefect work-pool create local --type process）"
    ),
    source: Path = typer.Option(Path(__file__).resolve().parent.parent, "--source", help="代码所在目录或仓库"),
) -> None:
    """把调度表中的作业注册为 Prefect 部署（按上海时区的 cron），交由工作池执行。"""
    from prefect import flow as prefect_flow
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.schedules import Cron

    for entry in JOBS:
        schedules = [Cron(entry.cron, timezone=TIMEZONE)] if entry.cron else []
        deployment_id = prefect_flow.from_source(source=str(source), entrypoint=entry.entrypoint).deploy(
            name=entry.id,
            work_pool_name=work_pool,
            schedules=schedules,
            interval=timedelta(minutes=entry.interval_minutes) if entry.interval_minutes else None,
            parameters=entry.parameters,
            tags=["sanshe", f"job:{entry.id}"],
            description=entry.description,
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            print_next_steps=False,
        )
        typer.echo(
            f"已部署 {entry.id}（{entry.cron or f'每 {entry.interval_minutes} 分钟'}，{TIMEZONE}）：{deployment_id}"
        )


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("sweep")(sweep_command)
    app.command("review-reminders")(review_reminders_command)
    app.command("bulletin")(bulletin_command)
    app.command("simulate")(simulate_command)
    app.command("deploy")(deploy_command)
    app.add_typer(calendar_app, name="calendar")
