"""Failed notices for the coordinator, sent again on request; the dev mail catcher's messages in the console."""

import email
import email.policy
from datetime import datetime, timedelta

from sqlmodel import Session

from models.outbox import OutboxMessage, OutboxStatus
from models.roles import Role
from schedules.bulletin import BULLETIN_ENTITY
from service.mail.catcher import catcher_dir
from tests.factories import DECLARATION_DAY
from tests.service.api.builders import Api, Side, catch_mail, failed_notice, side

V1 = "/api/v1"


def failed_notice_about(session: Session, now: datetime, entity_type: str, entity_id: int | None) -> OutboxMessage:
    """A failed notice about one entity (a node, a project, a review assignment, a programme's bulletin)."""
    assert entity_id is not None
    row = failed_notice(session, now)
    row.entity_type, row.entity_id = entity_type, entity_id
    session.flush()
    return row


def test_a_failed_notice_is_listed_and_requeued_as_pending(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    row = failed_notice_about(session, DECLARATION_DAY - timedelta(days=1), "node", world.node.id)

    def listed(status: str) -> dict[int, dict[str, object]]:
        answer = api.client.get(f"{V1}/notices", headers=coordinator, params={"status": status})
        assert answer.status_code == 200, answer.text
        return {n["id"]: n for n in answer.json()}

    failed = listed("failed")[row.id]  # type: ignore[index]
    assert "550" in str(failed["last_error"]) and failed["message_id"] == row.message_id
    assert row.id not in listed("pending")
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    assert api.client.get(f"{V1}/notices", headers=district).status_code == 403

    url = f"{V1}/notices/{row.id}/requeue"
    requeued = api.client.post(url, headers=coordinator)
    assert requeued.status_code == 200, requeued.text
    assert (requeued.json()["status"], requeued.json()["attempts"]) == ("pending", 0)
    assert requeued.json()["message_id"] == row.message_id  # the receiver can recognise a duplicate
    assert row.id in listed("pending") and row.id not in listed("failed")
    session.expire_all()
    stored = session.get(OutboxMessage, row.id)
    assert stored is not None and stored.status is OutboxStatus.PENDING and stored.next_attempt_at == DECLARATION_DAY

    again = api.client.post(url, headers=coordinator)
    assert (again.status_code, again.json()["code"]) == (409, "event_not_allowed_in_state")
    assert "待发送" in again.json()["detail"]
    assert api.client.post(f"{V1}/notices/2000000000/requeue", headers=coordinator).status_code == 404


def test_a_coordinator_reads_and_requeues_only_the_notices_of_its_region(session: Session, api: Api) -> None:
    """Guards `visible_notices` in `service/queries/notices.py`, used by the list and by `get_notice` (requeue)."""
    own, other = side(session), side(session)

    def about(target: Side) -> list[OutboxMessage]:
        return [
            failed_notice_about(session, DECLARATION_DAY, kind, entity_id)
            for kind, entity_id in (
                ("project", target.project.id),
                ("node", target.node.id),
                ("review_assignment", target.assignment.id),
                (BULLETIN_ENTITY, target.programme.id),
            )
        ]

    mine, theirs = about(own), about(other)
    unknown = failed_notice_about(session, DECLARATION_DAY, "node", 2_000_000_000)  # about nothing anyone keeps

    def listed(who: Side, role: Role = Role.CITY_COORDINATOR) -> tuple[set[int], int]:
        answer = api.client.get(f"{V1}/notices", headers=api.headers(who.users[role]), params={"limit": 500})
        assert answer.status_code == 200, answer.text
        return {n["id"] for n in answer.json()}, int(answer.headers["x-total-count"])

    seen, total = listed(own)
    assert seen == {row.id for row in mine} and total == len(mine)  # no address or error of the other city
    assert listed(other)[0] == {row.id for row in theirs}
    assert {row.id for row in [*mine, *theirs, unknown]} <= listed(own, Role.ADMIN)[0]

    coordinator = api.headers(own.users[Role.CITY_COORDINATOR])
    for row in theirs:
        refused = api.client.post(f"{V1}/notices/{row.id}/requeue", headers=coordinator)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found"), refused.text
        session.refresh(row)
        assert row.status is OutboxStatus.FAILED
    assert api.client.post(f"{V1}/notices/{mine[0].id}/requeue", headers=coordinator).status_code == 200


def test_caught_mail_is_listed_downloadable_and_names_cannot_escape(session: Session, dev_api: Api) -> None:
    api = dev_api  # the mail catcher's routes exist in dev mode only
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    assert api.client.get(f"{V1}/dev/caught-mail", headers=coordinator).json() == []  # no catcher directory yet
    name = catch_mail(api.settings, subject="【三社联动】节点报告逾期提醒", body="请于三个工作日内提交。")

    (listed,) = api.client.get(f"{V1}/dev/caught-mail", headers=coordinator).json()
    assert (listed["name"], listed["subject"], listed["to"]) == (name, "【三社联动】节点报告逾期提醒", "org@example.cn")
    downloaded = api.client.get(f"{V1}/dev/caught-mail/{name}", headers=coordinator)
    assert downloaded.status_code == 200 and downloaded.headers["content-type"].startswith("message/rfc822")
    message = email.message_from_bytes(downloaded.content, policy=email.policy.default)
    assert message["Subject"] == "【三社联动】节点报告逾期提醒"
    assert message.get_content().strip() == "请于三个工作日内提交。"  # type: ignore[attr-defined]

    (catcher_dir(api.settings).parent / "secret.eml").write_bytes(b"Subject: not for the console\r\n\r\n")
    for attempt in ("..%2Fsecret.eml", "%2E%2E%2Fsecret.eml", "..%5Csecret.eml", "missing.eml", name[:-4]):
        refused = api.client.get(f"{V1}/dev/caught-mail/{attempt}", headers=coordinator)
        assert refused.status_code == 404, (attempt, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
    organisation = api.headers(world.users[Role.ORGANISATION])
    assert api.client.get(f"{V1}/dev/caught-mail/{name}", headers=organisation).status_code == 403
