"""The sweep words, addresses and keys its notices in SQL: each row says what the rules in Python say."""

from sqlalchemy import select
from sqlmodel import Session

from models.notices import escalation_key, outbox_row, sweep_digest_key
from models.outbox import OutboxMessage, OutboxStatus
from models.parties import Party
from models.recipients import project_recipient
from models.region import RegionLevel
from models.region_tree import ensure_region
from schedules.calendar import WorkingCalendar
from schedules.ladder import node_ladder
from schedules.sweep import sweep
from tests import factories
from tests.schedules.builders import morning, started_project

CAL = WorkingCalendar()


def test_each_notice_matches_the_rules_in_python(session: Session) -> None:
    programme = factories.lanzhou(session)
    plain = started_project(session, programme=programme, district_name="七里河区")
    streetless = started_project(session, programme=programme, district_name="西固区")
    # A community right under its district: no street office to tell, the notice says so.
    district = factories.district(session, programme, "西固区")
    community = ensure_region(
        session, name="无街道社区", level=RegionLevel.COMMUNITY, parent=district, contact_email="streetless@example.cn"
    )
    streetless.project.community_id = community.id  # type: ignore[assignment]
    session.flush()
    first = {cast.project.id: factories.nodes(session, cast.project)[0] for cast in (plain, streetless)}
    due = {node.due_date for node in first.values()}
    assert len(due) == 1
    ladder, due_date = node_ladder(programme.parsed_spec()), due.pop()
    rung_days = {rung.code: CAL.add_working_days(due_date, rung.offset_working_days) for rung in ladder.rungs}

    for day in rung_days.values():  # each rung on its own day: none is caught up (skipped)
        sweep(session, as_of=day, now=morning(day))

    rows = (
        session.execute(
            select(OutboxMessage).where(
                OutboxMessage.entity_id.in_([n.id for n in first.values()]),  # type: ignore[attr-defined]
                OutboxMessage.dedupe_key.like("escalation:%"),  # type: ignore[union-attr]
            )
        )
        .scalars()
        .all()
    )
    labels = {rung.code: rung.label for rung in ladder.rungs}
    assert labels["reminder"] == "到期前3个工作日提醒" and labels["late-5"] == "逾期5个工作日"
    seen = set()
    for row in rows:
        project_id = row.params["project_id"]
        node = first[project_id]
        project = plain.project if project_id == plain.project.id else streetless.project
        rung = row.params["rung_code"]
        day = rung_days[rung]
        party = Party(row.recipient_party)
        recipient = project_recipient(session, project, party)
        assert (row.recipient_name, row.recipient_address) == (recipient.name, recipient.address)
        assert row.params == {
            "project_id": project.id,
            "project_title": project.title,
            "district": "七里河区" if project is plain.project else "西固区",
            "node_id": node.id,
            "node_kind": node.kind,
            "node_title": node.title,
            "due_date": node.due_date.isoformat(),
            "working_days_late": max(0, CAL.working_days_between(node.due_date, day)),
            "working_days_left": max(0, CAL.working_days_between(day, node.due_date)),
            "rung_code": rung,
            "rung_label": labels[rung],
            "as_of": day.isoformat(),
        }
        key = f"escalation:node:{node.id}:{rung}:{party.value}"
        template = "node_reminder" if rung == "reminder" else "node_overdue"
        assert (row.template, row.entity_type, row.entity_id) == (template, "node", node.id)
        assert (row.dedupe_key, row.message_id) == (key, f"<{key.replace(':', '.')}@sanshe.local>")
        assert row.digest_key == f"{template}:{day.isoformat()}"
        assert (row.status, row.attempts, row.next_attempt_at, row.created_at) == (
            OutboxStatus.PENDING,
            0,
            morning(day),
            morning(day),
        )
        # The row the sweep wrote in SQL is the row the one Python builder makes of the same parts.
        written_by_python = outbox_row(
            key=escalation_key(entity_type="node", entity_id=node.id, rung_code=rung, party=party),
            template=template,
            entity_type="node",
            entity_id=node.id,
            recipient=recipient,
            params=row.params,
            now=morning(day),
            digest_key=sweep_digest_key(template, day),
        )
        assert {column: getattr(row, column) for column in written_by_python} == written_by_python
        seen.add((project.id, rung, party))
    assert seen == {
        (project_id, rung, party)
        for project_id in first
        for rung, party in (
            ("reminder", Party.ORGANISATION),
            ("late-1", Party.COMMUNITY),
            ("late-1", Party.STREET_OFFICE),
            ("late-5", Party.DISTRICT_BUREAU),
            ("late-10", Party.CITY_COORDINATOR),
        )
    }
    assert len(rows) == len(seen)
    streetless_office = project_recipient(session, streetless.project, Party.STREET_OFFICE)
    assert (streetless_office.name, streetless_office.address) == ("（未设置的街道办事处）", None)
