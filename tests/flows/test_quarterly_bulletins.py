"""The registry's quarterly bulletin: on a quarter's first working day, every programme with nodes due in the
quarter before gets its bulletin; any other day the scheduled run publishes nothing."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from flows.publish_bulletin import QuarterlyBulletinRequest, publish_quarterly_bulletins
from models.programme_loader import load_programme
from schedules.registry import job
from tests import factories
from tests.flows.deadline_db import fresh_flow_database
from tests.schedules.builders import morning, started_project


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


def test_the_first_working_day_of_a_quarter_publishes_the_quarter_before(flow_db: Engine) -> None:
    with Session(flow_db, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        started_project(session, programme=programme, district_name="城关区")
        load_programme(session, factories.PROGRAMMES / "anhui-2017.yaml", now=factories.DECLARATION_DAY)  # nothing due
        session.commit()

    day = date(2023, 1, 3)  # 1 January a Sunday, 2 January the observed 元旦 holiday
    report = publish_quarterly_bulletins(QuarterlyBulletinRequest(as_of=day, now=morning(day)))
    quiet = publish_quarterly_bulletins(QuarterlyBulletinRequest(as_of=date(2023, 1, 4), now=morning(day)))

    assert (report.as_of, report.periods) == (day, ["2022-Q4"])
    assert [(b.programme, b.period, b.as_of) for b in report.bulletins] == [
        ("lanzhou-2022", "2022-Q4", date(2022, 12, 31))
    ]
    assert Path(report.bulletins[0].file).is_file() and report.bulletins[0].notices == 2  # 城关区's bureau and street
    assert (quiet.periods, quiet.bulletins) == ([], [])
    scheduled = job("publish-quarterly-bulletins")
    assert scheduled.cron == "0 8 1-10 1,4,7,10 *" and scheduled.followed_by == ("dispatch-notifications",)


def test_a_run_after_the_clock_passed_first_working_days_catches_up(flow_db: Engine) -> None:
    """Set forward from mid-December to late April: Q4 and Q1 were each due on a day the service never saw."""
    with Session(flow_db, expire_on_commit=False) as session:
        programme = factories.lanzhou(session)
        started_project(session, programme=programme, district_name="城关区")
        session.commit()

    day = date(2023, 4, 20)
    report = publish_quarterly_bulletins(
        QuarterlyBulletinRequest(as_of=day, since=date(2022, 12, 15), now=morning(day))
    )
    again = publish_quarterly_bulletins(QuarterlyBulletinRequest(as_of=day, now=morning(day)))

    assert report.periods == ["2022-Q4", "2023-Q1"]
    assert [(b.period, b.as_of) for b in report.bulletins] == [
        ("2022-Q4", date(2022, 12, 31)),
        ("2023-Q1", date(2023, 3, 31)),
    ]
    assert again.periods == []  # without `since`, a day that is no quarter's first working day publishes nothing
