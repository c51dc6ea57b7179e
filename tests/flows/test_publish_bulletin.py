"""The quarter's node-completion bulletin: counts per district, the .xlsx, one notice per office, once."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select
from sqlmodel import Session

from flows.publish_bulletin import BulletinRequest, publish_bulletin
from models.errors import RulesFailed
from models.outbox import OutboxMessage
from schedules.bulletin import BULLETIN_TEMPLATE, parse_period
from tests import factories
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import approve_node, morning, started_project


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_periods() -> None:
    assert (parse_period("2022-Q4").first, parse_period("2022-Q4").last) == (date(2022, 10, 1), date(2022, 12, 31))
    assert parse_period("2023-H1").last == date(2023, 6, 30)
    assert parse_period("2023-02").last == date(2023, 2, 28)
    with pytest.raises(RulesFailed, match="无法识别"):
        parse_period("去年")


def test_quarterly_bulletin_per_district(flow_db: Engine, tmp_path: Path) -> None:
    with Session(flow_db, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        on_time, late, silent = (
            started_project(session, programme=programme, district_name=d) for d in ("城关区", "城关区", "七里河区")
        )
        approve_node(session, on_time, factories.nodes(session, on_time.project)[0], date(2022, 12, 20))
        approve_node(session, late, factories.nodes(session, late.project)[0], date(2022, 12, 29))
        session.commit()
    request = BulletinRequest(programme="lanzhou-2022", period="2022-Q4", now=morning(date(2023, 1, 3)))

    report = publish_bulletin(request)
    rerun = publish_bulletin(request)

    assert report.as_of == date(2022, 12, 31)
    assert report.districts == [
        {"区": "七里河区", "应完成": 1, "按期完成": 0, "逾期完成": 0, "逾期未完成": 1, "最长逾期（工作日）": 3},
        {"区": "城关区", "应完成": 2, "按期完成": 1, "逾期完成": 1, "逾期未完成": 0, "最长逾期（工作日）": 0},
    ]
    assert report.notices == 2 + 3  # two district bureaus, three street offices
    assert rerun.notices == 0
    book = load_workbook(report.file)
    summary = [row for row in book["汇总"].iter_rows(min_row=3, values_only=True)]
    assert summary == [("七里河区", 1, 0, 0, 1, 3), ("城关区", 2, 1, 1, 0, 0)]
    assert len(list(book["明细"].iter_rows(min_row=2))) == 3
    with Session(flow_db) as session:
        notices = (
            session.execute(select(OutboxMessage).where(OutboxMessage.template == BULLETIN_TEMPLATE)).scalars().all()
        )
    street = next(n for n in notices if n.recipient_party == "street_office" and n.params["district"] == "七里河区")
    assert street.params["overdue_nodes"][0]["working_days_late"] == 3
    assert {n.recipient_party for n in notices} == {"district_bureau", "street_office"}
