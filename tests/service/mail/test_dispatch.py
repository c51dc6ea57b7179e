"""The dispatcher against a real SMTP server in another process: what arrives, what waits, what fails."""

from datetime import date, datetime, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar
from sqlmodel import Session, select

from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Role
from service.mail.catcher import CatcherProcess, caught_mail_file, list_caught_mail
from service.mail.failures import list_failed_notices, requeue_failed
from service.transitions import extend_review_due_date
from tests import factories
from tests.factories import DECLARATION_DAY, fire
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY, offered_assignment
from tests.service.mail.builders import (
    PUBLIC_URL,
    address,
    caught,
    dispatch,
    options,
    rows,
    sweep_row,
)
from tests.service.mail.conftest import REFUSED
from tests.service.mail.deferring_server import DeferringServer

LATER = IMPLEMENTATION_DAY + timedelta(days=1)


def body(mail: EmailMessage, subtype: str) -> str:
    part = mail.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return str(part.get_content())


def pending(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).all())


def test_a_transition_notice_arrives_in_chinese(session: Session, catcher: CatcherProcess) -> None:
    cast = factories.cast(session)
    fire(session, cast.project, "submit", cast.actor(Role.ORGANISATION), now=DECLARATION_DAY, lifecycle="project")
    (row,) = [r for r in pending(session) if r.template == "declaration_submitted"]

    report = dispatch(session, catcher, now=LATER)

    assert report.sent >= 1 and report.failed == 0
    (mail,) = caught(catcher, {row.message_id})
    assert mail["Subject"] == f"【三社联动】申报待审：{cast.project.title}"
    assert mail["To"].addresses[0].display_name == row.recipient_name  # e.g. 城关区民政局
    assert mail["To"].addresses[0].addr_spec == row.recipient_address
    text, html = body(mail, "plain"), body(mail, "html")
    assert f"社工机构已提交试点项目申报“{cast.project.title}”" in text
    assert f"{PUBLIC_URL}/console/projects/{cast.project.id}" in text and cast.project.title in html
    (sent,) = rows(session, [row.id])
    assert sent.status is OutboxStatus.SENT and sent.sent_at == LATER and sent.attempts == 1


