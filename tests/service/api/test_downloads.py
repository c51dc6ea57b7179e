"""Downloads through HTTP, each scoped: attachments like their node, a review's .ics, the expert's feed, import
templates and bulletins; with their content types and UTF-8 file names (RFC 5987)."""

import io
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.outbox import OutboxMessage
from models.project import Project
from models.roles import Role
from schedules.bulletin import BULLETIN_TEMPLATE, parse_period
from schedules.calendar_store import calendar_from_db
from service.commands.bulletins import quarter_due
from service.excel.templates import template_workbook
from service.mail.invitation import invitation_uid
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api, Side, open_assignment, side
from tests.service.api.builders import user as new_user

V1 = "/api/v1"
PDF = "%PDF-1.4\n% 节点报告附件\n".encode()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def utf8_name(response: object, filename: str) -> None:
    """The file's name travels as RFC 5987 UTF-8 beside an ASCII fallback."""
    disposition = response.headers["content-disposition"]  # type: ignore[attr-defined]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith(f"filename*=UTF-8''{quote(filename, safe='')}")
    assert disposition.split('"')[1].isascii()


def other_district(session: Session, world: Side) -> tuple[Side, dict[Role, object]]:
    """A project of the same programme in 七里河区, with its own district bureau and community accounts."""
    cast = factories.cast(session, programme=world.programme, district_name="七里河区")
    paths.drive_project(session, cast, paths.TO_IN_PROGRESS, close_nodes=False)
    street = cast.community.parent_id
    assert street is not None
    district_id = session.get(type(cast.community), street).parent_id  # type: ignore[union-attr]
    users = {
        Role.DISTRICT_BUREAU: new_user(session, Role.DISTRICT_BUREAU, region_id=district_id),
        Role.COMMUNITY: new_user(session, Role.COMMUNITY, region_id=cast.community.id),
        Role.ORGANISATION: new_user(session, Role.ORGANISATION, organisation_id=cast.organisation.id),
    }
    session.flush()
    return cast, users  # type: ignore[return-value]


def test_an_attachment_is_downloaded_by_who_sees_its_node_and_is_404_elsewhere(session: Session, api: Api) -> None:
    world, elsewhere = side(session), side(session)
    _, neighbours = other_district(session, world)
    organisation = api.headers(world.users[Role.ORGANISATION])
    stored = api.client.post(
        f"{V1}/nodes/{world.node.id}/attachments",
        headers=organisation,
        files={"file": ("入户走访记录.pdf", PDF, "application/pdf")},
    )
    assert stored.status_code == 201, stored.text
    name = stored.json()["path"].rsplit("/", 1)[1]
    url = f"{V1}/nodes/{world.node.id}/attachments/{name}"

    for role in (Role.ORGANISATION, Role.COMMUNITY, Role.STREET_OFFICE, Role.DISTRICT_BUREAU, Role.CITY_COORDINATOR):
        got = api.client.get(url, headers=api.headers(world.users[role]))
        assert got.status_code == 200, (role, got.text)
        assert got.content == PDF and got.headers["content-type"] == "application/pdf"
        utf8_name(got, f"{world.node.title}-{name}")

    hidden = [
        world.users[Role.EXPERT],  # experts see declarations, not node reports
        neighbours[Role.DISTRICT_BUREAU],  # another district of the same city
        neighbours[Role.COMMUNITY],
        neighbours[Role.ORGANISATION],
        elsewhere.users[Role.CITY_COORDINATOR],  # another city
    ]
    for user in hidden:
        got = api.client.get(url, headers=api.headers(user))  # type: ignore[arg-type]
        assert got.status_code == 404, got.text
        assert got.headers["content-type"] == "application/problem+json"
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    other_node = factories.nodes(session, world.project)[1]
    for wrong in (
        f"{V1}/nodes/{other_node.id}/attachments/{name}",  # the file belongs to another node
        f"{V1}/nodes/{world.node.id}/attachments/{'0' * 32}.pdf",  # no such file
        f"{V1}/nodes/{world.node.id}/attachments/..%2F..%2Fsecret.pdf",  # not a name we wrote
    ):
        assert api.client.get(wrong, headers=district).status_code == 404, wrong
    assert api.client.get(url).status_code == 401


