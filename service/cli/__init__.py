"""The `sanshe` command line."""

import logging
from pathlib import Path

import typer
import uvicorn
from sqlmodel import select

from models.database import make_engine, session_scope
from models.errors import DomainError
from models.migrate import upgrade_database
from models.programme import Programme
from models.programme_loader import install_programme, read_programme_file
from models.programme_spec import ProgrammeSpec
from models.roles import Actor, Role
from schedules.replanning import replan_programme
from service.cli import data, deadlines, mail, users
from service.clock import system_clock
from service.settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="三社联动试点项目管理 sanshe", no_args_is_help=True)
log = logging.getLogger("sanshe")
CLI_ACTOR = Actor("cli", Role.ADMIN, "命令行")


def _planning_inputs(spec: ProgrammeSpec) -> tuple[object, ...]:
    """What node due dates are computed from: when it changes, open nodes are planned again."""
    return (spec.phases, tuple(spec.report_schedule))


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
def load_programme_command(file: Path) -> None:
    """载入（或更新）一个试点批次文件，例如 programmes/lanzhou-2022.yaml。"""
    engine = make_engine(get_settings().database_url)
    now = system_clock()
    try:
        with session_scope(engine) as session:
            spec = read_programme_file(file)
            before = session.exec(select(Programme).where(Programme.code == spec.code)).first()
            old_plan = _planning_inputs(before.parsed_spec()) if before is not None else None
            programme = install_programme(session, spec, now=now)
            typer.echo(f"已载入：{programme.name}（{programme.code}）")
            if old_plan is not None and old_plan != _planning_inputs(spec):
                moves = replan_programme(
                    session, programme, actor=CLI_ACTOR, now=now, reason=f"试点批次日期调整（{file.name}）"
                )
                typer.echo(f"批次日期已调整，重新排定 {len(moves)} 个未完成节点。")
    except DomainError as exc:
        typer.echo(f"载入失败：\n{exc.message}", err=True)
        raise typer.Exit(code=2) from exc


@app.command("seed-demo")
def seed_demo_command() -> None:
    """写入演示数据（兰州 2022 的社区、机构、社工与几个申报），已存在则跳过。"""
    from service.demo import seed_demo

    engine = make_engine(get_settings().database_url)
    with session_scope(engine) as session:
        typer.echo(seed_demo(session))


@app.command()
def serve(host: str | None = None, port: int | None = None) -> None:
    """启动 API 服务。"""
    settings = get_settings()
    uvicorn.run("service.app:create_app", factory=True, host=host or settings.host, port=port or settings.port)


@app.command()
def up() -> None:
    """启动整个系统：Prefect 服务器、开发用邮件接收器、API 服务（含定时任务）。"""
    from service.supervisor import run_everything

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = get_settings()
    run_everything(settings, PROJECT_ROOT / "var")


# Each capability registers its own commands (deadlines, mail, data exchange), in a module of its own.
for _module in (deadlines, mail, data, users):
    _module.register(app)
