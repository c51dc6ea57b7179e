"""/health reports the database, the loaded programmes and whether the deadline sweep is alive."""

from datetime import date, timedelta

from sqlmodel import Session

from schedules.heartbeat import NODES, record_sweep
from tests import factories
from tests.service.api.builders import Api


def test_health_reports_programmes_and_a_stale_sweep(session: Session, api: Api) -> None:
    factories.lanzhou(session)
    body = api.client.get("/health").json()
    assert body["database"] == "ok" and "lanzhou-2022" in body["programmes"]
    assert (body["status"], body["sweep_stale"], body["last_sweep"]) == ("degraded", True, None)

    record_sweep(session, kind=NODES, as_of=date(2022, 7, 1), ran_at=api.clock(), due=3, claimed=2, notices=4)
    body = api.client.get("/health").json()
    assert (body["status"], body["sweep_stale"]) == ("ok", False)
    assert body["last_sweep"]["claimed"] == 2

    api.clock.now += timedelta(hours=27)  # a day and its grace without a sweep
    assert api.client.get("/health").json()["sweep_stale"] is True
