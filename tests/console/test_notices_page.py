"""邮件通知 in Chromium against the real server: the coordinator filters its outbox by status, kind, recipient and
date, follows 修改地址 to where a failed notice's address is kept, and after the address is fixed presses 重新发送:
the real dispatcher delivers the mail to the new address in a real SMTP catcher."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from models.dates import SHANGHAI
from models.notices import MESSAGE_ID_DOMAIN
from models.outbox import OutboxMessage, OutboxStatus
from models.parties import Party
from models.recipients import office_name
from models.region import Region
from models.roles import Role
from models.user import User
from service.auth import actor_of
from service.commands.regions import RegionUpdate, edit_region
from service.mail.catcher import CatcherProcess
from service.mail.rendering import TEMPLATES_DIR
from service.queries.notices import NOTICE_KINDS
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.console.test_clock_page import run_beside_the_browser
from tests.service.api.builders import side
from tests.service.mail.builders import caught, dispatch, rows

QUEUED = datetime(2022, 1, 10, 9, 0, tzinfo=SHANGHAI)  # before the programme opens: nothing else is queued then


@dataclass
class Outbox:
    coordinator: User
    street_id: int
    street_office: str
    failed: OutboxMessage  # to the street office, at an address that bounced
    sent: OutboxMessage
    pending: OutboxMessage  # to the organisation, a day later


def _notice(session: Session, **columns: object) -> OutboxMessage:
    key = factories.unique("console-notice")
    row = OutboxMessage(
        **{
            "entity_type": "node",
            "params": {},
            "message_id": f"<{key}@{MESSAGE_ID_DOMAIN}>",
            "dedupe_key": key,
            "next_attempt_at": QUEUED,
            "created_at": QUEUED,
            **columns,
        }
    )
    session.add(row)
    return row


@pytest.fixture(scope="module")
def outbox(world: World) -> Outbox:
    """A city of its own with three notices of its node: one failed, one sent, one waiting."""
    with Session(world.engine, expire_on_commit=False) as session:
        built = side(session)
        assert built.node.id is not None and built.street.id is not None and built.project.id is not None
        built.street.contact_email = "bounced@example.invalid"  # where the failed notice was sent
        street_office = office_name(Party.STREET_OFFICE, built.street.name)
        params = {
            "project_id": built.project.id,
            "project_title": built.project.title,
            "district": built.district.name,
            "node_id": built.node.id,
            "node_kind": built.node.kind,
            "node_title": built.node.title,
            "due_date": built.node.due_date.isoformat(),
            "working_days_late": 2,
            "working_days_left": 0,
            "rung_code": "overdue_notice",
            "rung_label": "逾期通知",
            "as_of": QUEUED.date().isoformat(),
        }
        common = {"entity_id": built.node.id, "params": params}
        failed = _notice(
            session,
            template="node_overdue",
            recipient_party=Party.STREET_OFFICE.value,
            recipient_name=street_office,
            recipient_address="bounced@example.invalid",
            status=OutboxStatus.FAILED,
            attempts=1,
            last_error="收件地址被拒绝（550 5.1.1 <bounced@example.invalid>: mailbox unavailable）",
            **common,
        )
        sent = _notice(
            session,
            template="node_reminder",
            recipient_party=Party.COMMUNITY.value,
            recipient_name=office_name(Party.COMMUNITY, built.community.name),
            recipient_address=built.community.contact_email,
            status=OutboxStatus.SENT,
            attempts=1,
            sent_at=QUEUED + timedelta(minutes=5),
            **common,
        )
        later = QUEUED + timedelta(days=1)
        pending = _notice(
            session,
            template="node_reminder",
            recipient_party=Party.ORGANISATION.value,
            recipient_name=built.organisation.name,
            recipient_address=built.organisation.contact_email,
            status=OutboxStatus.PENDING,
            next_attempt_at=later + timedelta(days=3650),  # not due for any dispatcher the tests run
            created_at=later,
            **common,
        )
        session.commit()
        return Outbox(built.users[Role.CITY_COORDINATOR], built.street.id, street_office, failed, sent, pending)


def listed(page: Page) -> list[str]:
    return page.locator("#notices tbody tr").evaluate_all("rows => rows.map(r => r.id)")


def ids(*notices: OutboxMessage) -> list[str]:
    return [f"notice-{n.id}" for n in notices]


def test_every_kind_of_notice_has_a_chinese_name() -> None:
    assert set(NOTICE_KINDS) == {p.stem for p in TEMPLATES_DIR.glob("*.j2") if not p.stem.startswith("_")}


def test_the_coordinator_filters_its_notices_by_status_kind_recipient_and_date(
    page: Page, world: World, outbox: Outbox
) -> None:
    sign_in(page, outbox.coordinator, at="/console/notices")
    expect(page.get_by_role("heading", name="邮件通知", level=1)).to_be_visible()
    assert critical_violations(page) == []
    page.get_by_label("生成日期自").fill("2022-01-10")
    page.get_by_label("至", exact=True).fill("2022-01-11")
    page.get_by_role("button", name="筛选").click()
    assert listed(page) == ids(outbox.pending, outbox.sent, outbox.failed)  # the newest (then the last queued) first
    page.get_by_label("至", exact=True).fill("2022-01-10")
    page.get_by_role("button", name="筛选").click()
    assert listed(page) == ids(outbox.sent, outbox.failed)  # the pending one was queued the next day

    page.goto("/console/notices")
    page.get_by_label("发送状态").select_option(label="发送失败")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"status=failed"))
    assert listed(page) == ids(outbox.failed)  # its city's only
    row = page.locator(f"#notice-{outbox.failed.id}")
    expect(row).to_contain_text(f"节点逾期通知：{outbox.failed.params['project_title']}")  # the mail's subject
    expect(row).to_contain_text(outbox.street_office)
    expect(row).to_contain_text("收件地址被拒绝（550 5.1.1")
    expect(row.get_by_role("link", name="修改地址")).to_have_attribute("href", f"/console/places/{outbox.street_id}")
    screenshot(page, world, "notices-failed")

    page.get_by_label("发送状态").select_option(label="已发送")
    page.get_by_role("button", name="筛选").click()
    assert listed(page) == ids(outbox.sent)
    sent = page.locator(f"#notice-{outbox.sent.id}")
    expect(sent).to_contain_text("已发送")
    expect(sent.get_by_role("button", name=re.compile("重新发送"))).to_have_count(0)

    page.get_by_label("发送状态").select_option(label="全部")
    page.get_by_label("通知类型").select_option(label="节点即将到期提醒")
    page.get_by_role("button", name="筛选").click()
    assert listed(page) == ids(outbox.pending, outbox.sent)
    page.get_by_label("收件方（名称或邮箱）").fill(outbox.pending.recipient_name)
    page.get_by_role("button", name="筛选").click()
    assert listed(page) == ids(outbox.pending)
    expect(page.locator(f"#notice-{outbox.pending.id}")).to_contain_text("待发送")


def test_a_failed_notice_fixed_and_resent_arrives_at_the_new_address(
    page: Page, world: World, outbox: Outbox, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Guards `readdress` in `service.commands.notices.requeue_notice`: without it the mail bounces again."""
    new_address = f"{factories.unique('street-fixed')}@example.cn"
    with Session(world.engine) as session:  # as the place page saves it (the places use case)
        actor = actor_of(outbox.coordinator)
        street = session.get(Region, outbox.street_id)
        assert street is not None
        edit_region(
            session,
            region_id=outbox.street_id,
            data=RegionUpdate(contact_email=new_address, expected_version=street.version),
            actor=actor,
            now=factories.DECLARATION_DAY,
        )
    sign_in(page, outbox.coordinator)
    forged = page.request.post(f"/console/notices/{outbox.failed.id}/requeue", form={"back": ""})
    assert forged.status == 403  # no CSRF token: refused, and the notice stays failed
    page.goto("/console/notices?status=failed")
    row = page.locator(f"#notice-{outbox.failed.id}")
    expect(row).to_contain_text(f"收件方现在的地址：{new_address}")
    row.get_by_role("button", name=re.compile("^重新发送")).click()
    expect(page.get_by_role("status").filter(has_text="通知已重新放入发送队列")).to_be_visible()
    expect(page).to_have_url(re.compile(r"status=failed"))
    assert listed(page) == []  # no longer failed
    page.goto("/console/notices?status=pending")
    expect(page.locator(f"#notice-{outbox.failed.id}")).to_contain_text(new_address)

    with Session(world.engine) as session:
        (requeued,) = rows(session, [outbox.failed.id])
        assert (requeued.status, requeued.attempts) == (OutboxStatus.PENDING, 0)
        assert requeued.recipient_address == new_address
        due: datetime = requeued.next_attempt_at
    with CatcherProcess(tmp_path_factory.mktemp("notices-catcher")) as catcher:

        def send() -> None:
            with Session(world.engine) as session:
                dispatch(session, catcher, now=due + timedelta(seconds=1))

        run_beside_the_browser(send)
        (mail,) = caught(catcher, {outbox.failed.message_id})  # the same Message-ID as the first attempt
    (to,) = mail["To"].addresses
    assert (to.display_name, to.addr_spec) == (outbox.street_office, new_address)

    page.goto("/console/notices?status=sent")
    expect(page.locator(f"#notice-{outbox.failed.id}")).to_contain_text("已发送")
    assert critical_violations(page) == []
    screenshot(page, world, "notices-resent")


def test_a_district_bureau_is_refused_in_chinese(page: Page, world: World, outbox: Outbox) -> None:
    sign_in(page, world.user(Role.DISTRICT_BUREAU), at="/console/notices")
    expect(page.get_by_role("alert")).to_have_text("只有市民政局（市级统筹）可以查看邮件通知的发送情况")
