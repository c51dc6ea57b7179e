"""The registers' pages in Chromium against the real server: organisations, social workers and experts listed,
filtered and corrected; a bad value is named beside its field in Chinese with what was typed kept, and a correction
is audited like the API's PATCH."""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.expert import Expert
from models.organisation import Organisation
from models.roles import Role
from models.social_worker import Qualification, SocialWorker
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations


@dataclass
class Registers:
    word: str  # in every name of this module's rows, so that its filters find them alone
    organisation: Organisation
    senior: SocialWorker
    assistant: SocialWorker
    expert: Expert
    other_expert: Expert


@pytest.fixture(scope="module")
def registers(world: World) -> Registers:
    """Rows of this module's own, committed on the server's database."""
    word = factories.unique("登记册")
    with Session(world.engine, expire_on_commit=False) as session:
        organisation = factories.organisation(session, name=f"{word}社工服务中心")
        senior = factories.worker(session, organisation, Qualification.SENIOR)
        senior.name = f"{word}高级社工"
        assistant = factories.worker(session, organisation, Qualification.ASSISTANT)
        assistant.name = f"{word}助理社工"
        expert, other = factories.expert(session), factories.expert(session)
        expert.employer_name = f"{word}大学"
        session.commit()
        return Registers(word, organisation, senior, assistant, expert, other)


def _rows(page: Page, table: str) -> list[str]:
    return page.locator(f"#{table} tbody tr").all_inner_texts()


def test_organisations_are_filtered_and_corrected_with_errors_beside_their_fields(
    page: Page, world: World, registers: Registers
) -> None:
    """A blank name and a bad address are refused beside their fields, what was typed kept; then saved and audited."""
    sign_in(page, world.user(Role.DISTRICT_BUREAU))
    page.goto("/console/organisations")
    page.get_by_label("名称或信用代码").fill(registers.word)
    page.get_by_role("button", name="筛选").click()
    rows = _rows(page, "organisations")
    assert len(rows) == 1 and registers.organisation.name in rows[0]
    page.get_by_label("黑名单").select_option("yes")
    page.get_by_role("button", name="筛选").click()
    expect(page.get_by_text("没有符合条件的社工机构。")).to_be_visible()

    page.goto(f"/console/organisations/{registers.organisation.id}")
    page.get_by_label("机构名称").fill("")
    page.get_by_label("联系邮箱（接收系统通知）").fill("不是邮箱")
    page.get_by_label("具有健全的法人治理结构").uncheck()
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#edit-name-error")).to_have_text("请填写机构名称")
    expect(page.locator("#edit-email-error")).to_contain_text("电子邮箱格式不正确")
    expect(page.get_by_label("联系邮箱（接收系统通知）")).to_have_value("不是邮箱")
    expect(page.get_by_label("具有健全的法人治理结构")).not_to_be_checked()
    screenshot(page, world, "organisation-edit-errors")
    assert critical_violations(page) == []

    renamed = f"{registers.word}社会工作服务中心"
    page.get_by_label("机构名称").fill(renamed)
    page.get_by_label("联系邮箱（接收系统通知）").fill("corrected@example.cn")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(renamed)
    expect(page.locator("#organisation-email")).to_have_text("corrected@example.cn")
    with Session(world.engine) as session:
        audit = session.exec(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "organisation", AuditEvent.entity_id == registers.organisation.id)
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(a.event, a.actor_id) for a in audit] == [("edit", world.user(Role.DISTRICT_BUREAU).username)]
    assert set(audit[0].details["changes"]) == {"name", "contact_email", "sound_governance"}


def test_social_workers_are_filtered_by_employer_and_qualification_and_corrected(
    page: Page, world: World, registers: Registers
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(f"/console/organisations/{registers.organisation.id}")
    page.get_by_role("link", name="本机构的社会工作者").click()
    rows = _rows(page, "social-workers")
    assert len(rows) == 2
    page.get_by_label("职业资格").select_option(Qualification.SENIOR.value)
    page.get_by_role("button", name="筛选").click()
    rows = _rows(page, "social-workers")
    assert len(rows) == 1 and registers.senior.name in rows[0] and "高级社会工作师" in rows[0]

    page.get_by_role("link", name=f"修改{registers.senior.name}").click()
    page.get_by_label("姓名").fill("")
    page.get_by_label("职业资格").select_option(Qualification.INTERMEDIATE.value)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#edit-name-error")).to_have_text("请填写姓名")
    expect(page.get_by_label("职业资格")).to_have_value(Qualification.INTERMEDIATE.value)
    page.get_by_label("姓名").fill(registers.senior.name)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#worker-qualification")).to_have_text("社会工作师")


def test_an_expert_address_taken_by_another_is_named_beside_the_field(
    page: Page, world: World, registers: Registers
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto("/console/experts")
    page.get_by_label("姓名、邮箱、领域或单位").fill(registers.word)
    page.get_by_role("button", name="筛选").click()
    rows = _rows(page, "experts")
    assert len(rows) == 1 and registers.expert.name in rows[0]
    page.get_by_role("link", name=f"修改{registers.expert.name}").click()
    field = page.get_by_label("电子邮箱（评审任务通知发往此处）")
    field.fill(registers.other_expert.email or "")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#edit-email-error")).to_contain_text("已属于专家")
    expect(field).to_have_value(registers.other_expert.email or "")
    field.fill(f"{registers.word}@example.cn")
    page.get_by_label("专业领域").fill("社区治理")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#expert-email")).to_have_text(f"{registers.word}@example.cn")


def test_who_may_not_correct_sees_no_form_and_an_expert_no_organisations(
    page: Page, world: World, registers: Registers
) -> None:
    sign_in(page, world.user(Role.STREET_OFFICE))
    page.goto(f"/console/organisations/{registers.organisation.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(registers.word)
    expect(page.get_by_role("button", name="保存")).to_have_count(0)
    page.goto("/console/experts")
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()


@pytest.mark.parametrize(
    "where",
    [
        "/console/organisations",
        "/console/organisations/{organisation}",
        "/console/social-workers?employer={organisation}",
        "/console/social-workers/{worker}",
        "/console/experts",
        "/console/experts/{expert}",
    ],
)
def test_register_pages_have_no_critical_accessibility_violation(
    page: Page, world: World, registers: Registers, where: str
) -> None:
    sign_in(page, world.user(Role.CITY_COORDINATOR))
    page.goto(
        where.format(organisation=registers.organisation.id, worker=registers.assistant.id, expert=registers.expert.id)
    )
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert critical_violations(page) == []
