"""A digest larger than a mail goes out in numbered parts, each always the same rows under the same Message-ID."""

from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session

from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxStatus
from service.mail.catcher import CatcherProcess
from service.mail.outbox_leases import DIGEST_PART_ROWS, OUTBOX, claim_due
from tests import factories
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY
from tests.service.mail.builders import address, caught, digest_rows, dispatch, options, rows

NOW = IMPLEMENTATION_DAY + timedelta(days=1)


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_large_digest_goes_out_in_numbered_parts(session: Session, catcher: CatcherProcess) -> None:
    """Guards _lease_digest_part's `.limit(part_rows)`: seven rows, three to a mail, make parts of 3, 3 and 1."""
    office = address()
    late = digest_rows(session, count=7, office=office, digest_key=factories.unique("sweep-"), now=NOW)

    report = dispatch(session, catcher, now=NOW, part_rows=3, batch_size=2)

    assert (report.mails, report.sent) == (3, 7)
    firsts = [late[0], late[3], late[6]]
    mails = [caught(catcher, {row.message_id})[0] for row in firsts]  # a part is named by its first row
    assert not caught(catcher, {r.message_id for r in late} - {r.message_id for r in firsts})
    assert [m["Subject"] for m in mails] == [
        f"【三社联动】节点逾期通知（{n} 项）（第 {k} 部分，共 3 部分）" for n, k in [(3, 1), (3, 2)]
    ] + ["【三社联动】节点逾期通知：项目7（第 3 部分，共 3 部分）"]
    texts = [text_of(m) for m in mails]
    assert "本邮件为第 2 部分，共 3 部分。" in texts[1]
    assert [[i for i in range(1, 8) if f"第{i}号节点" in text] for text in texts] == [[1, 2, 3], [4, 5, 6], [7]]
    stored = rows(session, [r.id for r in late])
    assert [(r.digest_part, r.digest_parts, r.status) for r in stored] == [
        (k, 3, OutboxStatus.SENT) for k in (1, 1, 1, 2, 2, 2, 3)
    ]


class Killed(BaseException):
    """The dispatcher's process dies here."""


def test_a_part_resent_after_a_crash_is_the_same_mail(session: Session, catcher: CatcherProcess) -> None:
    """Guards _lease_digest_part's `if part is not None:` re-claim: a part due again keeps its rows and Message-ID."""
    office = address()
    late = digest_rows(session, count=6, office=office, digest_key=factories.unique("sweep-"), now=NOW)
    readings = 0

    def dying_clock() -> datetime:
        nonlocal readings
        readings += 1
        if readings == 4:  # the claim of part 1, its result, the claim of part 2, then part 2's result
            raise Killed
        return NOW

    with pytest.raises(Killed):
        dispatch(session, catcher, clock=dying_clock, connections=1, part_rows=3, batch_size=3)
    session.rollback()  # part 2 was accepted but its mark never committed
    report = dispatch(session, catcher, now=NOW + options().lease, part_rows=3, batch_size=3)

    assert (report.mails, report.sent) == (1, 3)
    (first,) = caught(catcher, {late[0].message_id})
    copies = caught(catcher, {late[3].message_id})
    assert first["Subject"].endswith("（第 1 部分，共 2 部分）") and len(copies) == 2
    assert copies[0]["Subject"] == copies[1]["Subject"] == "【三社联动】节点逾期通知（3 项）（第 2 部分，共 2 部分）"
    assert text_of(copies[0]) == text_of(copies[1])
    assert {r.status for r in rows(session, [r.id for r in late])} == {OutboxStatus.SENT}


def test_a_70k_row_digest_is_claimed_a_part_at_a_time_with_few_parameters(
    session: Session, catcher: CatcherProcess
) -> None:
    """Guards claim_due's bounded statements: no statement binds more than a part's ids (psycopg stops at 65,535).

    A sweep's 70,000 notices to one office: each claim leases one part of DIGEST_PART_ROWS rows, and the
    first two parts go out as mails numbered of 350.
    """
    office, digest = address(), factories.unique("sweep-")
    count = 70_000
    session.execute(
        insert(OUTBOX),
        [
            {
                "template": "node_overdue",
                "entity_type": "node",
                "entity_id": i,
                "recipient_party": "street_office",
                "recipient_name": "东岗街道办事处",
                "recipient_address": office,
                "params": {"project_id": i, "project_title": f"项目{i}", "node_title": "季度报告"},
                "message_id": f"<{digest}.{i}@{MESSAGE_ID_DOMAIN}>",
                "dedupe_key": f"{digest}:{i}",
                "digest_key": digest,
                "status": OutboxStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": NOW,
                "created_at": NOW,
            }
            for i in range(count)
        ],
    )
    bound: list[int] = []

    def count_parameters(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        bound.append(len(parameters) if not many else max(len(p) for p in parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count_parameters)
    try:
        claimed = claim_due(session, now=NOW, worker="one", limit=DIGEST_PART_ROWS, lease=options().lease)
        session.commit()
        report = dispatch(session, catcher, now=NOW + options().lease, max_batches=2, batch_size=DIGEST_PART_ROWS)
    finally:
        event.remove(engine, "before_cursor_execute", count_parameters)

    assert len(claimed) == DIGEST_PART_ROWS and {(n.digest_part, n.digest_parts) for n in claimed} == {(1, 350)}
    assert (report.mails, report.sent) == (2, 2 * DIGEST_PART_ROWS)
    assert max(bound) <= DIGEST_PART_ROWS + 10
    (second,) = caught(catcher, {f"<{digest}.{DIGEST_PART_ROWS}@{MESSAGE_ID_DOMAIN}>"})
    assert second["Subject"].endswith("（第 2 部分，共 350 部分）")
