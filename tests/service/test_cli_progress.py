"""The long deadline commands say how far they have got on stderr and keep their summary on stdout."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner, Result

from service.cli import deadlines, mail
from service.mail.catcher import CatcherProcess
from service.settings import get_settings
from tests import factories
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import started_project


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A database file of its own, two projects in implementation: the commands find it by URL."""
    for engine in fresh_flow_database(tmp_path, monkeypatch):
        with Session(engine) as session:
            programme = factories.lanzhou(session)
            for district in ("城关区", "七里河区"):
                started_project(session, programme=programme, district_name=district)
            session.commit()
        yield engine


def invoke(*args: str) -> Result:
    app = typer.Typer()
    deadlines.register(app)
    mail.register(app)
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def test_direct_sweep_shows_each_batch_then_the_summary(cli_db: Engine) -> None:
    result = invoke("sweep", "--direct", "--as-of", "2023-01-16", "--batch-size", "1")

    # Both nodes are 10 working days late at the first sweep: only the highest rung is told (catch-up policy).
    assert "督办 2023-01-16：第 1/2 批完成，已排队通知 1 条" in result.stderr
    assert "督办 2023-01-16：第 2/2 批完成，已排队通知 2 条" in result.stderr
    assert result.stdout.splitlines()[0] == "2023-01-16：到期节点 2 个，分 2 批，新升级 2 级次，通知 2 条"
    assert "  城关区：late-10 1" in result.stdout


def test_simulation_shows_the_days_then_dispatch_the_mails(cli_db: Engine, tmp_path: Path) -> None:
    simulated = invoke("simulate", "--programme", "lanzhou-2022", "--from", "2023-01-01", "--until", "2023-02-03")

    assert "已模拟 31/34 天（至 2023-01-31）" in simulated.stderr
    assert simulated.stderr.rstrip().endswith("已模拟 34/34 天（至 2023-02-03）")
    assert simulated.stdout.splitlines()[:3] == [  # the days a rung fired, each rung once
        "2023-01-01：七里河区 late-1×1, 城关区 late-1×1",
        "2023-01-04：七里河区 late-5×1, 城关区 late-5×1",
        "2023-01-11：七里河区 late-10×1, 城关区 late-10×1",
    ]
    assert simulated.stdout.rstrip().endswith("模拟完成：2023-01-01 → 2023-02-03")

    with CatcherProcess(tmp_path / "caught") as catcher:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("SANSHE_SMTP_PORT", str(catcher.port))
            get_settings.cache_clear()
            sent = invoke("dispatch", "--batch-size", "3")
    lines = [line for line in sent.stderr.splitlines() if line.startswith("已处理")]  # running totals
    assert lines[0].startswith("已处理 1 批：") and len(lines) >= 2
    summary = re.match(r"发出 (\d+) 封邮件：(\d+) 条通知已发送", sent.stdout)
    assert summary is not None and int(summary[1]) > 0
    assert lines[-1].endswith(f"发出 {summary[1]} 封邮件，{summary[2]} 条通知已发送")
