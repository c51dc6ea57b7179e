"""`sanshe import` and `sanshe export` through typer's runner, against a database file of their own."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from models.database import make_engine, session_scope
from models.migrate import upgrade_database
from models.organisation import Organisation
from models.roles import Role
from models.user import User
from service.cli import app
from service.settings import get_settings
from tests.service.excel.builders import credit_code, read_back, workbook

WORKER_HEADERS = ["姓名", "所属机构统一社会信用代码", "职业资格", "是否社会工作专业毕业"]
HEADERS = [
    "机构名称",
    "统一社会信用代码",
    "是否在民政部门登记",
    "是否具有健全的法人治理结构",
    "是否具有规章财务制度和独立银行账号",
]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "cli.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        upgrade_database(connection)
    engine.dispose()
    monkeypatch.setenv("SANSHE_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_import_then_export_organisations(database: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    codes = [credit_code(), credit_code()]
    good = tmp_path / "orgs.xlsx"
    good.write_bytes(
        workbook(HEADERS, ["阳光社工", codes[0], "是", "是", "是"], ["邻里社工", codes[1], "否", "是", "否"])
    )
    result = runner.invoke(app, ["import", "organisations", str(good)])
    assert result.exit_code == 0, result.output
    assert "新增 2 条，更新 0 条" in result.output
    assert "已读取工作表「Sheet1」：2 行" in result.output and "2 行全部无误，正在提交" in result.output

    bad = tmp_path / "bad.xlsx"
    mistyped = codes[0][:-1] + ("1" if codes[0].endswith("0") else "0")
    bad.write_bytes(
        workbook(HEADERS, ["新机构", mistyped, "是", "是", "是"], ["阳光社工", credit_code(), "是", "x", "是"])
    )
    result = runner.invoke(app, ["import", "organisations", str(bad)])
    assert result.exit_code == 2
    assert "第 2 行「统一社会信用代码」列：统一社会信用代码校验位不符" in result.output
    assert "第 3 行「机构名称」列" in result.output and "第 3 行「是否具有健全的法人治理结构」列" in result.output

    result = runner.invoke(app, ["import", "experts", str(good), "--as", "organisation", "--organisation", codes[0]])
    assert result.exit_code == 2 and "社工机构无权执行“登记评审专家”" in result.output

    workers = tmp_path / "workers.xlsx"
    workers.write_bytes(
        workbook(WORKER_HEADERS, ["张三", codes[0], "社会工作师", "是"], ["李四", codes[1], "无", "是"])
    )
    _add_organisation_user(database, "yangguang", codes[0])
    result = runner.invoke(app, ["import", "social-workers", str(workers), "--as", "yangguang"])
    assert (
        result.exit_code == 2
        and "第 3 行「所属机构统一社会信用代码」列：社工机构只能导入本机构的社会工作者" in result.output
    )

    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["export", "organisations", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_back(out.read_bytes())
    assert rows[0][:3] == ("编号", "机构名称", "统一社会信用代码")
    assert [(r[1], r[2], r[3]) for r in rows[1:]] == [("阳光社工", codes[0], "是"), ("邻里社工", codes[1], "否")]

    # The exported list goes back in refused: an import registers organisations, it does not rewrite them.
    result = runner.invoke(app, ["import", "organisations", str(out)])
    assert result.exit_code == 2 and f"统一社会信用代码 {codes[0]} 已登记" in result.output


def _add_organisation_user(database: Path, username: str, credit_code: str) -> None:
    engine = make_engine(f"sqlite:///{database}")
    with session_scope(engine) as session:
        organisation = session.exec(select(Organisation).where(Organisation.credit_code == credit_code)).one()
        session.add(
            User(
                username=username,
                hashed_password="-",
                role=Role.ORGANISATION,
                organisation_id=organisation.id,
                created_at=datetime(2022, 7, 1, tzinfo=UTC),
            )
        )
    engine.dispose()
