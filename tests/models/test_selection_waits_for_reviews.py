"""`select` waits until every review assigned to the declaration is submitted, withdrawn or declined."""

from datetime import timedelta

import pytest
from sqlmodel import Session

from models.assignments import assign_expert
from models.errors import RulesFailed
from models.lifecycles import PROJECT
from models.roles import Actor, Role
from service.queries.common import state_view
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, fire
from tests.models import lifecycle_paths as paths


def test_select_needs_every_assigned_review_closed(session: Session) -> None:
    cast = factories.cast(session)
    paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
    coordinator = cast.actor(Role.CITY_COORDINATOR)
    experts = [factories.expert(session) for _ in range(3)]
    due = (DECLARATION_DAY + timedelta(days=14)).date()
    reviews = [
        assign_expert(session, project=cast.project, expert=e, due_date=due, actor=coordinator, now=DECLARATION_DAY)
        for e in experts
    ]
    scorer = Actor("expert", Role.EXPERT, expert_id=experts[0].id)
    for event in ("accept", "submit_scores"):
        fire(session, reviews[0], event, scorer, now=DECLARATION_DAY, lifecycle="review_assignment")

    def select() -> None:
        paths.drive_project(session, cast, ["select"])

    before = row_counts(session)
    with pytest.raises(RulesFailed) as refused:
        select()
    assert [v.code for v in refused.value.violations] == ["review.open_assignments"]
    assert f"尚有 2 个评审任务未提交评分或撤销（{experts[1].name}、{experts[2].name}）" in refused.value.message
    session.expire_all()
    assert row_counts(session) == before and cast.project.state == "under_review"
    offered = {
        a.event: (a.possible, a.reason)
        for a in state_view(PROJECT, cast.project, coordinator, now=DECLARATION_DAY)["allowed_actions"]
    }
    assert offered["select"][0] is False and experts[1].name in (offered["select"][1] or "")
    assert offered["reject"] == (True, None)

    fire(session, reviews[1], "withdraw", coordinator, now=DECLARATION_DAY, lifecycle="review_assignment")
    with pytest.raises(RulesFailed, match=f"尚有 1 个评审任务.*{experts[2].name}"):
        select()
    fire(
        session,
        reviews[2],
        "decline",
        Actor("expert", Role.EXPERT, expert_id=experts[2].id),
        now=DECLARATION_DAY,
        lifecycle="review_assignment",
    )
    select()
    assert cast.project.state == "selected"
