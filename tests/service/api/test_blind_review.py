"""Blind review: an expert reading an assigned declaration learns nothing that names its organisation.

The declaration's own audit trail (and the assignment's) would name the parties through actors, reasons and
details, so the experts of a blind review are refused it (403 blind_review); everyone else reads it as before.
"""

from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from models.roles import Role
from tests import factories
from tests.service.api.builders import Api, city_programme, side

V1 = "/api/v1"


def _organisation_ids(value: Any) -> list[Any]:
    """Every value under an `organisation_id` key, however deep."""
    if isinstance(value, dict):
        return [v for k, v in value.items() if k == "organisation_id"] + [
            x for v in value.values() for x in _organisation_ids(v)
        ]
    if isinstance(value, list):
        return [x for v in value for x in _organisation_ids(v)]
    return []


@pytest.mark.parametrize("blind", [True, False], ids=["blind", "open"])
def test_expert_sees_no_organisation_under_blind_review(session: Session, api: Api, blind: bool) -> None:
    world = side(session, city_programme(session, blind=blind))
    org = world.organisation
    expert = api.headers(world.users[Role.EXPERT])
    reads = {
        "detail": f"{V1}/projects/{world.project.id}",
        "list": f"{V1}/projects?programme_id={world.programme.id}",
        "assignments": f"{V1}/review-assignments",
        "assignment": f"{V1}/review-assignments/{world.assignment.id}",
    }
    bodies = {}
    for name, url in reads.items():
        response = api.client.get(url, headers=expert)
        assert response.status_code == 200, (name, response.text)
        bodies[name] = response
    assert world.project.id in {p["id"] for p in bodies["list"].json()["items"]}
    sheet = api.client.get(
        f"{V1}/projects", headers=expert, params={"programme_id": world.programme.id, "format": "xlsx"}
    )
    cells = " ".join(
        str(c) for row in load_workbook(BytesIO(sheet.content)).worksheets[0].iter_rows(values_only=True) for c in row
    )
    trails = [
        api.client.get(f"{V1}/{kind}/{entity_id}/audit", headers=expert)
        for kind, entity_id in (("projects", world.project.id), ("review-assignments", world.assignment.id))
    ]

    shown = " ".join(r.text for r in bodies.values()) + cells
    if blind:
        for text in (org.name, org.credit_code):
            assert text not in shown
        assert _organisation_ids([r.json() for r in bodies.values()]) and not any(
            _organisation_ids([r.json() for r in bodies.values()])
        )
        for trail in trails:
            assert trail.status_code == 403 and trail.headers["content-type"] == "application/problem+json"
            assert trail.json()["code"] == "blind_review" and "盲评" in trail.json()["detail"]
            assert org.name not in trail.text and org.credit_code not in trail.text
    else:  # the same reads name the organisation when the review is open: the check above can see a leak
        assert org.name in bodies["detail"].text and org.name in cells
        assert bodies["detail"].json()["organisation_id"] == org.id
        assert [t.status_code for t in trails] == [200, 200]

    # Blindness is for the experts only: the coordinator reads the organisation and the trail either way.
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    assert api.client.get(reads["detail"], headers=coordinator).json()["organisation_name"] == org.name
    assert api.client.get(f"{V1}/projects/{world.project.id}/audit", headers=coordinator).status_code == 200


@pytest.mark.parametrize("blind", [True, False], ids=["blind", "open"])
def test_an_expert_learns_no_organisation_or_team_by_filter_or_detail(session: Session, api: Api, blind: bool) -> None:
    """Guards `_of_organisation` (the list's organisation filter) and the team left out in `project_detail`
    (`service/queries/projects.py`)."""
    world = side(session, city_programme(session, blind=blind))
    expert = api.headers(world.users[Role.EXPERT])
    stranger = factories.organisation(session)
    session.flush()

    def listed(**params: object) -> tuple[list[int], int]:
        answer = api.client.get(f"{V1}/projects", headers=expert, params={"programme_id": world.programme.id, **params})
        assert answer.status_code == 200, answer.text
        return [p["id"] for p in answer.json()["items"]], answer.json()["total"]

    everything = listed()
    assert world.project.id in everything[0]
    by_own, by_stranger = listed(organisation_id=world.organisation.id), listed(organisation_id=stranger.id)
    read = api.client.get(f"{V1}/projects/{world.project.id}", headers=expert)
    detail = read.json()
    if blind:  # the same answer whichever organisation is named: neither rows nor total tell it
        assert by_own == by_stranger == everything
        assert detail["team"] == [] and world.worker.name not in read.text
    else:
        assert by_own == everything and by_stranger == ([], 0)
        assert world.worker.id in {member["social_worker_id"] for member in detail["team"]}

    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    answer = api.client.get(
        f"{V1}/projects",
        headers=coordinator,
        params={"programme_id": world.programme.id, "organisation_id": stranger.id},
    )
    assert answer.json()["total"] == 0  # the filter is the coordinator's as before
    team = api.client.get(f"{V1}/projects/{world.project.id}", headers=coordinator).json()["team"]
    assert world.worker.id in {member["social_worker_id"] for member in team}
