"""One Lanzhou 2022 project from declaration to acceptance; the audit trail tells the whole story."""

from datetime import timedelta

from sqlmodel import Session, select

from models.assignments import assign_expert
from models.audit import AuditEvent
from models.node import NodeReportVersion
from models.outbox import OutboxMessage
from models.review import ReviewAssignment, ReviewScore
from models.roles import Actor, Role
from service.transitions import transition
from tests import factories
from tests.factories import DECLARATION_DAY, GOOD_PAYLOADS
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY


def test_lanzhou_project_from_declaration_to_acceptance(session: Session) -> None:
    cast = factories.cast(session)  # a community in 城关区 and an organisation with a seed-conform team
    project = cast.project
    assert (project.state, project.total_fen) == ("draft", 30_000_000)

    def act(
        entity: object, event: str, role: Role, *, now=IMPLEMENTATION_DAY, actor=None, reason=None, payload=None
    ) -> None:
        lifecycle = {"Project": "project", "Node": "node"}.get(type(entity).__name__, "review_assignment")
        transition(
            session,
            entity,
            event,
            actor=actor or cast.actor(role),
            expected_version=entity.version,  # type: ignore[attr-defined]
            now=now,
            reason=reason,
            payload=payload if payload is not None else GOOD_PAYLOADS.get((lifecycle, event), {}),
        )
        session.commit()

    act(project, "submit", Role.ORGANISATION, now=DECLARATION_DAY)
    act(project, "confirm_eligibility", Role.DISTRICT_BUREAU, now=DECLARATION_DAY)
    act(project, "open_review", Role.CITY_COORDINATOR, now=DECLARATION_DAY)

    experts = [factories.expert(session) for _ in range(3)]
    for expert in experts:
        assignment = assign_expert(
            session,
            project=project,
            expert=expert,
            due_date=(DECLARATION_DAY + timedelta(days=10)).date(),
            actor=cast.actor(Role.CITY_COORDINATOR),
            now=DECLARATION_DAY,
        )
        expert_actor = Actor("expert", Role.EXPERT, expert_id=expert.id)
        act(assignment, "accept", Role.EXPERT, actor=expert_actor, now=DECLARATION_DAY)
        act(assignment, "submit_scores", Role.EXPERT, actor=expert_actor, now=DECLARATION_DAY)
    assert (
        session.exec(select(ReviewAssignment.state).where(ReviewAssignment.project_id == project.id)).all()
        == ["submitted"] * 3
    )
    assert len(session.exec(select(ReviewScore)).all()) >= 15

    act(project, "select", Role.CITY_COORDINATOR, now=DECLARATION_DAY)
    act(project, "contract", Role.CITY_COORDINATOR, now=DECLARATION_DAY)
    act(project, "start", Role.DISTRICT_BUREAU)
    nodes = factories.nodes(session, project)
    assert [n.kind for n in nodes][:3] == ["supervision", "supervision", "mid_term"]
    assert all(n.state == "pending" for n in nodes)

    for index, node in enumerate(nodes):
        act(node, "submit", Role.ORGANISATION)
        act(node, "confirm", Role.COMMUNITY)
        if index == 0:  # the district returns the first report once
            act(node, "return", Role.DISTRICT_BUREAU, reason="服务数据不完整，请补充个案记录")
            act(node, "resubmit", Role.ORGANISATION)
            act(node, "confirm", Role.COMMUNITY)
        act(node, "approve", Role.DISTRICT_BUREAU)
    assert {n.state for n in factories.nodes(session, project)} == {"approved"}
    first_versions = session.exec(
        select(NodeReportVersion).where(NodeReportVersion.node_id == nodes[0].id).order_by(NodeReportVersion.number)  # type: ignore[arg-type]
    ).all()
    assert [(v.number, v.review_comment is not None, v.community_opinion) for v in first_versions] == [
        (1, True, "情况属实，同意上报"),
        (2, False, "情况属实，同意上报"),
    ]

    act(project, "begin_final_evaluation", Role.DISTRICT_BUREAU)
    act(project, "accept", Role.CITY_COORDINATOR, now=factories.ACCEPTANCE_DAY)
    assert (project.state, project.version) == ("accepted", 9)

    story = session.exec(
        select(AuditEvent.event, AuditEvent.from_state, AuditEvent.to_state, AuditEvent.actor_role)
        .where(AuditEvent.entity_type == "project", AuditEvent.entity_id == project.id)
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [tuple(row) for row in story] == [
        ("create", None, "draft", "organisation"),
        ("submit", "draft", "submitted", "organisation"),
        ("confirm_eligibility", "submitted", "eligible", "district_bureau"),
        ("open_review", "eligible", "under_review", "city_coordinator"),
        ("select", "under_review", "selected", "city_coordinator"),
        ("contract", "selected", "contracted", "city_coordinator"),
        ("start", "contracted", "in_progress", "district_bureau"),
        ("begin_final_evaluation", "in_progress", "final_evaluation", "district_bureau"),
        ("accept", "final_evaluation", "accepted", "city_coordinator"),
    ]
    node_events = session.exec(
        select(AuditEvent.event)
        .where(AuditEvent.entity_type == "node", AuditEvent.entity_id == nodes[0].id)
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert node_events == ["submit", "confirm", "return", "resubmit", "confirm", "approve"]

    selected_mail = session.exec(
        select(OutboxMessage.recipient_party, OutboxMessage.recipient_address).where(
            OutboxMessage.template == "project_selected", OutboxMessage.entity_id == project.id
        )
    ).all()
    assert {party for party, _ in selected_mail} == {"organisation", "community", "street_office", "district_bureau"}
    assert all(address and address.endswith("@example.cn") for _, address in selected_mail)
