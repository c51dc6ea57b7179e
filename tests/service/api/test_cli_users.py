"""`sanshe create-user` writes a user that can then sign in through the API."""

from pathlib import Path

import pytest
import typer
from sqlmodel import Session, select
from typer.testing import CliRunner

from models.database import make_engine
from models.migrate import upgrade_database
from models.user import User
from service.auth import authenticate
from service.cli import users as cli_users
from service.settings import get_settings
from tests.factories import unique


def test_create_user_then_sign_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a database file of its own: the command finds its database by URL, as in production."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade_database(connection)
    monkeypatch.setenv("SANSHE_DATABASE_URL", url)
    get_settings.cache_clear()
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
    with Session(engine) as session:
        assert authenticate(session, username=name, password="s3cret-pass") is not None
        assert authenticate(session, username=name, password="wrong-pass") is None
        assert session.exec(select(User).where(User.username == name)).one().role.value == "admin"
    engine.dispose()
