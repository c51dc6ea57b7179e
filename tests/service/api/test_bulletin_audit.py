"""Publishing a bulletin on demand leaves an audit row: who published which programme's period, as of when."""

from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.roles import Role
from tests import factories
from tests.service.api.builders import Api, side

V1 = "/api/v1"


def bulletin_audits(session: Session, programme_id: int) -> list[AuditEvent]:
    session.expire_all()
    query = select(AuditEvent).where(AuditEvent.entity_type == "bulletin", AuditEvent.entity_id == programme_id)
    return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def test_each_publication_writes_an_audit_row_and_a_refused_one_none(session: Session, api: Api) -> None:
    """Guards the `record_audit` call in `service.commands.bulletins.publish_on_demand`."""
    world = side(session)
    assert world.programme.id is not None
    api.clock.now = factories.DECLARATION_DAY.replace(year=2023, month=1, day=3)
    coordinator = world.users[Role.CITY_COORDINATOR]
    body = {"programme_id": world.programme.id, "period": "2022-Q4"}

    refused = api.client.post(f"{V1}/bulletins", headers=api.headers(world.users[Role.DISTRICT_BUREAU]), json=body)
    assert refused.status_code == 403
    assert bulletin_audits(session, world.programme.id) == []

    first = api.client.post(f"{V1}/bulletins", headers=api.headers(coordinator), json=body)
    assert first.status_code == 201, first.text
    again = api.client.post(f"{V1}/bulletins", headers=api.headers(coordinator), json={**body, "as_of": "2022-12-15"})
    assert again.status_code == 201, again.text

    audits = bulletin_audits(session, world.programme.id)
    assert [(a.event, a.from_state, a.to_state) for a in audits] == [("publish", None, "published")] * 2
    assert {(a.actor_id, a.actor_role) for a in audits} == {(coordinator.username, "city_coordinator")}
    assert audits[0].at == api.clock.now
    assert audits[0].details == {
        "programme_code": world.programme.code,
        "period": "2022-Q4",
        "first": "2022-10-01",
        "last": "2022-12-31",
        "as_of": "2022-12-31",
        "file": f"{world.programme.code}-2022-Q4.xlsx",
        "notices_queued": 2,
    }
    assert (audits[1].details["as_of"], audits[1].details["notices_queued"]) == ("2022-12-15", 0)  # told once only
