"""The expert's inbox in Chromium against the real server: the assigned reviews soonest first, accept, the scoring
form built from the rubric (a refused score shown beside its field), decline with a reason, the .ics invitation,
the calendar feed URL, and a blind review hiding the organisation."""

import re
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from models.assignments import assign_expert
from models.programme import Programme
from models.roles import Role
from models.user import User
from service.mail.invitation import invitation_uid
from tests import factories
from tests.console.conftest import World, screenshot, sign_in
from tests.console.test_accessibility import critical_violations
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import city_programme, user

DUE = factories.DECLARATION_DAY.date() + timedelta(days=14)


@dataclass
class Review:
    assignment_id: int
    title: str  # the declaration's title, as the inbox lists it
    organisation_name: str  # hidden when the review is blind


@dataclass
class Inbox:
    """A programme of its own (so that no other test's counts move) with one expert and two offered reviews."""

    programme_id: int
    expert: User
    district: User  # the bureau of the declarations' district: sees the assignments, may not download them
    scored: Review  # due later: accepted and scored in the journey
    declined: Review  # due sooner: listed first, declined with a reason


@pytest.fixture(scope="module")
def inbox(world: World) -> Inbox:
    with Session(world.engine, expire_on_commit=False) as session:
        programme = city_programme(session)
        expert = factories.expert(session)
        offered = []
        for days in (14, 7):
            cast = factories.cast(session, programme=programme)
            paths.drive_project(session, cast, paths.TO_UNDER_REVIEW)
            assignment = assign_expert(
                session,
                project=cast.project,
                expert=expert,
                due_date=factories.DECLARATION_DAY.date() + timedelta(days=days),
                actor=cast.actor(Role.CITY_COORDINATOR),
                now=factories.DECLARATION_DAY,
            )
            assert assignment.id is not None
            offered.append(Review(assignment.id, cast.project.title, cast.organisation.name))
        account = user(session, Role.EXPERT, expert_id=expert.id)
        bureau = user(session, Role.DISTRICT_BUREAU, region_id=cast.actor(Role.DISTRICT_BUREAU).region_id)
        session.commit()
        assert programme.id is not None
        return Inbox(programme.id, account, bureau, offered[0], offered[1])


def _open_inbox(page: Page, inbox: Inbox) -> None:
    sign_in(page, inbox.expert)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="评审任务").click()
    expect(page.get_by_role("heading", name="评审任务", exact=True)).to_be_visible()


def test_an_answer_without_the_csrf_token_is_refused_and_changes_nothing(page: Page, inbox: Inbox) -> None:
    """Guards `dependencies=[CsrfChecked]` on the accept/decline route of service/console/expert_inbox.py."""
    sign_in(page, inbox.expert)
    where = f"/console/reviews/{inbox.scored.assignment_id}"
    page.goto(where)
    version = page.locator("input[name=expected_version]").first.input_value()  # the current one: only CSRF refuses
    forged = page.request.post(f"{where}/actions/accept", form={"expected_version": version}, max_redirects=0)
    assert forged.status == 403
    assert "安全校验未通过" in forged.text()
    page.goto(where)
    expect(page.locator("#review-state")).to_have_text("已分配")


def test_the_invitation_is_its_experts_and_the_coordinators_only(page: Page, inbox: Inbox) -> None:
    """Guards the `INVITATION_ROLES` check of the .ics route, as the API's `ExpertOrCoordinator`: the district
    bureau sees the assignment but may not download it."""
    sign_in(page, inbox.district)
    answer = page.request.get(f"/console/reviews/{inbox.scored.assignment_id}/invitation.ics")
    assert answer.status == 403
    assert "区民政局无权执行此操作" in answer.text()
    assert "BEGIN:VCALENDAR" not in answer.text()


