"""/health reports the database, whether the deadline sweep is alive and the mail server reachable; no data."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from schedules.heartbeat import NODES, record_sweep
from service.mail.catcher import CatcherProcess
from tests import factories
from tests.service.api.builders import Api
from tests.service.mail.builders import address, dispatch, sweep_row


def test_health_reports_a_stale_sweep_and_no_programme(session: Session, api: Api) -> None:
    factories.lanzhou(session)
    body = api.client.get("/health").json()  # anonymous
    # Guards service/app.py's health(): the loaded programmes' codes are not the anonymous caller's business.
    assert set(body) == {"status", "database", "mail", "last_sweep", "sweep_stale"}
    assert "lanzhou-2022" not in api.client.get("/health").text
    assert body["database"] == "ok"
    assert (body["status"], body["sweep_stale"], body["last_sweep"]) == ("degraded", True, None)

    record_sweep(session, kind=NODES, as_of=date(2022, 7, 1), ran_at=api.clock(), due=3, claimed=2, notices=4)
    body = api.client.get("/health").json()
    assert (body["status"], body["sweep_stale"]) == ("ok", False)
    assert body["last_sweep"]["claimed"] == 2

    api.clock.now += timedelta(hours=27)  # a day and its grace without a sweep
    assert api.client.get("/health").json()["sweep_stale"] is True


def test_health_shows_a_mail_server_outage_until_a_mail_is_accepted(session: Session, api: Api, tmp_path: Path) -> None:
    """Guards dispatch_batch's `record_outage(...)` and `clear_outage(session)`, and health()'s reading of them."""
    record_sweep(session, kind=NODES, as_of=date(2022, 7, 1), ran_at=api.clock(), due=0, claimed=0, notices=0)
    assert api.client.get("/health").json()["mail"]["status"] == "ok"
    began = datetime(2022, 7, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
    sweep_row(session, template="node_overdue", address=address(), digest_key=None, now=began)
    catcher = CatcherProcess(tmp_path / "caught")  # not started yet: nothing listens on its port

    dispatch(session, catcher, now=began)
    dispatch(session, catcher, now=began + timedelta(minutes=5))
    body = api.client.get("/health").json()

    assert body["status"] == "degraded"
    assert body["mail"] == {
        "status": "unreachable",
        "since": began.isoformat(),
        "last_try": (began + timedelta(minutes=5)).isoformat(),
        "message": "邮件服务器不可达，自 2022年7月1日 09:00 起",
    }
    with catcher:
        assert dispatch(session, catcher, now=began + timedelta(minutes=10)).sent == 1
    body = api.client.get("/health").json()
    assert (body["status"], body["mail"]["status"], body["mail"]["since"]) == ("ok", "ok", None)