def test_review_invitation_has_the_due_date_and_an_extension_keeps_the_uid(
    session: Session, catcher: CatcherProcess
) -> None:
    cast, assignment = offered_assignment(session)
    dispatch(session, catcher, now=LATER)
    coordinator = cast.actor(Role.CITY_COORDINATOR)
    extend_review_due_date(
        session,
        assignment=assignment,
        due_date=date(2022, 10, 31),
        actor=coordinator,
        expected_version=assignment.version,
        now=LATER,
        reason="专家出差",
    )
    dispatch(session, catcher, now=LATER + timedelta(minutes=1))

    notices = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.entity_type == "review_assignment", OutboxMessage.entity_id == assignment.id)
        .order_by(OutboxMessage.id)  # type: ignore[arg-type]
    ).all()
    assert [n.template for n in notices] == ["review_assigned", "review_extended"]
    events = []
    for notice in notices:
        (mail,) = caught(catcher, {notice.message_id})
        (part,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
        events.append(Calendar.from_ical(part.get_content()).walk("VEVENT")[0])
    first, second = events
    assert first.decoded("dtstart") == (DECLARATION_DAY + timedelta(days=14)).date()
    assert second.decoded("dtstart") == date(2022, 10, 31)
    assert str(first["uid"]) == str(second["uid"]) == f"review-assignment-{assignment.id}@sanshe.local"
    assert second.decoded("sequence") > first.decoded("sequence")


def test_a_digest_goes_out_as_one_mail_per_office(session: Session, catcher: CatcherProcess) -> None:
    office, other_office = address(), address()
    digest = factories.unique("sweep-2022-11-07-")
    now = LATER
    late = [
        sweep_row(
            session,
            template="node_overdue",
            address=office,
            digest_key=digest,
            now=now,
            project_id=i,
            project_title=f"项目{i}",
            node_title=f"第{i}季度报告",
            due_date="2022-11-01",
            working_days_late=i,
        )
        for i in (1, 2, 3)
    ]
    elsewhere = sweep_row(
        session,
        template="node_overdue",
        address=other_office,
        digest_key=digest,
        now=now,
        name="雁南街道办事处",
        project_id=9,
        project_title="项目9",
        node_title="中期报告",
    )

    report = dispatch(session, catcher, now=now, batch_size=2)  # the batch limit must not split the digest

    assert report.sent == 4 and report.mails == 2
    (mail,) = caught(catcher, {late[0].message_id})
    assert mail["Subject"] == "【三社联动】节点逾期通知（3 项）" and mail["To"].addresses[0].addr_spec == office
    text = body(mail, "plain")
    assert all(f"第{i}季度报告" in text for i in (1, 2, 3)) and "中期报告" not in text
    assert not caught(catcher, {late[1].message_id, late[2].message_id})  # carried by the first row's mail
    (single,) = caught(catcher, {elsewhere.message_id})
    assert single["Subject"] == "【三社联动】节点逾期通知：项目9"
    assert {r.status for r in rows(session, [r.id for r in [*late, elsewhere]])} == {OutboxStatus.SENT}


def test_a_550_fails_that_notice_only(session: Session, catcher: CatcherProcess) -> None:
    now = LATER
    good = [
        sweep_row(
            session,
            template="node_reminder",
            address=address(),
            digest_key=None,
            now=now,
            project_id=1,
            project_title="项目",
        )
        for _ in range(3)
    ]
    refused = sweep_row(session, template="node_reminder", address=REFUSED, digest_key=None, now=now)
    nowhere = sweep_row(session, template="node_reminder", address=None, digest_key=None, now=now)

    report = dispatch(session, catcher, now=now)

    assert (report.sent, report.failed, report.retried) == (3, 2, 0)
    assert len(caught(catcher, {r.message_id for r in good})) == 3
    failed = {r.id: r for r in rows(session, [refused.id, nowhere.id])}
    assert failed[refused.id].status is OutboxStatus.FAILED and "550" in (failed[refused.id].last_error or "")
    assert failed[nowhere.id].status is OutboxStatus.FAILED and "没有收件地址" in (failed[nowhere.id].last_error or "")
    assert not caught(catcher, {refused.message_id})


def test_a_4xx_uses_an_attempt_and_retries_are_bounded(session: Session) -> None:
    """Guards mark_retry's `policy.exhausted(attempts)`: a server that keeps deferring fails the notice in the end."""
    row = sweep_row(session, template="node_overdue", address=address(), digest_key=None, now=LATER)
    now = LATER
    with DeferringServer() as deferring:
        for attempt in (1, 2, 3):  # options(): max_attempts=3
            report = dispatch(session, deferring, now=now)
            (row,) = rows(session, [row.id])
            assert row.attempts == attempt and not report.unreachable
            now = row.next_attempt_at
    assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert "已尝试 3 次仍未发出" in (row.last_error or "") and "451" in (row.last_error or "")


class Killed(BaseException):
    """The dispatcher's process dies here."""


def test_a_crash_between_send_and_mark_yields_at_most_one_duplicate(session: Session, catcher: CatcherProcess) -> None:
    """Guards dispatch_batch's `session.commit()` after each mail: a crash resends the mail in flight, not the batch.

    The faked clock kills the dispatcher when it is read after the third mail was accepted, before its mark.
    """
    now = LATER
    notices = [
        sweep_row(
            session,
            template="node_overdue",
            address=address(),
            digest_key=None,
            now=now,
            project_id=i,
            project_title=f"项目{i}",
        )
        for i in range(5)
    ]
    readings = 0

    def dying_clock() -> datetime:
        nonlocal readings
        readings += 1
        if readings == 4:  # the claim, then one reading per accepted mail: this is the third mail's
            raise Killed
        return now

    with pytest.raises(Killed):
        dispatch(session, catcher, clock=dying_clock, connections=1, worker="crashing-dispatcher")
    session.rollback()  # what the dead process had not committed is gone

    assert dispatch(session, catcher, now=now + timedelta(minutes=1)).batches == 0  # still leased by the dead one
    report = dispatch(session, catcher, now=now + options().lease)
    again = dispatch(session, catcher, now=now + 2 * options().lease)

    assert (report.sent, again.sent) == (3, 0)
    copies = {n.message_id: len(caught(catcher, {n.message_id})) for n in notices}
    assert sorted(copies.values()) == [1, 1, 1, 1, 2]  # the one mail in flight came twice, nothing else did
    assert {r.status for r in rows(session, [n.id for n in notices])} == {OutboxStatus.SENT}


def test_the_console_lists_caught_mail_decoded(session: Session, catcher: CatcherProcess) -> None:
    row = sweep_row(
        session,
        template="bulletin_published",
        address=address(),
        digest_key=None,
        now=LATER,
        programme_name="兰州市三社联动试点",
        period="2022年第三季度",
    )
    dispatch(session, catcher, now=LATER)
    assert catcher.directory is not None
    (listed,) = [m for m in list_caught_mail(catcher.directory, limit=1000) if m.message_id == row.message_id]
    assert listed.subject == "【三社联动】兰州市三社联动试点（2022年第三季度）进展通报已发布"
    assert listed.to == f"东岗街道办事处 <{row.recipient_address}>" and listed.date == LATER


def test_the_coordinator_sees_a_failure_and_can_send_it_again(session: Session, catcher: CatcherProcess) -> None:
    row = sweep_row(session, template="node_overdue", address=REFUSED, digest_key=None, now=LATER)
    dispatch(session, catcher, now=LATER)
    session.expire_all()  # as the console's own request would: the dispatcher wrote with plain UPDATEs
    (failed,) = [f for f in list_failed_notices(session, limit=1000) if f.id == row.id]
    assert "550" in (failed.last_error or "")

    failed.recipient_address = address()  # the coordinator corrects the office's address
    session.add(failed)
    session.flush()
    assert requeue_failed(session, [row.id], now=LATER + timedelta(hours=1)) == 1  # type: ignore[list-item]
    dispatch(session, catcher, now=LATER + timedelta(hours=1))

    (sent,) = rows(session, [row.id])
    assert sent.status is OutboxStatus.SENT and len(caught(catcher, {row.message_id})) == 1
    assert catcher.directory is not None
    assert caught_mail_file(catcher.directory, "../etc/passwd") is None
