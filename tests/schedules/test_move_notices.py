"""A node's due date that moves is told to the organisation, in the same transaction as the move."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from models.errors import RulesFailed
from models.outbox import OutboxMessage
from models.parties import Party
from models.recipients import project_recipient
from schedules.calendar import WorkingCalendar
from schedules.replanning import RESCHEDULED_TEMPLATE
from service.mail.compose import group_into_mails
from service.mail.rendering import render_notice
from tests import factories
from tests.factories import Cast
from tests.schedules.builders import extend_node, project_event, started_project
from tests.service.mail.builders import PUBLIC_URL, claimed

CAL = WorkingCalendar()


def move_notices(session: Session, cast: Cast) -> list[OutboxMessage]:
    node_ids = [n.id for n in factories.nodes(session, cast.project)]
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.template == RESCHEDULED_TEMPLATE,
            OutboxMessage.entity_id.in_(node_ids),  # type: ignore[attr-defined]
        )
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
    )
    return list(session.execute(query).scalars())


def test_an_extension_tells_the_organisation_the_old_and_new_dates(session: Session) -> None:
    cast = started_project(session)
    node = factories.nodes(session, cast.project)[0]
    old_due = node.due_date
    new_due = CAL.add_working_days(old_due, 5)

    extend_node(session, cast, node, new_due, on=node.due_date, reason="社区换届，延期报送")

    [notice] = move_notices(session, cast)
    organisation = project_recipient(session, cast.project, Party.ORGANISATION)
    assert (notice.recipient_party, notice.recipient_name, notice.recipient_address) == (
        "organisation",
        organisation.name,
        organisation.address,
    )
    assert notice.params == {
        "project_id": cast.project.id,
        "project_title": cast.project.title,
        "node_id": node.id,
        "node_title": node.title,
        "previous_due_date": old_due.isoformat(),
        "due_date": new_due.isoformat(),
        "reason": "社区换届，延期报送",
    }
    assert notice.dedupe_key == f"event:node:{node.id}:v{node.version}:{RESCHEDULED_TEMPLATE}:organisation"
    rendered = render_notice(
        RESCHEDULED_TEMPLATE, [notice.params], recipient_name=organisation.name, public_url=PUBLIC_URL
    )
    assert rendered.subject == f"【三社联动】节点截止日期调整：{node.title}（{cast.project.title}）"
    for line in (
        f"节点：{node.title}",
        f"原截止日期：{old_due.isoformat()}",
        f"新截止日期：{new_due.isoformat()}",
        "原因：社区换届，延期报送",
    ):
        assert line in rendered.text and line in rendered.html

    # A second extension is a second move: a second notice, from the date the first one set.
    extend_node(session, cast, node, CAL.add_working_days(new_due, 3), on=new_due, reason="再次延期")
    assert [n.params["previous_due_date"] for n in move_notices(session, cast)] == [
        old_due.isoformat(),
        new_due.isoformat(),
    ]


def test_a_refused_extension_tells_nobody(session: Session) -> None:
    cast = started_project(session)
    node = factories.nodes(session, cast.project)[0]
    with pytest.raises(RulesFailed):
        extend_node(session, cast, node, node.due_date - timedelta(days=1), on=node.due_date, reason="提前")
    assert move_notices(session, cast) == []


def test_a_resume_shift_is_one_mail_listing_every_moved_node(session: Session) -> None:
    cast = started_project(session)
    before = {n.id: n.due_date for n in factories.nodes(session, cast.project)}
    project_event(session, cast, "suspend", date(2022, 12, 1))
    project_event(session, cast, "resume", date(2022, 12, 15))

    notices = move_notices(session, cast)
    after = {n.id: n.due_date for n in factories.nodes(session, cast.project)}
    moved = {node_id for node_id in before if before[node_id] != after[node_id]}
    assert moved and {n.entity_id for n in notices} == moved
    for notice in notices:
        assert notice.params["previous_due_date"] == before[notice.entity_id].isoformat()
        assert notice.params["due_date"] == after[notice.entity_id].isoformat()
        assert notice.params["reason"].startswith("项目恢复实施，顺延暂停期间的工作日")
    [mail] = group_into_mails([claimed(n) for n in notices])
    assert len(mail) == len(moved)
    rendered = render_notice(
        RESCHEDULED_TEMPLATE, [n.params for n in mail], recipient_name=mail[0].recipient_name, public_url=PUBLIC_URL
    )
    assert rendered.subject == f"【三社联动】节点截止日期调整（{len(moved)} 项）"