def test_the_expert_accepts_scores_after_a_refused_value_and_downloads_the_invitation(
    page: Page, world: World, inbox: Inbox
) -> None:
    _open_inbox(page, inbox)
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name="下载日历邀请"))
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(inbox.declined.title)  # soonest due first
    expect(rows.nth(1)).to_contain_text(inbox.scored.title)
    expect(rows.nth(1)).to_contain_text(f"{DUE.year}年{DUE.month}月{DUE.day}日（星期")
    expect(rows.nth(1)).to_contain_text("已分配")
    screenshot(page, world, "expert-inbox-list")

    page.get_by_role("link", name=inbox.scored.title, exact=True).click()
    expect(page.locator("#review-state")).to_have_text("已分配")
    expect(page.locator("#review-organisation")).to_have_text(inbox.scored.organisation_name)  # not a blind review
    page.get_by_role("button", name="接受评审任务").click()
    expect(page.locator("#review-state")).to_have_text("已接受")
    expect(page.get_by_role("status").filter(has_text="已办理：接受评审任务")).to_be_visible()

    expect(page.get_by_role("heading", name="评分标准（满分 100 分）")).to_be_visible()
    values = {"needs": "25", "plan": "26", "team": "17", "budget": "13", "experience": "12"}
    for code, value in values.items():
        page.locator(f"#score-{code}").fill(value)
    page.get_by_label("评语（可不填）").first.fill("需求调研扎实")
    page.get_by_role("button", name="提交评分").click()
    needs = page.get_by_role("spinbutton", name="得分").first
    expect(needs).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-needs")).to_have_text("社区需求分析 的得分应在 0 至 20 之间，实际 25")  # the use case's
    expect(page.get_by_role("alert")).to_contain_text("评分未提交")
    expect(page.locator("#score-plan")).to_have_value("26")  # what was entered stays
    expect(page.locator("#review-state")).to_have_text("已接受")
    screenshot(page, world, "expert-inbox-score-refused")
    assert critical_violations(page) == []

    page.locator("#score-needs").fill("18")
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator("#review-state")).to_have_text("已提交评分")
    expect(page.locator("#review-total")).to_have_text("86 / 100")
    expect(page.get_by_role("row").filter(has_text="社区需求分析")).to_contain_text("需求调研扎实")
    expect(page.get_by_role("button", name="提交评分")).to_have_count(0)
    screenshot(page, world, "expert-inbox-scored")

    with page.expect_download() as caught:
        page.get_by_role("link", name="下载日历邀请（.ics）").click()
    ics = caught.value.path().read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR")
    assert f"UID:{invitation_uid(inbox.scored.assignment_id)}" in ics.replace("\r\n ", "")
    assert caught.value.suggested_filename.endswith(".ics")


def test_the_expert_declines_with_a_reason(page: Page, world: World, inbox: Inbox) -> None:
    _open_inbox(page, inbox)
    page.get_by_role("link", name=inbox.declined.title, exact=True).click()
    page.get_by_label("谢绝评审任务的理由（必填）").fill("与申报机构负责人系同事，需回避")
    page.get_by_role("button", name="谢绝评审任务").click()
    expect(page.locator("#review-state")).to_have_text("已谢绝")
    expect(page.get_by_role("button", name="接受评审任务")).to_have_count(0)
    page.get_by_role("link", name="评审任务", exact=True).first.click()
    page.get_by_label("状态").select_option(label="已谢绝")
    page.get_by_role("button", name="筛选").click()
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name="下载日历邀请"))
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(inbox.declined.title)


def test_the_calendar_feed_url_is_shown_to_copy_and_opens_without_signing_in(
    page: Page, world: World, inbox: Inbox
) -> None:
    _open_inbox(page, inbox)
    page.get_by_role("button", name="生成日历订阅地址").click()
    url = page.get_by_label("订阅地址").input_value()
    assert re.search(r"/api/v1/review-assignments/calendar-feed/[^/]+\.ics$", url)
    screenshot(page, world, "expert-inbox-feed")
    with urllib.request.urlopen(world.base_url + urlsplit(url).path, timeout=10) as answer:  # no cookie, no token
        assert answer.read().decode("utf-8").startswith("BEGIN:VCALENDAR")
    assert critical_violations(page) == []


def test_a_blind_review_hides_the_organisation_from_its_expert(page: Page, world: World, inbox: Inbox) -> None:
    with Session(world.engine) as session:
        programme = session.get(Programme, inbox.programme_id)
        assert programme is not None
        programme.spec = {**programme.spec, "rubric": {**programme.spec["rubric"], "blind": True}}
        session.add(programme)
        session.commit()
    _open_inbox(page, inbox)
    page.get_by_role("link", name=inbox.scored.title, exact=True).click()
    expect(page.locator("#review-organisation")).to_have_text("（盲评，不显示）")
    expect(page.get_by_text(inbox.scored.organisation_name)).to_have_count(0)
    assert critical_violations(page) == []
