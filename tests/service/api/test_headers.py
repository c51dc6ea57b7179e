"""What every answer carries besides its body: no caching of tokens, no type sniffing, a true `Allow`, a 400 for
a body that cannot be read, declared in the OpenAPI document."""

import pytest
from sqlmodel import Session

from models.roles import Role
from service.api.problems import PROBLEM_MEDIA_TYPE
from tests.service.api.builders import PASSWORD, Api, side

V1 = "/api/v1"
NEW_PASSWORD = "another-horse-battery"


def test_token_answers_are_not_stored(session: Session, api: Api) -> None:
    """Guards `SecurityHeaders` in service/api/security_headers.py (Cache-Control and Pragma on every API answer)."""
    user = side(session).users[Role.ORGANISATION]
    signed_in = api.client.post(f"{V1}/login/access-token", data={"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    changed = api.client.post(
        f"{V1}/users/me/password",
        headers={"Authorization": f"Bearer {signed_in.json()['access_token']}"},
        json={"old_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    for answer in (signed_in, changed):
        assert "access_token" in answer.json()
        assert (answer.headers["Cache-Control"], answer.headers["Pragma"]) == ("no-store", "no-cache")


def test_every_answer_forbids_type_sniffing(session: Session, api: Api) -> None:
    """Guards `SecurityHeaders` (service/api/security_headers.py) and the 500 handler outside it (problems.py)."""
    coordinator = api.headers(side(session).users[Role.CITY_COORDINATOR])

    def fails() -> None:
        raise RuntimeError("a bug")

    api.client.app.add_api_route("/fails", fails)  # type: ignore[attr-defined]
    answers = {
        "api": api.client.get(f"{V1}/users/me", headers=coordinator),
        "refusal": api.client.get(f"{V1}/users/me"),
        "not found": api.client.get(f"{V1}/no-such-thing"),
        "health": api.client.get("/health"),
        "docs": api.client.get("/docs"),
        "openapi": api.client.get("/openapi.json"),
        "static": api.client.get("/static/swagger-ui/swagger-ui.css"),
        "server error": api.client.get("/fails"),
    }
    assert answers["server error"].status_code == 500
    assert {name: answer.headers.get("X-Content-Type-Options") for name, answer in answers.items()} == {
        name: "nosniff" for name in answers
    }
    assert "Cache-Control" not in answers["static"].headers  # the vendored scripts may be cached


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("OPTIONS", f"{V1}/projects", "GET, POST"),
        ("DELETE", f"{V1}/projects", "GET, POST"),
        ("OPTIONS", f"{V1}/projects/1", "GET"),
        ("OPTIONS", f"{V1}/review-assignments/calendar-feed", "DELETE, POST"),
        ("GET", f"{V1}/review-assignments/calendar-feed", "DELETE, POST"),  # not …/{assignment_id}
        ("OPTIONS", "/health", "GET"),
    ],
)
def test_an_undeclared_method_answers_405_with_the_methods_of_the_path(
    session: Session, api: Api, method: str, path: str, allowed: str
) -> None:
    """Guards `_resource_methods` in service/api/problems.py: the router alone names the first route's methods."""
    coordinator = api.headers(side(session).users[Role.CITY_COORDINATOR])
    answer = api.client.request(method, path, headers=coordinator)
    assert (answer.status_code, answer.headers.get("Allow")) == (405, allowed), answer.text
    assert answer.headers["content-type"] == PROBLEM_MEDIA_TYPE and answer.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("body", "detail"),
    [(b'{"name": "\xff\xfe"}', "应为 UTF-8 编码的 JSON 或表单"), (b'{"name": ', "不是有效的 JSON")],
    ids=["not UTF-8", "not JSON"],
)
def test_an_unreadable_body_answers_400_as_documented(session: Session, api: Api, body: bytes, detail: str) -> None:
    """Guards service/api/problems.py: the 400 code and detail, and the 400 added to every operation with a body."""
    coordinator = api.headers(side(session).users[Role.CITY_COORDINATOR])
    answer = api.client.post(f"{V1}/regions", content=body, headers={**coordinator, "Content-Type": "application/json"})
    assert (answer.status_code, answer.headers["content-type"]) == (400, PROBLEM_MEDIA_TYPE), answer.text
    assert answer.json()["code"] == "malformed_body" and detail in answer.json()["detail"]

    operations = [
        operation
        for operations in api.client.get("/openapi.json").json()["paths"].values()
        for operation in operations.values()
    ]
    with_body = [operation for operation in operations if "requestBody" in operation]
    assert len(with_body) >= 10
    assert all("400" in operation["responses"] for operation in with_body)
    assert not [
        operation for operation in operations if "requestBody" not in operation and "400" in operation["responses"]
    ]
