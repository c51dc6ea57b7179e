"""Request bodies are bounded before they are read (issue 11, finding 11)."""

import json
from collections.abc import Iterator

from sqlmodel import Session

from models.roles import Role
from service.files import MIB, OTHER_REQUEST_BYTES, UPLOAD_REQUEST_BYTES
from tests import factories
from tests.service.api.builders import Api, side
from tests.service.api.test_accounts import _refused

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _street(api: Api, headers: dict[str, str], district_id: int, name: str) -> list[str]:
    detail = api.client.get(f"{V1}/regions/{district_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    return [child["name"] for child in detail.json()["children"] if child["name"] == name]


def test_a_50_mb_json_body_is_refused_with_413_before_the_route_runs(session: Session, api: Api) -> None:
    """Guards the Content-Length check of `BodyLimit` (service/api/body_limit.py): without it this valid
    request (an unknown field is ignored) is read whole and the street is added."""
    world = side(session)
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    name = factories.unique("街道")
    body = json.dumps({"parent_id": world.district.id, "name": name, "padding": "x" * (50 * MIB)})

    answer = api.client.post(f"{V1}/regions", headers={**district, "Content-Type": "application/json"}, content=body)

    problem = _refused(answer, 413, "body_too_large")
    assert f"{OTHER_REQUEST_BYTES // MIB} MB" in problem["detail"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert _street(api, district, world.district.id, name) == []


def test_a_chunked_body_is_counted_and_refused_past_the_limit(session: Session, api: Api) -> None:
    """Guards `bounded_receive` of `BodyLimit`: a body sent without Content-Length is counted as it arrives."""
    world = side(session)
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    name = factories.unique("街道")
    head = json.dumps({"parent_id": world.district.id, "name": name, "padding": ""})[:-2]

    def chunks() -> Iterator[bytes]:
        yield head.encode()
        for _ in range(2 * OTHER_REQUEST_BYTES // (64 * 1024)):
            yield b"x" * (64 * 1024)
        yield b'"}'

    answer = api.client.post(
        f"{V1}/regions", headers={**district, "Content-Type": "application/json"}, content=chunks()
    )

    assert "content-length" not in {k.lower() for k in answer.request.headers}
    _refused(answer, 413, "body_too_large")
    assert _street(api, district, world.district.id, name) == []


def test_an_upload_over_the_request_cap_is_refused_before_it_is_read(session: Session, api: Api) -> None:
    """Guards the multipart limit of `BodyLimit`: the answer comes from it, not from the route's `read_upload`."""
    world = side(session)
    bureau = api.headers(world.users[Role.DISTRICT_BUREAU])
    data = b"PK\x03\x04" + b"\0" * UPLOAD_REQUEST_BYTES

    answer = api.client.post(f"{V1}/imports/places", headers=bureau, files={"file": ("区划.xlsx", data, XLSX)})

    problem = _refused(answer, 413, "upload_too_large")
    assert problem["detail"].startswith(f"上传的请求超过 {UPLOAD_REQUEST_BYTES // MIB} MB 的上限")


def test_bodies_under_the_limits_are_answered_by_their_routes(session: Session, api: Api) -> None:
    world = side(session)
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    name = factories.unique("街道")

    added = api.client.post(f"{V1}/regions", headers=district, json={"parent_id": world.district.id, "name": name})

    assert added.status_code == 201, added.text
    assert _street(api, district, world.district.id, name) == [name]
