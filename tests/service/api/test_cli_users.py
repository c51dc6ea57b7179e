"""`sanshe create-user` and `sanshe user …` write accounts that can then sign in (or no longer can)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from models.audit import AuditEvent
from models.database import make_engine
from models.migrate import upgrade_database
from models.user import User
from service.auth import authenticate
from service.cli import users as cli_users
from service.excel import kinds
from service.settings import get_settings
from tests.factories import unique
from tests.service.excel.builders import workbook


@pytest.fixture
def cli_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """On a database file of its own: the command finds its database by URL, as in production."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    built = make_engine(url)
    with built.begin() as connection:
        upgrade_database(connection)
    monkeypatch.setenv("SANSHE_DATABASE_URL", url)
    get_settings.cache_clear()
    yield built
    get_settings.cache_clear()
    built.dispose()


def test_create_user_then_sign_in(cli_engine: Engine) -> None:
    app = typer.Typer()
    cli_users.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `create-user` a named subcommand
    name = unique("admin-")
    try:
        ok = CliRunner().invoke(app, ["create-user", name, "--role", "admin", "--password", "s3cret-pass"])
        bad = CliRunner().invoke(
            app, ["create-user", unique("d-"), "--role", "district_bureau", "--password", "s3cret-pass"]
        )
    finally:
        get_settings.cache_clear()
    assert ok.exit_code == 0, ok.output
    assert "已创建账号" in ok.output
    assert bad.exit_code == 2 and "所辖地区" in bad.output
    with Session(cli_engine) as session:
        assert authenticate(session, username=name, password="s3cret-pass") is not None
        assert authenticate(session, username=name, password="wrong-pass") is None
        assert session.exec(select(User).where(User.username == name)).one().role.value == "admin"


def _one_time(output: str) -> str:
    """The password a command shows once, after “一次性密码：”."""
    return output.split("一次性密码：", 1)[1].split("（", 1)[0].strip()


def test_user_commands_disable_enable_reset_and_import(cli_engine: Engine, tmp_path: Path) -> None:
    app = typer.Typer()
    cli_users.register(app)
    name, imported = unique("admin-"), unique("imported-")
    sheet = tmp_path / "accounts.xlsx"
    headers = [column.header for column in kinds.ACCOUNT_COLUMNS]
    sheet.write_bytes(workbook(headers, [imported, "导入的管理员", "系统管理员", None, None, None]))
    runner = CliRunner()
    try:
        created = runner.invoke(app, ["create-user", name, "--role", "admin"])
        disabled = runner.invoke(app, ["user", "disable", name, "--reason", "离职"])
        again = runner.invoke(app, ["user", "disable", name])
        enabled = runner.invoke(app, ["user", "enable", name])
        reset = runner.invoke(app, ["user", "reset-password", name])
        unknown = runner.invoke(app, ["user", "reset-password", unique("nobody-")])
        loaded = runner.invoke(app, ["user", "import", str(sheet)])
    finally:
        get_settings.cache_clear()
    for result in (created, disabled, enabled, reset, loaded):
        assert result.exit_code == 0, result.output
    assert again.exit_code == 2 and "已停用" in again.output
    assert unknown.exit_code == 2 and "没有用户名为" in unknown.output
    first = _one_time(created.output)
    with Session(cli_engine) as session:
        assert authenticate(session, username=name, password=first) is None  # reset since
        after_reset = authenticate(session, username=name, password=_one_time(reset.output))
        assert after_reset is not None and after_reset.must_change_password
        password = loaded.output.strip().splitlines()[-1].split("\t")[-1]
        account = authenticate(session, username=imported, password=password)
        assert account is not None and account.display_name == "导入的管理员" and account.must_change_password
        events = session.exec(
            select(AuditEvent.event, AuditEvent.reason)
            .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == after_reset.id)
            .order_by(col(AuditEvent.id))
        ).all()
    assert [tuple(row) for row in events] == [
        ("create", None),
        ("disable", "离职"),
        ("enable", None),
        ("reset_password", None),
    ]