def test_a_review_invitation_is_the_experts_and_the_coordinators(session: Session, api: Api) -> None:
    world, elsewhere = side(session), side(session)
    assignment = open_assignment(session, world)
    url = f"{V1}/review-assignments/{assignment.id}/invitation.ics"

    got = api.client.get(url, headers=api.headers(world.users[Role.EXPERT]))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "text/calendar; charset=utf-8"
    body = got.text.replace("\r\n ", "")
    assert f"UID:{invitation_uid(assignment.id)}" in body  # type: ignore[arg-type]
    assert "METHOD:REQUEST" in body and "SEQUENCE:0" in body and "DTSTART;VALUE=DATE:20220715" in body
    utf8_name(got, f"评审任务-{assignment_project_title(session, assignment.project_id)}.ics")

    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    extended = api.client.post(
        f"{V1}/review-assignments/{assignment.id}/extension",
        headers=coordinator,
        json={"new_due_date": "2022-07-22", "reason": "专家出差", "expected_version": assignment.version},
    )
    assert extended.status_code == 200, extended.text
    again = api.client.get(url, headers=coordinator).text.replace("\r\n ", "")
    assert "SEQUENCE:1" in again and "DTSTART;VALUE=DATE:20220722" in again  # as the re-sent invitation says

    for role in (Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.COMMUNITY, Role.ORGANISATION):
        assert api.client.get(url, headers=api.headers(world.users[role])).status_code == 403, role
    for user in (elsewhere.users[Role.EXPERT], elsewhere.users[Role.CITY_COORDINATOR]):
        assert api.client.get(url, headers=api.headers(user)).status_code == 404


def assignment_project_title(session: Session, project_id: int) -> str:
    project = session.get(Project, project_id)
    assert project is not None
    return project.title


def test_the_experts_feed_is_read_without_a_token_and_ends_when_regenerated_or_revoked(
    session: Session, api: Api
) -> None:
    world = side(session)
    open_one = open_assignment(session, world)  # offered: on the calendar; the side's own is submitted: not
    expert = api.headers(world.users[Role.EXPERT])

    issued = api.client.post(f"{V1}/review-assignments/calendar-feed", headers=expert)
    assert issued.status_code == 201, issued.text
    first = urlsplit(issued.json()["url"]).path
    feed = api.client.get(first)  # a calendar client: no Authorization header
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert feed.headers["content-disposition"].startswith("inline; ")
    body = feed.text.replace("\r\n ", "")
    assert "METHOD:PUBLISH" in body and f"UID:{invitation_uid(open_one.id)}" in body  # type: ignore[arg-type]
    assert f"UID:{invitation_uid(world.assignment.id)}" not in body  # type: ignore[arg-type]

    second = urlsplit(api.client.post(f"{V1}/review-assignments/calendar-feed", headers=expert).json()["url"]).path
    assert second != first
    assert api.client.get(first).status_code == 404  # the earlier URL ended
    assert api.client.get(second).status_code == 200
    forged = second[:-8] + ("0000" if not second.endswith("0000.ics") else "1111") + ".ics"
    assert api.client.get(forged).status_code == 404

    assert api.client.delete(f"{V1}/review-assignments/calendar-feed", headers=expert).status_code == 204
    assert api.client.get(second).status_code == 404
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    assert api.client.post(f"{V1}/review-assignments/calendar-feed", headers=coordinator).status_code == 403
    trail = session.exec(
        select(AuditEvent.event)
        .where(AuditEvent.entity_type == "user", AuditEvent.entity_id == world.users[Role.EXPERT].id)
        .order_by(col(AuditEvent.id))
    ).all()
    assert trail == ["calendar_feed_issued", "calendar_feed_issued", "calendar_feed_revoked"]


