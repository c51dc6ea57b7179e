"""schemathesis against the app's own OpenAPI document, signed in as the coordinator and as an organisation.

Its engine runs as `schemathesis run --checks all` does: every check (no 5xx; statuses, content types, headers and
bodies as documented; invalid input refused, valid input accepted; auth not ignored; an undeclared method answered
405 with its `Allow`) in the phases examples, coverage, fuzzing and stateful. `make test` keeps it bounded: few
fuzzed examples, and the coverage phase (every boundary the schema defines, some 3,000 requests) as the
coordinator only. `make fuzz` runs every phase for both roles with SANSHE_FUZZ_EXAMPLES examples an operation.
"""

import os

import pytest
import schemathesis
from schemathesis.engine import Status, events
from schemathesis.engine import from_schema as schemathesis_engine
from sqlmodel import Session

from models.roles import Role
from tests.service.api.builders import Api, side

FUZZ_EXAMPLES = int(os.environ.get("SANSHE_FUZZ_EXAMPLES", "0"))  # set by `make fuzz`
ROLES = (Role.CITY_COORDINATOR, Role.ORGANISATION)
# Schema-valid requests the service refuses by design: a rule the schema cannot state (422, e.g. a period that is
# not a quarter) or a file whose type, magic bytes or size do not fit (413, 415).
ACCEPTED = ["2xx", "401", "403", "404", "409", "413", "415", "422", "429"]


def _config(headers: dict[str, str], *, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "workers": 1,
            "headers": headers,
            "checks": {"enabled": True, "positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            "generation": {"max-examples": FUZZ_EXAMPLES or 3, "database": "none"},
            "phases": {"coverage": {"enabled": coverage}},
        }
    )


def _failures(schema: schemathesis.BaseSchema) -> list[str]:
    found: list[str] = []
    for event in schemathesis_engine(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.status == Status.FAILURE:
            found.extend(
                f"{event.label} [{event.phase.value}] {check.name}: {check.failure_info.failure.message}\n"
                f"{check.failure_info.code_sample}"
                for checks in event.recorder.checks.values()
                for check in checks
                if check.status == Status.FAILURE and check.failure_info is not None
            )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"{type(event).__name__}: {event}")
    return found


@pytest.mark.parametrize("role", ROLES, ids=[role.value for role in ROLES])
def test_every_operation_conforms(session: Session, api: Api, role: Role) -> None:
    """Also guards the `Allow` of service/api/problems.py (`unsupported_method`, `allow_header_conformance`)."""
    headers = api.headers(side(session).users[role])
    coverage = bool(FUZZ_EXAMPLES) or role is Role.CITY_COORDINATOR
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app, config=_config(headers, coverage=coverage))
    assert len(list(schema.get_all_operations())) >= 25
    failures = _failures(schema)
    assert not failures, f"seed {schema.config.seed}:\n" + "\n\n".join(sorted(set(failures)))
