"""Every template the code can queue has a file and renders from the facts its real writer passes.

The names come from the declarations, both programme files' ladders, the review invitations, the
bulletin and the due-date moves; the rows come from running the writers themselves (transitions, review
assignment and extension, both sweeps, the bulletin, a node's extension and a resume's shift). Each row
is then rendered by the dispatcher's own compose code, whose templates fail on any fact a row lacks.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session

from models.lifecycles import LIFECYCLES
from models.outbox import OutboxMessage
from models.programme_loader import read_programme_file
from models.roles import Role
from schedules.bulletin import BULLETIN_TEMPLATE, parse_period, publish_bulletin
from schedules.calendar import WorkingCalendar
from schedules.ladder import node_ladder, review_ladder
from schedules.replanning import RESCHEDULED_TEMPLATE
from schedules.review_sweep import sweep_reviews
from schedules.sweep import sweep
from service.mail.compose import Undeliverable, compose, group_into_mails, parse_sender
from service.mail.facts import HIDDEN, LABELS
from service.mail.invitation import INVITATION_TEMPLATES
from service.mail.outbox_leases import ClaimedNotice
from service.mail.rendering import TEMPLATES_DIR
from service.transitions import extend_review_due_date
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.schedules.builders import extend_node, morning, project_event, started_project
from tests.service.mail.builders import PUBLIC_URL, SENDER, claimed

CAL = WorkingCalendar()
NOW = datetime(2023, 1, 3, 1, 0, tzinfo=UTC)
PROGRAMME_FILES = sorted(factories.PROGRAMMES.glob("*.yaml"))


def templates_the_code_can_queue() -> set[str]:
    declared = {n.template for lifecycle in LIFECYCLES for event in lifecycle.events for n in event.notices}
    specs = [read_programme_file(path) for path in PROGRAMME_FILES]
    laddered = {
        rung.template for spec in specs for ladder in (node_ladder(spec), review_ladder(spec)) for rung in ladder.rungs
    }
    return declared | laddered | INVITATION_TEMPLATES | {BULLETIN_TEMPLATE, RESCHEDULED_TEMPLATE}


def test_every_queued_template_has_a_file() -> None:
    assert len(PROGRAMME_FILES) == 2
    missing = sorted(t for t in templates_the_code_can_queue() if not (TEMPLATES_DIR / f"{t}.j2").is_file())
    assert missing == []


# Walks that fire every event declaring a notice, within the district quotas of one programme. A new
# event with a notice fails the test below until a walk fires it.
PROJECT_WALKS = [
    [*paths.TO_IN_PROGRESS, "suspend", "resume", "begin_final_evaluation", "require_rectification", "accept"],
    [*paths.TO_IN_PROGRESS, "begin_final_evaluation", "fail"],
    ["submit", "declare_ineligible"],
    [*paths.TO_UNDER_REVIEW, "reject"],
    ["withdraw"],
    ["terminate"],
    ["terminate_for_fraud"],
]
NODE_WALKS = [["submit", "confirm", "return", "resubmit", "confirm", "approve"], ["waive"]]
ASSIGNMENT_WALKS = [["decline"], ["accept", "withdraw"]]


def fire_every_noticed_event(session: Session) -> None:
    """Projects, nodes and review assignments along the walks, through the real transitions."""
    for walk in PROJECT_WALKS:
        paths.drive_project(session, factories.cast(session), walk)
    cast, _ = paths.in_progress_node(session)
    for node, walk in zip(factories.nodes(session, cast.project), NODE_WALKS, strict=False):
        paths.drive_node(session, cast, node, walk)
    for walk in ASSIGNMENT_WALKS:
        cast, assignment = paths.offered_assignment(session)
        paths.drive_assignment(session, cast, assignment, walk)


def assign_extend_and_sweep_a_review(session: Session) -> None:
    """An assignment (invitation), its extension (invitation again) and its ladder to the last rung."""
    cast, assignment = paths.offered_assignment(session)
    due = assignment.due_date + timedelta(days=7)
    extend_review_due_date(
        session,
        assignment=assignment,
        due_date=due,
        actor=cast.actor(Role.CITY_COORDINATOR),
        expected_version=assignment.version,
        now=factories.DECLARATION_DAY,
        reason="专家出差",
    )
    for day in (CAL.add_working_days(due, -3), CAL.add_working_days(due, 10)):
        sweep_reviews(session, as_of=day, now=morning(day))


def sweep_and_bulletin_a_late_node(session: Session, files_dir: Path) -> None:
    """A node reminded, then late to every rung; then the quarter's bulletin that lists it."""
    cast = started_project(session, district_name="七里河区")
    node = factories.nodes(session, cast.project)[0]
    for day in (CAL.add_working_days(node.due_date, -3), CAL.add_working_days(node.due_date, 10)):
        sweep(session, as_of=day, now=morning(day))
    last = CAL.add_working_days(node.due_date, 10)
    publish_bulletin(
        session,
        programme_code=cast.programme.code,
        period=parse_period(f"{node.due_date.year}-{node.due_date.month:02d}"),
        as_of=last,
        now=morning(last),
        files_dir=files_dir,
    )


def move_due_dates(session: Session) -> None:
    """A node extended (one notice), then a suspension whose resume shifts the open nodes (one digest)."""
    cast = started_project(session, district_name="安宁区")
    node = factories.nodes(session, cast.project)[0]
    extend_node(session, cast, node, node.due_date + timedelta(days=14), on=node.due_date, reason="社区疫情防控")
    project_event(session, cast, "suspend", node.due_date)
    project_event(session, cast, "resume", node.due_date + timedelta(days=14))


def vocabulary_strays(params: dict[str, Any]) -> set[str]:
    """Parameter names outside the one vocabulary of `service.mail.facts` (ids aside)."""
    names = set(params) | {name for node in params.get("overdue_nodes", []) for name in node}
    return {name for name in names if name not in LABELS and name not in HIDDEN and not name.endswith("_id")}


def test_every_queued_template_renders_from_the_rows_its_writer_queues(session: Session, tmp_path: Path) -> None:
    fire_every_noticed_event(session)
    assign_extend_and_sweep_a_review(session)
    sweep_and_bulletin_a_late_node(session, tmp_path)
    move_due_dates(session)
    rows = list(session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())  # type: ignore[arg-type]

    assert {row.template for row in rows} == templates_the_code_can_queue()
    assert {row.template: vocabulary_strays(row.params) for row in rows if vocabulary_strays(row.params)} == {}
    notices = [claimed(row) for row in rows]
    for group in group_into_mails(notices):
        mail = compose(group, sender=parse_sender(SENDER), public_url=PUBLIC_URL, now=NOW)
        subject = str(mail.message["Subject"])
        assert subject.startswith("【三社联动】") and "None" not in subject, (group[0].template, subject)
        text = mail.message.get_body(("plain",))
        assert text is not None and "None" not in str(text.get_content()), group[0].template


def test_a_template_that_prints_a_missing_fact_is_undeliverable() -> None:
    notice = ClaimedNotice(1, "review_assigned", "review_assignment", 5, "专家", "e@example.cn", {}, "<n1@x>", None, 1)
    with pytest.raises(Undeliverable, match="review_assigned.*project_title"):
        compose([notice], sender=parse_sender(SENDER), public_url=PUBLIC_URL, now=NOW)