def test_an_import_template_is_the_one_the_cli_writes(session: Session, api: Api) -> None:
    world = side(session)
    headers = api.headers(world.users[Role.ORGANISATION])
    got = api.client.get(
        f"{V1}/imports/declarations/template", headers=headers, params={"programme_id": world.programme.id}
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == XLSX
    utf8_name(got, f"项目申报导入模板（{world.programme.code}）.xlsx")
    expected = load_workbook(io.BytesIO(template_workbook("declarations", world.programme.parsed_spec())))
    served = load_workbook(io.BytesIO(got.content))
    assert served.sheetnames == expected.sheetnames
    for title in expected.sheetnames:
        assert list(served[title].values) == list(expected[title].values)
    assert any("（元）" in str(h) for h in next(served["项目申报"].values))  # one column per budget line

    plain = api.client.get(f"{V1}/imports/experts/template", headers=headers)
    assert plain.status_code == 200
    utf8_name(plain, "评审专家导入模板.xlsx")
    assert api.client.get(f"{V1}/imports/nothing/template", headers=headers).status_code == 422
    missing = api.client.get(f"{V1}/imports/declarations/template", headers=headers, params={"programme_id": 999999})
    assert missing.status_code == 404


def test_a_bulletin_is_published_on_demand_listed_and_downloaded_within_its_city(session: Session, api: Api) -> None:
    world, elsewhere = side(session), side(session)
    other_district(session, world)
    api.clock.now = factories.DECLARATION_DAY.replace(year=2023, month=1, day=3)  # tokens are issued from now on
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    body = {"programme_id": world.programme.id, "period": "2022-Q4"}

    for role in (Role.DISTRICT_BUREAU, Role.STREET_OFFICE, Role.COMMUNITY, Role.ORGANISATION, Role.EXPERT):
        refused = api.client.post(f"{V1}/bulletins", headers=api.headers(world.users[role]), json=body)
        assert refused.status_code == 403, (role, refused.text)
    foreign = api.client.post(f"{V1}/bulletins", headers=api.headers(elsewhere.users[Role.CITY_COORDINATOR]), json=body)
    assert foreign.status_code == 404
    published = api.client.post(f"{V1}/bulletins", headers=coordinator, json=body)
    assert published.status_code == 201, published.text
    assert (published.json()["period"], published.json()["last"]) == ("2022-Q4", "2022-12-31")
    notices = notice_count(session, world.programme.id)  # type: ignore[arg-type]
    assert notices == 2 + 2  # the two districts' bureaus and street offices, once
    assert api.client.post(f"{V1}/bulletins", headers=coordinator, json=body).status_code == 201
    assert notice_count(session, world.programme.id) == notices  # type: ignore[arg-type]
    bad = api.client.post(f"{V1}/bulletins", headers=coordinator, json={**body, "period": "去年"})
    assert bad.status_code == 422 and "无法识别" in bad.json()["detail"]

    url = published.json()["download_url"]
    for role in (Role.CITY_COORDINATOR, Role.DISTRICT_BUREAU, Role.STREET_OFFICE):
        headers = api.headers(world.users[role])
        listed = api.client.get(f"{V1}/bulletins", headers=headers, params={"programme_id": world.programme.id})
        assert [b["period"] for b in listed.json()] == ["2022-Q4"], listed.text
        got = api.client.get(url, headers=headers)
        assert got.status_code == 200 and got.headers["content-type"] == XLSX
        utf8_name(got, f"{world.programme.name}节点工作完成情况通报（2022-Q4）.xlsx")
        book = load_workbook(io.BytesIO(got.content))
        districts = [row[0] for row in book["汇总"].iter_rows(min_row=3, values_only=True)]
        assert districts == ["七里河区", "城关区"]  # the whole city's bulletin, as circulated
    for role in (Role.COMMUNITY, Role.ORGANISATION, Role.EXPERT):
        assert api.client.get(url, headers=api.headers(world.users[role])).status_code == 403
        assert api.client.get(f"{V1}/bulletins", headers=api.headers(world.users[role])).status_code == 403
    outsider = api.headers(elsewhere.users[Role.DISTRICT_BUREAU])
    assert api.client.get(url, headers=outsider).status_code == 404
    assert api.client.get(f"{V1}/bulletins", headers=outsider).json() == []
    assert api.client.get(f"{V1}/bulletins/{world.programme.id}/2023-Q1", headers=coordinator).status_code == 404


def notice_count(session: Session, programme_id: int) -> int:
    rows = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.template == BULLETIN_TEMPLATE, col(OutboxMessage.entity_id) == programme_id
        )
    ).all()
    return len(rows)


def test_the_quarterly_bulletin_falls_on_the_first_working_day_of_a_quarter(session: Session) -> None:
    calendar = calendar_from_db(session)
    assert quarter_due(calendar, date(2023, 1, 3)) == parse_period("2022-Q4")  # 1 Jan a Sunday, 2 Jan 元旦 observed
    assert quarter_due(calendar, date(2023, 1, 2)) is None
    assert quarter_due(calendar, date(2023, 1, 4)) is None
    assert quarter_due(calendar, date(2023, 10, 7)) == parse_period("2023-Q3")  # 国庆 调休: Saturday 7 Oct works
    assert quarter_due(calendar, date(2023, 4, 3)) == parse_period("2023-Q1")
    assert quarter_due(calendar, date(2023, 4, 3) + timedelta(days=1)) is None
