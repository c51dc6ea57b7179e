"""`sanshe` commands of the deadline engine: sweep, review-reminders, bulletin, simulate, calendar, deploy."""

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from models.database import make_engine, session_scope
from models.dates import SHANGHAI, shanghai_date
from models.errors import DomainError
from models.programme import Programme
from schedules.registry import JOBS, deployment_schedule, deployment_triggers, leaders
from schedules.sweep import DEFAULT_BATCH_SIZE, SweepProgress, sweep
from service.auth import command_line_actor
from service.cli.running import AsWhom, command_now, database_session, echo_moves, echo_progress, refusals
from service.commands.calendar import OfficialYearLoad, load_calendar_year
from service.commands.uploads import Upload
from service.settings import get_settings

log = logging.getLogger("sanshe")
calendar_app = typer.Typer(help="工作日历：载入正式公布的节假日安排。", no_args_is_help=True)
SIMULATED_HOUR = time(7, 0)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _simulated_now(day: date) -> datetime:
    return datetime.combine(day, SIMULATED_HOUR, tzinfo=SHANGHAI)


def _echo_sweep(*, as_of: date, due: int, batches: int, claimed: dict[str, dict[str, int]], notices: int) -> None:
    rungs = sum(n for by_rung in claimed.values() for n in by_rung.values())
    typer.echo(f"{as_of}：到期节点 {due} 个，分 {batches} 批，新升级 {rungs} 级次，通知 {notices} 条")
    for district, by_rung in sorted(claimed.items()):
        typer.echo(f"  {district}：" + "，".join(f"{rung} {n}" for rung, n in sorted(by_rung.items())))


def _echo_sweep_progress(progress: SweepProgress) -> None:
    echo_progress(progress.line())


def sweep_command(
    as_of: str = typer.Option(None, "--as-of", help="督办日期 YYYY-MM-DD（默认今天）"),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size"),
    direct: bool = typer.Option(False, "--direct", help="不经 Prefect，直接在本进程执行"),
) -> None:
    """执行一次节点督办：到期提醒与逾期升级（每个节点每一级只通知一次）。"""
    if direct:
        with database_session() as session:
            now = command_now(session)
            day = _day(as_of) or shanghai_date(now)
            result = sweep(session, as_of=day, now=now, batch_size=batch_size, after_batch=_echo_sweep_progress)
        _echo_sweep(
            as_of=day,
            due=result.due_nodes,
            batches=result.batches,
            claimed=result.claimed_by_district(),
            notices=result.outcome.notices,
        )
        return
    from flows.enforce_deadlines import SweepRequest, enforce_deadlines

    report = enforce_deadlines(SweepRequest(as_of=_day(as_of), batch_size=batch_size))  # progress: the run's log
    _echo_sweep(
        as_of=report.as_of, due=report.due_nodes, batches=report.batches, claimed=report.claimed, notices=report.notices
    )


def review_reminders_command(as_of: str = typer.Option(None, "--as-of")) -> None:
    """执行一次评审任务催办。"""
    from flows.review_reminders import ReviewReminderRequest, review_reminders

    report = review_reminders(ReviewReminderRequest(as_of=_day(as_of)))
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
    from flows.review_reminders import remind_reviews

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        row = session.execute(select(Programme).where(Programme.code == programme)).scalar_one_or_none()
        if row is None:
            typer.echo(f"试点批次“{programme}”不存在", err=True)
            raise typer.Exit(code=2)
        first = _day(start) or row.parsed_spec().phases.implementation.start
    last = date.fromisoformat(until)
    days = (last - first).days + 1
    for done in range(1, days + 1):
        day = first + timedelta(days=done - 1)
        with session_scope(engine) as session:
            result = sweep(session, as_of=day, now=_simulated_now(day))
            reviews = remind_reviews(session, as_of=day, now=_simulated_now(day))
        if result.outcome.claimed or reviews.claimed:
            rungs = ", ".join(f"{d} {r}×{n}" for (d, r), n in sorted(result.outcome.claimed.items()))
            typer.echo(f"{day}：{rungs} {reviews.claimed or ''}".rstrip())
        if done == days or (day + timedelta(days=1)).day == 1:  # once a simulated month, and at the end
            echo_progress(f"已模拟 {done}/{days} 天（至 {day}）")
    engine.dispose()
    typer.echo(f"模拟完成：{first} → {last}")


@calendar_app.command("load")
def calendar_load_command(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="节假日安排（YAML 或 holiday-cn JSON）"),
    ],
    as_whom: AsWhom = "admin",
) -> None:
    """载入某年正式公布的节假日与调休安排（YAML 或 holiday-cn 年度 JSON），并重算受影响的截止日期。"""
    with refusals("载入失败："), database_session() as session, file.open("rb") as stream:
        loaded = load_calendar_year(
            session,
            data=OfficialYearLoad(Upload(file.name, stream)),
            actor=command_line_actor(session, as_whom=as_whom),
            now=command_now(session),
        )
    typer.echo(f"已载入 {loaded.year} 年节假日安排，重算 {len(loaded.moves)} 个暂定节点")
    echo_moves(loaded.moves)


def deploy_command(
    work_pool: str = typer.Option(
        "local", "--work-pool", help="Prefect 工作池（prefect work-pool create local --type process）"
    ),
    source: Path = typer.Option(Path(__file__).resolve().parent.parent, "--source", help="代码所在目录或仓库"),
) -> None:
    """把调度表中的全部作业注册为 Prefect 部署（按上海时区的 cron 或固定间隔），交由工作池执行。"""
    from prefect import flow as prefect_flow
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    for entry in JOBS:
        deployment_id = prefect_flow.from_source(source=str(source), entrypoint=entry.entrypoint).deploy(
            name=entry.id,
            work_pool_name=work_pool,
            schedules=[deployment_schedule(entry)],
            triggers=deployment_triggers(entry),  # the dispatch right after each sweep, as in the service
            parameters=entry.parameters,
            tags=list(entry.tags),  # the same tags the in-service runner gives the job's runs
            description=entry.description,
            concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            print_next_steps=False,
        )
        leading = leaders(entry)
        follows = f"，并在 {'、'.join(leading)} 每次完成后运行" if leading else ""
        typer.echo(f"已部署 {entry.id}（{entry.schedule_text()}{follows}）：{deployment_id}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `sanshe` application."""
    app.command("sweep")(sweep_command)
    app.command("review-reminders")(review_reminders_command)
    app.command("bulletin")(bulletin_command)
    app.command("simulate")(simulate_command)
    app.command("deploy")(deploy_command)
    app.add_typer(calendar_app, name="calendar")
