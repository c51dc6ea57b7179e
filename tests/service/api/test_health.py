"""/health reports the database and whether the deadline sweep is alive, and nothing of the data to anyone."""

from datetime import date, timedelta

from sqlmodel import Session

from schedules.heartbeat import NODES, record_sweep
from tests import factories
from tests.service.api.builders import Api


def test_health_reports_a_stale_sweep_and_no_programme(session: Session, api: Api) -> None:
    factories.lanzhou(session)
    body = api.client.get("/health").json()  # anonymous
    # Guards service/app.py's health(): the loaded programmes' codes are not the anonymous caller's business.
    assert set(body) == {"status", "database", "last_sweep", "sweep_stale"}
    assert "lanzhou-2022" not in api.client.get("/health").text
    assert body["database"] == "ok"
    assert (body["status"], body["sweep_stale"], body["last_sweep"]) == ("degraded", True, None)

    record_sweep(session, kind=NODES, as_of=date(2022, 7, 1), ran_at=api.clock(), due=3, claimed=2, notices=4)
    body = api.client.get("/health").json()
    assert (body["status"], body["sweep_stale"]) == ("ok", False)
    assert body["last_sweep"]["claimed"] == 2

    api.clock.now += timedelta(hours=27)  # a day and its grace without a sweep
    assert api.client.get("/health").json()["sweep_stale"] is True
