"""How to reach every state of each lifecycle through real transitions (shared by the lifecycle tests)."""

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from models.assignments import assign_expert
from models.lifecycles import NODE, PROJECT, REVIEW_ASSIGNMENT
from models.roles import Role
from tests import factories
from tests.factories import DECLARATION_DAY, Cast, fire

IMPLEMENTATION_DAY = datetime(2022, 10, 10, 9, 0, tzinfo=factories.SHANGHAI)

TO_UNDER_REVIEW = ["submit", "confirm_eligibility", "open_review"]
TO_IN_PROGRESS = TO_UNDER_REVIEW + ["select", "contract", "start"]
PROJECT_PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": ["submit"],
    "eligible": ["submit", "confirm_eligibility"],
    "ineligible": ["submit", "declare_ineligible"],
    "under_review": TO_UNDER_REVIEW,
    "selected": TO_UNDER_REVIEW + ["select"],
    "not_selected": TO_UNDER_REVIEW + ["reject"],
    "contracted": TO_UNDER_REVIEW + ["select", "contract"],
    "in_progress": TO_IN_PROGRESS,
    "suspended": TO_IN_PROGRESS + ["suspend"],
    "final_evaluation": TO_IN_PROGRESS + ["begin_final_evaluation"],
    "rectification": TO_IN_PROGRESS + ["begin_final_evaluation", "require_rectification"],
    "accepted": TO_IN_PROGRESS + ["begin_final_evaluation", "accept"],
    "failed": TO_IN_PROGRESS + ["begin_final_evaluation", "fail"],
    "withdrawn": ["withdraw"],
    "terminated": ["terminate"],
}
NODE_PATHS: dict[str, list[str]] = {
    "pending": [],
    "submitted": ["submit"],
    "confirmed_by_community": ["submit", "confirm"],
    "returned": ["submit", "confirm", "return"],
    "resubmitted": ["submit", "confirm", "return", "resubmit"],
    "approved": ["submit", "confirm", "approve"],
    "waived": ["waive"],
}
ASSIGNMENT_PATHS: dict[str, list[str]] = {
    "offered": [],
    "accepted": ["accept"],
    "declined": ["decline"],
    "submitted": ["accept", "submit_scores"],
    "withdrawn": ["withdraw"],
}


def first_role(lifecycle: Any, event: str) -> Role:
    roles = lifecycle.event(event).roles
    return sorted(roles)[0]


def drive_project(session: Session, cast: Cast, events: list[str], *, close_nodes: bool = True) -> None:
    """Fire the events in order; after `start`, close every node so that final evaluation may begin."""
    for event in events:
        now = factories.in_phase(
            session, cast.project, event, IMPLEMENTATION_DAY if event not in ("submit", "withdraw") else DECLARATION_DAY
        )
        fire(session, cast.project, event, cast.actor(first_role(PROJECT, event)), now=now, lifecycle="project")
        if event == "start" and close_nodes:
            for node in factories.nodes(session, cast.project):
                fire(session, node, "waive", cast.actor(Role.CITY_COORDINATOR), now=now, lifecycle="node")


def in_progress_node(session: Session) -> tuple[Cast, Any]:
    """A project in implementation and its first (still pending) node."""
    cast = factories.cast(session)
    drive_project(session, cast, TO_IN_PROGRESS, close_nodes=False)
    return cast, factories.nodes(session, cast.project)[0]


def drive_node(session: Session, cast: Cast, node: Any, events: list[str]) -> None:
    for event in events:
        fire(
            session,
            node,
            event,
            cast.actor(first_role(NODE, event)),
            now=IMPLEMENTATION_DAY,
            lifecycle="node",
        )


def offered_assignment(session: Session) -> tuple[Cast, Any]:
    cast = factories.cast(session)
    drive_project(session, cast, TO_UNDER_REVIEW)
    cast.experts.append(factories.expert(session))
    assignment = assign_expert(
        session,
        project=cast.project,
        expert=cast.experts[0],
        due_date=(DECLARATION_DAY + timedelta(days=14)).date(),
        actor=cast.actor(Role.CITY_COORDINATOR),
        now=DECLARATION_DAY,
    )
    return cast, assignment


def drive_assignment(session: Session, cast: Cast, assignment: Any, events: list[str]) -> None:
    for event in events:
        fire(
            session,
            assignment,
            event,
            cast.actor(first_role(REVIEW_ASSIGNMENT, event)),
            now=DECLARATION_DAY,
            lifecycle="review_assignment",
        )
