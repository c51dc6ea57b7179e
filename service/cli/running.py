"""How a `sanshe` command runs a use case: one session on the configured database, refusals as exit code 2."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, NoReturn

import typer
from sqlmodel import Session

from models.database import make_engine, session_scope
from models.errors import DomainError
from schedules.replanning import NodeMove
from service.clock import service_now
from service.settings import get_settings

# Who a command acts as: the same permission check as over HTTP decides whether it may.
AsWhom = Annotated[
    str, typer.Option("--as", help="以哪个用户名或角色执行（默认 admin；角色如 city_coordinator、organisation）")
]
OrganisationCode = Annotated[
    str | None, typer.Option("--organisation", help="以社工机构角色执行时，本机构的统一社会信用代码")
]


@contextmanager
def database_session() -> Iterator[Session]:
    """One unit of work on SANSHE_DATABASE_URL; the engine is closed after it."""
    engine = make_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            yield session
    finally:
        engine.dispose()


def command_now(session: Session) -> datetime:
    """The service's time for a command: the wall clock, or the stored clock of a simulation."""
    return service_now(session, settings=get_settings())


@contextmanager
def refusals(prefix: str = "") -> Iterator[None]:
    """A refusal of the use case becomes its zh-CN message on stderr and exit code 2; nothing is written."""
    try:
        yield
    except DomainError as exc:
        fail(prefix + exc.message)


def fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=2)


def echo_progress(line: str) -> None:
    """Progress goes to stderr, so that stdout keeps only the result."""
    typer.echo(line, err=True)


def echo_moves(moves: list[NodeMove]) -> None:
    """One line per node whose due date moved: which node, from when to when."""
    for move in moves:
        if move.from_due != move.to_due:
            typer.echo(
                f"  {move.title}（项目 {move.project_id}，节点 {move.node_id}）：{move.from_due} → {move.to_due}"
            )
