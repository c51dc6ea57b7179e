"""The `sanshe` command line."""

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from models.database import make_engine
from models.migrate import upgrade_database
from service.auth import command_line_actor
from service.cli import data, deadlines, mail, places, users
from service.cli.running import AsWhom, command_now, database_session, echo_moves, echo_progress, fail, refusals
from service.cli.workers import APP, serve_workers
from service.commands.programmes import ProgrammeLoad, load_programme
from service.commands.uploads import Upload
from service.settings import PROJECT_ROOT, Settings, UnsafeSettings, get_settings, refuse_unsafe_settings

app = typer.Typer(help="三社联动试点项目管理 sanshe", no_args_is_help=True)
log = logging.getLogger("sanshe")


@app.command("init-db")
def init_db() -> None:
    """建立或升级数据库结构（Alembic upgrade head）。"""
    settings = get_settings()
    if settings.database_url.startswith("sqlite:///"):
        Path(settings.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        upgrade_database(connection)
    typer.echo("数据库结构已是最新。")


@app.command("load-programme")
def load_programme_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="试点批次文件（YAML）")],
    as_whom: AsWhom = "admin",
) -> None:
    """载入（或更新）一个试点批次文件，例如 programmes/lanzhou-2022.yaml；日期有变动时重新排定未完成节点。"""
    with refusals("载入失败：\n"), database_session() as session, file.open("rb") as stream:
        loaded = load_programme(
            session,
            data=ProgrammeLoad(Upload(file.name, stream)),
            actor=command_line_actor(session, as_whom=as_whom),
            now=command_now(session),
            progress=echo_progress,
        )
    typer.echo(f"已载入：{loaded.name}（{loaded.code}）")
    if loaded.dates_changed:
        typer.echo(f"批次日期已调整，重新排定 {loaded.replanned_nodes} 个未完成节点。")
        echo_moves(loaded.moves)


@app.command("seed-demo")
def seed_demo_command() -> None:
    """写入演示数据（兰州 2022 的 5 个区 10 个社区、机构、社工、专家、各角色账号，7 个项目已启动实施），已存在则
    跳过；模拟模式下模拟时钟从实施阶段第一天开始。"""
    from service.demo import seed_demo, start_demo_clock

    with database_session() as session:
        typer.echo(seed_demo(session))
        started = start_demo_clock(session, settings=get_settings(), actor=command_line_actor(session))
        if started is not None:
            typer.echo(
                f"模拟时钟从 {started:%Y-%m-%d %H:%M} 开始：市民政局可在管理平台“模拟时钟”页向前拨或“播放全年”"
                "（POST /api/v1/clock、/api/v1/clock/play）"
            )


def safe_settings() -> Settings:
    """The settings, or their refusal on stderr and exit code 2 when production mode may not start with them."""
    settings = get_settings()
    try:
        refuse_unsafe_settings(settings)
    except UnsafeSettings as refused:
        fail(str(refused))
    return settings


@app.command()
def serve(host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """启动 API 服务（默认 SANSHE_WORKERS 个工作进程）。"""
    settings = safe_settings()
    count = 1 if settings.simulated_clock else max(1, workers or settings.workers)
    host, port = host or settings.host, port or settings.port
    if count == 1:
        uvicorn.run(APP, factory=True, host=host, port=port)
        return
    from service.app import start_scheduler_once

    scheduler = start_scheduler_once(settings)
    os.environ["SANSHE_SCHEDULER_ENABLED"] = "false"  # the workers' own settings: none of them starts another
    try:
        serve_workers(count, host=host, port=port)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@app.command()
def up() -> None:
    """启动整个系统：Prefect 服务器、开发用邮件接收器、API 服务（含定时任务）。"""
    from service.supervisor import run_everything

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = safe_settings()  # before any child process starts
    run_everything(settings, PROJECT_ROOT / "var")


# Each capability registers its own commands (deadlines, mail, data exchange), in a module of its own.
for _module in (deadlines, mail, data, users, places):
    _module.register(app)
