"""schemathesis against the app's own OpenAPI document: no 5xx, and every answer matches the document."""

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from models.roles import Role
from tests.service.api.builders import Api, side

MAX_EXAMPLES = 6
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def coordinator_api(session: Session, api: Api) -> Iterator[tuple[Api, dict[str, str]]]:
    world = side(session)
    yield api, api.headers(world.users[Role.CITY_COORDINATOR])


def test_every_operation_conforms(coordinator_api: tuple[Api, dict[str, str]]) -> None:
    api, headers = coordinator_api
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        conforms()
