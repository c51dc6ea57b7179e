"""One key scheme: the dedupe key and the Message-ID come from the same parts, in Python and in SQL alike."""

import email
import email.policy
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from models.notices import (
    escalation_key,
    escalation_key_sql,
    event_key,
    notice_key,
    sweep_digest_key,
    sweep_digest_key_sql,
)
from models.parties import Party


def test_the_key_and_the_message_id_join_the_same_parts() -> None:
    key = notice_key("bulletin", 3, date(2023, 1, 1), date(2023, 3, 31), "street_office", 17)
    assert key.dedupe_key == "bulletin:3:2023-01-01:2023-03-31:street_office:17"
    assert key.message_id == "<bulletin.3.2023-01-01.2023-03-31.street_office.17@sanshe.local>"
    parsed = email.message_from_string(f"Message-ID: {key.message_id}\n\n", policy=email.policy.default)
    assert str(parsed["Message-ID"]) == key.message_id and not parsed["Message-ID"].defects


def test_each_kind_of_notice_names_its_parts() -> None:
    rung = escalation_key(entity_type="node", entity_id=12, rung_code="late-1", party=Party.STREET_OFFICE)
    assert rung.dedupe_key == "escalation:node:12:late-1:street_office"
    assert rung.message_id == "<escalation.node.12.late-1.street_office@sanshe.local>"
    change = event_key(entity_type="project", entity_id=5, version=3, template="project_started", party=Party.COMMUNITY)
    assert change.dedupe_key == "event:project:5:v3:project_started:community"


@pytest.mark.parametrize("part", ["城关区民政局", "2023-01-01..2023-03-31", "a:b", "a.b", "", "a b"])
def test_a_part_that_would_break_the_message_id_or_the_key_is_refused(part: str) -> None:
    with pytest.raises(ValueError, match="notice key parts"):
        notice_key("bulletin", part)


def test_the_sql_scheme_gives_what_the_python_scheme_gives(session: Session) -> None:
    key = escalation_key_sql(entity_type="node", entity_id="t.id", rung_code="t.code", party="t.party")
    digest = sweep_digest_key_sql("t.template", "t.day")
    row = session.execute(
        text(
            f"SELECT {key.dedupe_key} AS dedupe_key, {key.message_id} AS message_id, {digest} AS digest_key "
            "FROM (SELECT 12 AS id, 'late-10' AS code, 'city_coordinator' AS party, "
            "'node_overdue' AS template, '2023-01-16' AS day) AS t"
        )
    ).one()
    python = escalation_key(entity_type="node", entity_id=12, rung_code="late-10", party=Party.CITY_COORDINATOR)
    assert (row.dedupe_key, row.message_id) == (python.dedupe_key, python.message_id)
    assert row.digest_key == sweep_digest_key("node_overdue", date(2023, 1, 16))
