"""Every (state, event) pair of every lifecycle: it moves as declared, or is refused and writes nothing."""

from typing import Any

import pytest
from sqlmodel import Session

from models.errors import EventNotAllowedInState
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.statemachine import Lifecycle
from service.transitions import transition
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import GOOD_PAYLOADS as FACTORY_PAYLOADS
from tests.models import lifecycle_paths as paths

# The extensions move a due date far enough to be later than any planned one.
GOOD_PAYLOADS = {
    **FACTORY_PAYLOADS,
    ("node", "extend"): {"due_date": "2030-06-28"},
    ("review_assignment", "extend_due_date"): {"due_date": "2030-06-28"},
}
EVERY_PATH = {
    "project": paths.PROJECT_PATHS,
    "node": paths.NODE_PATHS,
    "review_assignment": paths.ASSIGNMENT_PATHS,
}


@pytest.mark.parametrize("lifecycle", [PROJECT, NODE, REVIEW_ASSIGNMENT], ids=lambda lc: lc.name)
def test_every_state_has_a_path(lifecycle: Lifecycle) -> None:
    assert set(EVERY_PATH[lifecycle.name]) == set(lifecycle.states)


def _entity_in_state(session: Session, lifecycle: Lifecycle, state: str) -> tuple[Any, Any]:
    if lifecycle is PROJECT:
        cast = paths.factories.cast(session)
        paths.drive_project(session, cast, paths.PROJECT_PATHS[state])
        return cast, cast.project
    if lifecycle is NODE:
        cast, node = paths.in_progress_node(session)
        paths.drive_node(session, cast, node, paths.NODE_PATHS[state])
        return cast, node
    cast, assignment = paths.offered_assignment(session)
    paths.drive_assignment(session, cast, assignment, paths.ASSIGNMENT_PATHS[state])
    return cast, assignment


CASES = [(lifecycle, state) for lifecycle in (PROJECT, NODE, REVIEW_ASSIGNMENT) for state in lifecycle.states]


@pytest.mark.parametrize(("lifecycle", "state"), CASES, ids=[f"{lc.name}-{s}" for lc, s in CASES])
def test_each_event_from_state(session: Session, lifecycle: Lifecycle, state: str) -> None:
    cast, entity = _entity_in_state(session, lifecycle, state)
    assert entity.state == state
    for event in lifecycle.events:
        actor = cast.actor(paths.first_role(lifecycle, event.name))
        before_counts = row_counts(session)
        before = (entity.state, entity.version)
        savepoint = session.begin_nested()
        try:
            if state in event.sources:
                moved = transition(
                    session,
                    entity,
                    event.name,
                    actor=actor,
                    expected_version=entity.version,
                    now=factories.in_phase(
                        session,
                        entity,
                        event.name,
                        paths.IMPLEMENTATION_DAY if event.name not in ("submit", "withdraw") else paths.DECLARATION_DAY,
                    ),
                    reason="理由",
                    payload=GOOD_PAYLOADS.get((lifecycle.name, event.name), {}),
                ).entity
                assert (moved.state, moved.version) == (event.target_from(state), before[1] + 1), event.name
                assert row_counts(session)["auditevent"] == before_counts["auditevent"] + 1
            else:
                with pytest.raises(EventNotAllowedInState) as refused:
                    transition(
                        session,
                        entity,
                        event.name,
                        actor=actor,
                        expected_version=entity.version,
                        now=paths.IMPLEMENTATION_DAY,
                        reason="理由",
                        payload=GOOD_PAYLOADS.get((lifecycle.name, event.name), {}),
                    )
                assert event.label in refused.value.message
                assert row_counts(session) == before_counts
                assert (entity.state, entity.version) == before
        finally:
            savepoint.rollback()
            session.expire_all()
