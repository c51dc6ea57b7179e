"""The programme clock over HTTP: read by everyone, set forward by the coordinator in simulation mode only; the
service then lives on it (deadlines, windows, audit rows) while signing in keeps the wall clock."""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from models.roles import Role
from tests import factories
from tests.service.api.builders import Api, api_on, side

V1 = "/api/v1"
WALL = datetime(2026, 12, 1, 10, 0, tzinfo=factories.SHANGHAI)


@pytest.fixture
def simulation(session: Session, tmp_path: Path) -> Iterator[Api]:
    with api_on(session.connection(), tmp_path / "files", WALL, simulated_clock=True, mode="dev") as built:
        yield built


def _set(api: Api, headers: dict[str, str], to: datetime, version: int, **extra: Any) -> Any:
    return api.client.post(
        f"{V1}/clock", headers=headers, json={"to": to.isoformat(), "expected_version": version, **extra}
    )


def test_outside_simulation_the_clock_is_the_wall_clock_and_cannot_be_set(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    shown = api.client.get(f"{V1}/clock", headers=coordinator).json()
    assert (shown["simulated"], shown["version"], shown["today"]) == (False, 0, str(factories.DECLARATION_DAY.date()))
    refused = _set(api, coordinator, factories.DECLARATION_DAY + timedelta(days=30), 0)
    assert refused.status_code == 409 and refused.json()["code"] == "clock.not_simulated"
    assert "真实时间" in refused.json()["detail"]


def test_the_coordinator_sets_the_clock_forward_and_the_service_lives_on_it(session: Session, simulation: Api) -> None:
    api = simulation
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    organisation = api.headers(world.users[Role.ORGANISATION])
    assert api.client.get(f"{V1}/clock", headers=organisation).json()["today"] == str(WALL.date())

    refused = _set(api, organisation, factories.DECLARATION_DAY, 0)
    assert refused.status_code == 403 and "市民政局" in refused.json()["detail"]

    # The first setting starts the simulation anywhere, here in Lanzhou 2022's declaration window; then only forward.
    started = _set(api, coordinator, factories.DECLARATION_DAY, 0, reason="演示：从申报期开始")
    assert started.status_code == 200, started.text
    assert (started.json()["today"], started.json()["version"], started.json()["catch_up"]) == ("2022-07-01", 1, [])
    backwards = _set(api, coordinator, factories.DECLARATION_DAY - timedelta(days=1), 1)
    assert backwards.status_code == 422 and "只能向前拨" in backwards.json()["detail"]

    target = datetime(2022, 10, 10, 9, 0, tzinfo=factories.SHANGHAI)
    moved = _set(api, coordinator, target, 1, reason="演示：进入实施期")
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert (body["today"], body["version"], body["simulated"]) == ("2022-10-10", 2, True)
    assert [(run["job"], run["as_of"], run["since"]) for run in body["catch_up"]] == [
        ("enforce-deadlines", "2022-10-10", None),  # once, as of the last day passed: the catch-up policy does the rest
        ("review-reminders", "2022-10-10", None),
        ("publish-quarterly-bulletins", "2022-10-10", "2022-07-01"),  # every quarter's first working day passed
    ]
    assert body["catch_up_started"] is False  # no scheduler runs in this app

    api.clock.now = WALL + timedelta(minutes=30)  # the stored clock runs on at the wall clock's pace
    shown = api.client.get(f"{V1}/clock", headers=api.headers(world.users[Role.ORGANISATION])).json()
    assert datetime.fromisoformat(shown["now"]) == target + timedelta(minutes=30)
    assert shown["set_by"] == world.users[Role.CITY_COORDINATOR].username
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    organisation = api.headers(world.users[Role.ORGANISATION])

    stale = _set(api, coordinator, target + timedelta(days=5), 1)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"

    # The domain follows: a node's audit row and the health heartbeat read the stored clock, not the wall clock.
    node = api.client.get(f"{V1}/nodes/{world.node.id}", headers=organisation).json()
    submitted = api.client.post(
        f"{V1}/nodes/{world.node.id}/actions/submit",
        headers=organisation,
        json={"expected_version": node["version"], "payload": {"summary": "本期开展个案 12 个"}},
    )
    assert submitted.status_code == 200, submitted.text
    trail = api.client.get(f"{V1}/nodes/{world.node.id}/audit", headers=organisation).json()
    assert datetime.fromisoformat(trail[-1]["at"]).astimezone(factories.SHANGHAI).date() == date(2022, 10, 10)


def test_signing_in_keeps_the_wall_clock(session: Session, simulation: Api) -> None:
    """A clock set a year forward signs nobody out: tokens expire by the wall clock."""
    api = simulation
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    assert _set(api, coordinator, WALL + timedelta(days=365), 0).status_code == 200
    assert api.client.get(f"{V1}/users/me", headers=coordinator).status_code == 200
