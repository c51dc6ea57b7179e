"""The command line reaches the same permission check as HTTP: a matrix of declared actions × roles.

Each `sanshe` command that writes on somebody's behalf acts `--as` a user; the check read from the declarations
(`models.authority.authorize`) refuses a role the declaration leaves out, in the same zh-CN words as over HTTP,
with exit code 2, and lets every declared role through. A write command without its row here fails the test.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.main import get_command
from typer.testing import CliRunner, Result

from models.authority import declared
from models.lifecycles import (
    ACCOUNT_REGISTER,
    CALENDAR_REGISTER,
    PROGRAMME_REGISTER,
    REGION_REGISTER,
    declared_actions,
)
from models.migrate import fresh_database
from models.region import Region
from models.roles import ROLE_LABELS_ZH, Role
from service.cli import app
from service.excel import kinds
from service.settings import get_settings
from tests import factories
from tests.conftest import BACKENDS, postgres_database
from tests.processes import database_url
from tests.service.api import workbooks
from tests.service.api.builders import PASSWORD, Side, side, user
from tests.service.api.test_accounts import accounts_workbook
from tests.service.api.test_authorization_matrix import EXPECTED_ROLES, OFFICIAL_2099, refused_role
from tests.service.api.test_programme_scope import programme_yaml

Arguments = Callable[[Session, Side, Path], list[str]]


@dataclass(frozen=True)
class CliEntry:
    command: str  # as `sanshe --help` lists it ("calendar load" for a sub-command)
    subject: str
    action: str
    arguments: Arguments


def _workbook(kind: str) -> Arguments:
    def arguments(session: Session, target: Side, folder: Path) -> list[str]:
        data = {
            kinds.ORGANISATIONS: workbooks.organisations,
            kinds.EXPERTS: workbooks.experts,
            kinds.SOCIAL_WORKERS: lambda: workbooks.social_workers(target),
            kinds.DECLARATIONS: lambda: workbooks.declarations(session, target),
        }[kind]()
        path = folder / f"{kind}.xlsx"
        path.write_bytes(data)
        return ["import", kind, str(path)]

    return arguments


def _programme(session: Session, target: Side, folder: Path) -> list[str]:
    """The side's own programme, loaded again: a coordinator loads only its region's."""
    path = folder / "programme.yaml"
    path.write_bytes(programme_yaml(target.programme))
    return ["load-programme", str(path)]


def _official_year(session: Session, target: Side, folder: Path) -> list[str]:
    path = folder / "2099.yaml"
    path.write_text(OFFICIAL_2099, encoding="utf-8")
    return ["calendar", "load", str(path)]


def _account(session: Session, target: Side, folder: Path) -> list[str]:
    name = factories.unique("cli-account")
    return ["create-user", name, "--role", "community", "--region-id", str(target.community.id), "--password", PASSWORD]


def _account_command(command: str, *, disabled: bool = False) -> Arguments:
    """`sanshe user COMMAND NAME` on a fresh community account of the side."""

    def arguments(session: Session, target: Side, folder: Path) -> list[str]:
        account = user(session, Role.COMMUNITY, region_id=target.community.id)
        account.disabled = disabled
        return ["user", command, account.username, "--reason", "矩阵测试"]

    return arguments


def _place_path(session: Session, target: Side, *names: str) -> str:
    """From the city down, as the administrator (who has no city of its own) must write it."""
    city = session.get(Region, target.programme.region_id)
    assert city is not None
    return "/".join((city.name, target.district.name, *names))


def _place_add(session: Session, target: Side, folder: Path) -> list[str]:
    return ["place", "add", _place_path(session, target, factories.unique("命令行街道")), "--email", "cli@example.cn"]


def _place_edit(session: Session, target: Side, folder: Path) -> list[str]:
    email = f"{factories.unique('street')}@example.cn"
    return ["place", "edit", _place_path(session, target, target.street.name), "--email", email]


def _accounts_import(session: Session, target: Side, folder: Path) -> list[str]:
    path = folder / "accounts.xlsx"
    path.write_bytes(accounts_workbook(session, target))
    return ["user", "import", str(path)]


ENTRIES = (
    CliEntry("import", "organisation", "register", _workbook(kinds.ORGANISATIONS)),
    CliEntry("import", "social_worker", "register", _workbook(kinds.SOCIAL_WORKERS)),
    CliEntry("import", "expert", "register", _workbook(kinds.EXPERTS)),
    CliEntry("import", "project", "declare", _workbook(kinds.DECLARATIONS)),
    CliEntry("load-programme", PROGRAMME_REGISTER.name, "load", _programme),
    CliEntry("calendar load", CALENDAR_REGISTER.name, "load", _official_year),
    CliEntry("create-user", ACCOUNT_REGISTER.name, "create", _account),
    CliEntry("user disable", ACCOUNT_REGISTER.name, "disable", _account_command("disable")),
    CliEntry("user enable", ACCOUNT_REGISTER.name, "enable", _account_command("enable", disabled=True)),
    CliEntry("user reset-password", ACCOUNT_REGISTER.name, "reset_password", _account_command("reset-password")),
    CliEntry("user import", ACCOUNT_REGISTER.name, "create", _accounts_import),
    CliEntry("place add", REGION_REGISTER.name, "add", _place_add),
    CliEntry("place edit", REGION_REGISTER.name, "edit", _place_edit),
)
# Commands that write as the system on its schedule (or set the system up), not on a user's behalf.
SYSTEM_COMMANDS = frozenset(
    {"init-db", "seed-demo", "serve", "up", "sweep", "review-reminders", "bulletin", "simulate", "deploy"}
    | {"dispatch", "mail-catcher"}
)
READ_ONLY_GROUPS = frozenset({"export"})


@pytest.fixture(scope="module", params=BACKENDS)
def world(request: pytest.FixtureRequest) -> Iterator[tuple[Engine, Side]]:
    """A fresh database with a programme, a project in implementation and a user of every role."""
    database = (
        contextmanager(postgres_database)("sanshe_cli_matrix")
        if request.param == "postgres"
        else fresh_database("sqlite", prefix="sanshe-cli-matrix")
    )
    with database as engine:
        with Session(engine, expire_on_commit=False) as session:
            target = side(session)
            session.commit()
        yield engine, target


def run(engine: Engine, arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.setenv("SANSHE_DATABASE_URL", database_url(engine))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, arguments)
    finally:
        get_settings.cache_clear()


def write_commands() -> set[str]:
    """Every command of `sanshe` (sub-commands as "group command") but the system's and the read-only groups."""
    found: set[str] = set()
    for name, command in get_command(app).commands.items():  # type: ignore[attr-defined]
        if name in SYSTEM_COMMANDS or name in READ_ONLY_GROUPS:
            continue
        children = getattr(command, "commands", None)
        found |= {f"{name} {child}" for child in children} if children else {name}
    return found


def test_every_write_command_is_a_declared_action() -> None:
    """A new command that writes for a user needs its row here, and so reaches the check."""
    assert write_commands() == {entry.command for entry in ENTRIES}
    assert {(entry.subject, entry.action) for entry in ENTRIES} <= set(EXPECTED_ROLES)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.subject}.{e.action}")
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_cli_refuses_exactly_the_roles_the_declaration_leaves_out(
    world: tuple[Engine, Side], entry: CliEntry, role: Role, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, target = world
    with Session(engine, expire_on_commit=False) as session:
        arguments = entry.arguments(session, target, tmp_path)
        session.commit()
    result = run(engine, [*arguments, "--as", target.users[role].username], monkeypatch)
    subjects = {s.name: s for s, _ in declared_actions()}
    refusal = f"{ROLE_LABELS_ZH[role]}无权执行“{declared(subjects[entry.subject], entry.action).label}”"
    if refused_role(role, entry.subject, entry.action):
        assert result.exit_code == 2, result.output
        assert refusal in result.output
    else:
        assert refusal not in result.output
        if role is Role.ADMIN:  # the administrator's every write goes through
            assert result.exit_code == 0, result.output
