"""The console servers the browser tests drive: `sanshe serve` in a subprocess on a free port over a given database,
in dev mode on the simulated clock, and the demo data of `make run` for the modules that need a server of their own."""

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from models.migrate import fresh_database
from models.roles import Actor, Role
from models.user import User
from service.demo import seed_demo, start_demo_clock
from service.mail.catcher import CatcherProcess, free_port
from service.settings import Settings
from tests import factories
from tests.conftest import postgres_database
from tests.processes import database_url, stop

STARTUP_SECONDS = 60
postgres_schema = contextmanager(postgres_database)  # skipped, or failed under CI=true, when unreachable


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"控制台服务启动失败（退出码 {process.returncode}）：\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):  # a loaded machine answers late
            time.sleep(0.2)
    raise RuntimeError(f"控制台服务 {STARTUP_SECONDS} 秒内未就绪：\n{log.read_text()}")


@contextmanager
def console_server(engine: Engine, folder: Path, **settings: str) -> Iterator[str]:
    """`sanshe serve` over `engine`, its files under `folder`; the base URL while it runs.

    Dev mode (the programme clock needs it; production's Secure cookies are tested apart), the simulated clock and
    no scheduler, unless `settings` (environment variables) say otherwise."""
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
    environment |= {
        "SANSHE_MODE": "dev",
        "SANSHE_SIMULATED_CLOCK": "true",
        "SANSHE_SCHEDULER_ENABLED": "false",
        "SANSHE_SECRET_KEY": secrets.token_urlsafe(48),
        "SANSHE_DATABASE_URL": database_url(engine),
        "SANSHE_FILES_DIR": str(folder / "files"),
        **settings,
    }
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,  # no .env of the project's
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, log)
        yield base_url
    finally:
        stop(process)


@contextmanager
def demo_database(backend: str, name: str) -> Iterator[Engine]:
    """A fresh database of `backend` holding Lanzhou 2022 and `make run`'s demo data (its clock not yet set)."""
    database = fresh_database("sqlite", prefix=name.replace("_", "-")) if backend == "sqlite" else postgres_schema(name)
    with database as engine:
        with Session(engine) as session:
            factories.lanzhou(session)
            seed_demo(session)
            session.commit()
        yield engine


@contextmanager
def demo_on_its_clock(
    backend: str, name: str, folder: Path, *usernames: str
) -> Iterator[tuple[Engine, CatcherProcess, list[User]]]:
    """The demo database with its clock started on the demo day, the dev mail catcher where a server's mail viewer
    reads (under `folder`/files), and the demo accounts of `usernames`."""
    with demo_database(backend, name) as engine, CatcherProcess(folder / "files" / "mail-catcher") as catcher:
        with Session(engine, expire_on_commit=False) as session:
            start_demo_clock(session, settings=Settings(simulated_clock=True), actor=Actor("admin", Role.ADMIN))
            users = [session.exec(select(User).where(User.username == name)).one() for name in usernames]
        yield engine, catcher, users
