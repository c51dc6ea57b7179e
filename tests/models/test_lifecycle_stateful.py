"""Random event sequences by random actors: the invariants of the one transition function hold.

Audit rows equal successful transitions, refused events write nothing, terminal states stay terminal,
versions grow by exactly one per transition.
"""

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models.audit import AuditEvent
from models.errors import DomainError
from models.lifecycles import NODE, PROJECT
from models.roles import Actor, Role
from service.transitions import transition
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, GOOD_PAYLOADS
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY, first_role

MOMENTS = [DECLARATION_DAY, IMPLEMENTATION_DAY]
PROJECT_EVENTS = [e.name for e in PROJECT.events] + ["no_such_event"]
NODE_EVENTS = [e.name for e in NODE.events]
# Random events alone rarely get deep into a lifecycle; these rules walk its main road, interleaved.
PROJECT_ROAD = [
    "submit",
    "confirm_eligibility",
    "open_review",
    "select",
    "contract",
    "start",
    "begin_final_evaluation",
    "accept",
]
NODE_ROAD = ["submit", "confirm", "approve"]


def next_on_road(lifecycle: Any, road: list[str], state: str) -> str | None:
    return next((e for e in road if state in lifecycle.event(e).sources), None)


class LifecycleMachine(RuleBasedStateMachine):
    engine: Engine

    def __init__(self) -> None:
        super().__init__()
        self.connection = self.engine.connect()
        self.outer = self.connection.begin()
        self.session = Session(bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        self.cast = factories.cast(self.session)
        self.outsider = Actor(
            "outsider",
            Role.DISTRICT_BUREAU,
            region_id=factories.district(self.session, self.cast.programme, "红古区").id,
        )
        self.successes: dict[tuple[str, int], int] = {}
        self.terminal_seen: dict[tuple[str, int], str] = {}

    def _fire(
        self,
        entity: Any,
        lifecycle_name: str,
        event: str,
        actor: Actor,
        *,
        stale: bool,
        good_payload: bool,
        now_index: int,
    ) -> None:
        key = (lifecycle_name, entity.id)
        before_state, before_version = entity.state, entity.version
        before_rows = row_counts(self.session)
        try:
            transition(
                self.session,
                entity,
                event,
                actor=actor,
                expected_version=entity.version - 1 if stale else entity.version,
                now=MOMENTS[now_index],
                reason="理由" if good_payload else None,
                payload=GOOD_PAYLOADS.get((lifecycle_name, event), {}) if good_payload else {},
            )
        except DomainError:
            self.session.expire_all()
            assert (entity.state, entity.version) == (before_state, before_version)
            assert row_counts(self.session) == before_rows
            return
        self.session.commit()
        assert entity.version == before_version + 1
        assert not stale and actor is not self.outsider
        self.successes[key] = self.successes.get(key, 0) + 1

    @rule(
        event=st.sampled_from(PROJECT_EVENTS),
        role=st.sampled_from(list(Role)),
        stale=st.booleans(),
        good_payload=st.booleans(),
        now_index=st.integers(0, 1),
        outsider=st.booleans(),
    )
    def fire_on_project(
        self, event: str, role: Role, stale: bool, good_payload: bool, now_index: int, outsider: bool
    ) -> None:
        actor = self.outsider if outsider else self.cast.actor(role)
        self._fire(
            self.cast.project, "project", event, actor, stale=stale, good_payload=good_payload, now_index=now_index
        )

    @rule(
        index=st.integers(0, 9),
        event=st.sampled_from(NODE_EVENTS),
        role=st.sampled_from(list(Role)),
        good_payload=st.booleans(),
    )
    def fire_on_node(self, index: int, event: str, role: Role, good_payload: bool) -> None:
        nodes = factories.nodes(self.session, self.cast.project)
        if nodes:
            self._fire(
                nodes[index % len(nodes)],
                "node",
                event,
                self.cast.actor(role),
                stale=False,
                good_payload=good_payload,
                now_index=1,
            )

    @rule()
    def advance_project(self) -> None:
        event = next_on_road(PROJECT, PROJECT_ROAD, self.cast.project.state)
        if event is not None:
            self._fire(
                self.cast.project,
                "project",
                event,
                self.cast.actor(first_role(PROJECT, event)),
                stale=False,
                good_payload=True,
                now_index=0 if event == "submit" else 1,
            )

    @rule(index=st.integers(0, 9))
    def advance_node(self, index: int) -> None:
        nodes = factories.nodes(self.session, self.cast.project)
        if nodes:
            node = nodes[index % len(nodes)]
            event = next_on_road(NODE, NODE_ROAD, node.state)
            if event is not None:
                self._fire(
                    node,
                    "node",
                    event,
                    self.cast.actor(first_role(NODE, event)),
                    stale=False,
                    good_payload=True,
                    now_index=1,
                )

    @invariant()
    def audit_rows_equal_transitions(self) -> None:
        project_rows = self.session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "project", AuditEvent.entity_id == self.cast.project.id)
        ).one()
        assert project_rows == 1 + self.successes.get(("project", self.cast.project.id), 0)  # 1: the creation
        assert self.cast.project.version == project_rows
        nodes = factories.nodes(self.session, self.cast.project)
        node_rows = dict(
            self.session.exec(
                select(AuditEvent.entity_id, func.count())
                .where(
                    AuditEvent.entity_type == "node",
                    AuditEvent.entity_id.in_([n.id for n in nodes]),  # type: ignore[attr-defined]
                )
                .group_by(AuditEvent.entity_id)
            ).all()
        )
        for node in nodes:
            assert node_rows.get(node.id, 0) == self.successes.get(("node", node.id), 0) == node.version - 1

    @invariant()
    def terminal_states_stay_terminal(self) -> None:
        entities = [("project", PROJECT, self.cast.project)] + [
            ("node", NODE, n) for n in factories.nodes(self.session, self.cast.project)
        ]
        for name, lifecycle, entity in entities:
            key = (name, entity.id)
            if key in self.terminal_seen:
                assert entity.state == self.terminal_seen[key]
            elif entity.state in lifecycle.terminal:
                self.terminal_seen[key] = entity.state

    def teardown(self) -> None:
        self.session.close()
        self.outer.rollback()
        self.connection.close()


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_event_sequences_keep_the_invariants(engine: Engine) -> None:
    machine = type("BoundLifecycleMachine", (LifecycleMachine,), {"engine": engine})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=50,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
