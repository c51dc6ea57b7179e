"""The credit record through HTTP: penalties, inspections and blacklist entries entered, listed and lifted, and what
they stop: eligibility review, declaring and submitting; a failed acceptance writes its own entry."""

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from models.audit import AuditEvent
from models.lifecycles import PROJECT
from models.organisation import CreditEntry, CreditKind, Organisation
from models.programme import Programme
from models.region import Region
from models.roles import Role
from models.user import User
from service.excel import kinds
from service.excel.credit_columns import CREDIT_COLUMNS
from service.queries.common import state_view
from tests import factories
from tests.factories import DECLARATION_DAY
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api
from tests.service.api.builders import user as new_user
from tests.service.excel.builders import workbook

V1 = "/api/v1"
RECORDS = f"{V1}/credit-records"
TODAY = DECLARATION_DAY.date()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _coordinator(session: Session, cast: factories.Cast) -> User:
    return new_user(session, Role.CITY_COORDINATOR, region_id=cast.programme.region_id)


def _blacklist(organisation_id: int, **period: Any) -> dict[str, Any]:
    return {
        "kind": "blacklist",
        "organisation_id": organisation_id,
        "starts_on": period.get("starts_on", (TODAY - timedelta(days=30)).isoformat()),
        "ends_on": period.get("ends_on"),
        "source": "兰州市民政局",
        "reason": "借用无关人员资质冒名顶替",
    }


def declaration_json(
    session: Session, *, programme: Programme, organisation: Organisation, district_name: str = "城关区"
) -> dict[str, Any]:
    """A full Lanzhou declaration body for `POST /projects`, on a fresh community with a fresh team."""
    place = factories.community(session, programme, district_name)
    team = factories.lanzhou_team(session, organisation)
    session.flush()
    return {
        "programme_id": programme.id,
        "community_id": place.id,
        "organisation_id": organisation.id,
        "title": factories.unique("申报"),
        "total_fen": 30_000_000,
        "community_service_area_m2": 420,
        "street_leader_consent_file": "files/consent.pdf",
        "team_worker_ids": [w.id for w in team],
        "budget_lines": [
            {"code": b.code, "name": b.name, "amount_fen": b.amount_fen} for b in factories.lanzhou_budget()
        ],
    }


def _declaration(session: Session, cast: factories.Cast) -> dict[str, Any]:
    return declaration_json(session, programme=cast.programme, organisation=cast.organisation)


def test_a_penalty_entered_through_the_api_fails_eligibility_review(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    coordinator = _coordinator(session, cast)
    organisation = new_user(session, Role.ORGANISATION, organisation_id=cast.organisation.id)
    assert api.act(organisation, "projects", cast.project.id, "submit").status_code == 200
    penalty = {
        "kind": "penalty",
        "organisation_id": cast.organisation.id,
        "imposed_on": "2021-05-10",
        "authority": "兰州市民政局",
        "reason": "未按规定报送年度工作报告",
    }
    entered = api.client.post(RECORDS, headers=api.headers(coordinator), json=penalty)
    assert entered.status_code == 201, entered.text
    assert entered.json()["kind_label"] == "受登记管理机关处罚" and entered.json()["source"] == "兰州市民政局"
    inspection = {"kind": "inspection", "organisation_id": cast.organisation.id, "year": 2021, "result": "failed"}
    assert api.client.post(RECORDS, headers=api.headers(coordinator), json=inspection).status_code == 201

    refused = api.act(coordinator, "projects", cast.project.id, "confirm_eligibility")
    assert refused.status_code == 422, refused.text
    detail = refused.json()["detail"]
    assert "受登记管理机关处罚的记录（1 次）" in detail and "年检不合格（2021 年）" in detail
    again = api.client.post(RECORDS, headers=api.headers(coordinator), json=inspection)
    assert again.status_code == 409 and "2021 年的年检结果已录入" in again.json()["detail"]


def test_a_blacklisted_organisation_cannot_declare_or_submit_until_the_entry_is_lifted(
    session: Session, api: Api
) -> None:
    cast = factories.cast(session)
    coordinator = _coordinator(session, cast)
    organisation = new_user(session, Role.ORGANISATION, organisation_id=cast.organisation.id)
    entered = api.client.post(RECORDS, headers=api.headers(coordinator), json=_blacklist(cast.organisation.id))
    assert entered.status_code == 201, entered.text
    entry = entered.json()
    assert entry["in_force"] is True and entry["lifted_at"] is None

    declared = api.client.post(f"{V1}/projects", headers=api.headers(organisation), json=_declaration(session, cast))
    assert declared.status_code == 422 and "已被列入黑名单" in declared.json()["detail"], declared.text
    submitted = api.act(organisation, "projects", cast.project.id, "submit")
    assert submitted.status_code == 422 and "不能申报试点项目：借用无关人员资质冒名顶替" in submitted.json()["detail"]
    session.expire_all()
    shown = state_view(PROJECT, cast.project, cast.actor(Role.ORGANISATION), now=DECLARATION_DAY)["allowed_actions"]
    submit = next(a for a in shown if a.event == "submit")
    assert submit.possible is False and submit.reason is not None and "黑名单" in submit.reason

    lift = f"{RECORDS}/blacklist/{entry['id']}/lift"
    no_reason = api.client.post(lift, headers=api.headers(coordinator), json={"reason": "  "})
    assert no_reason.status_code == 422
    lifted = api.client.post(lift, headers=api.headers(coordinator), json={"reason": "经复核系误报，予以解除"})
    assert lifted.status_code == 200, lifted.text
    assert (lifted.json()["in_force"], lifted.json()["lift_reason"]) == (False, "经复核系误报，予以解除")
    twice = api.client.post(lift, headers=api.headers(coordinator), json={"reason": "再次解除"})
    assert twice.status_code == 409

    assert api.act(organisation, "projects", cast.project.id, "submit").status_code == 200
    declared = api.client.post(f"{V1}/projects", headers=api.headers(organisation), json=_declaration(session, cast))
    assert declared.status_code == 201, declared.text
    listed = api.client.get(
        RECORDS, headers=api.headers(organisation), params={"organisation_id": cast.organisation.id}
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["lifted_by"] is not None  # a lifted entry stays on record
    audit = session.exec(
        select(AuditEvent.event, AuditEvent.to_state, AuditEvent.reason)
        .where(AuditEvent.entity_type == "credit_entry", AuditEvent.entity_id == entry["id"])
        .order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [tuple(row) for row in audit] == [
        ("enter", "recorded", "借用无关人员资质冒名顶替"),
        ("lift", "lifted", "经复核系误报，予以解除"),
    ]


def test_an_entry_out_of_its_period_no_longer_binds(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    coordinator = _coordinator(session, cast)
    organisation = new_user(session, Role.ORGANISATION, organisation_id=cast.organisation.id)
    ended = _blacklist(cast.organisation.id, starts_on="2019-01-01", ends_on="2021-12-31")
    future = _blacklist(cast.organisation.id, starts_on=(TODAY + timedelta(days=1)).isoformat())
    for body in (ended, future):
        assert api.client.post(RECORDS, headers=api.headers(coordinator), json=body).status_code == 201
    assert api.act(organisation, "projects", cast.project.id, "submit").status_code == 200
    reversed_period = _blacklist(cast.organisation.id, starts_on="2022-01-01", ends_on="2021-01-01")
    refused = api.client.post(RECORDS, headers=api.headers(coordinator), json=reversed_period)
    assert refused.status_code == 422 and "不能早于开始日期" in refused.json()["detail"]


def test_who_may_enter_and_read_credit_records(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    other = factories.cast(session, programme=cast.programme)
    coordinator = _coordinator(session, cast)
    street = session.get(Region, cast.community.parent_id)
    assert street is not None
    district = new_user(session, Role.DISTRICT_BUREAU, region_id=street.parent_id)
    organisation = new_user(session, Role.ORGANISATION, organisation_id=cast.organisation.id)
    expert = new_user(session, Role.EXPERT, expert_id=factories.expert(session).id)
    worker = cast.team[0]
    own = {"kind": "inspection", "social_worker_id": worker.id, "year": 2021, "result": "passed", "source": "区民政局"}
    theirs = _blacklist(other.organisation.id)
    for body in (own, theirs):
        assert api.client.post(RECORDS, headers=api.headers(coordinator), json=body).status_code == 201
    for refused in (district, organisation):
        answer = api.client.post(RECORDS, headers=api.headers(refused), json=own | {"year": 2020})
        assert answer.status_code == 403 and "只有市民政局可以录入信用记录" in answer.json()["detail"]
    assert api.client.get(RECORDS, headers=api.headers(expert)).status_code == 403

    seen = api.client.get(RECORDS, headers=api.headers(organisation)).json()
    assert [(i["kind"], i["social_worker_id"], i["holder_name"]) for i in seen["items"]] == [
        ("inspection", worker.id, worker.name)
    ]
    everything = api.client.get(RECORDS, headers=api.headers(district), params={"kind": "blacklist"}).json()
    assert [i["organisation_id"] for i in everything["items"]] == [other.organisation.id]
    both = {**own, "organisation_id": cast.organisation.id}
    assert api.client.post(RECORDS, headers=api.headers(coordinator), json=both).status_code == 422
    missing = api.client.post(RECORDS, headers=api.headers(coordinator), json=_blacklist(2_000_000_000))
    assert missing.status_code == 404


def test_failing_acceptance_writes_the_credit_record_with_the_failure(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    paths.drive_project(session, cast, paths.TO_IN_PROGRESS + ["begin_final_evaluation"])
    coordinator = _coordinator(session, cast)
    api.clock.now = factories.ACCEPTANCE_DAY
    failed = api.act(coordinator, "projects", cast.project.id, "fail", reason="服务目标未达成，资金使用不规范")
    assert failed.status_code == 200, failed.text
    listed = api.client.get(
        RECORDS, headers=api.headers(coordinator), params={"organisation_id": cast.organisation.id}
    ).json()
    assert [(i["kind"], i["kind_label"], i["source_project_id"], i["reason"]) for i in listed["items"]] == [
        ("failed_acceptance", "项目验收不合格", cast.project.id, "服务目标未达成，资金使用不规范")
    ]
    audit = session.exec(
        select(AuditEvent.details).where(
            AuditEvent.entity_type == "project", AuditEvent.entity_id == cast.project.id, AuditEvent.event == "fail"
        )
    ).one()
    assert audit == {"credit_entry_organisation_id": cast.organisation.id}


def credit_workbook(credit_code: str, *rows: list[Any]) -> bytes:
    """A 信用记录 sheet with the template's headers (类型, 机构代码, 社工编号, 开始, 结束, 年度, 结果, 来源, 理由)."""
    headers = [c.header for c in CREDIT_COLUMNS]
    default = [["处罚", credit_code, None, "2021-05-10", None, None, None, "兰州市民政局", "未按规定报送年度工作报告"]]
    return workbook(headers, *(rows or default), title=kinds.SHEET_TITLES[kinds.CREDIT_RECORDS])


def expired_blacklist_entry(session: Session, organisation: Organisation) -> CreditEntry:
    """An entry whose period has ended: liftable, yet it bars nothing while a test keeps using the organisation."""
    entry = CreditEntry(
        organisation_id=organisation.id,
        kind=CreditKind.BLACKLIST,
        starts_on=date(2019, 1, 1),
        ends_on=date(2020, 12, 31),
        source="兰州市民政局",
        reason="逾期未整改",
        recorded_at=DECLARATION_DAY,
    )
    session.add(entry)
    session.flush()
    return entry


def _import(api: Api, who: User, data: bytes) -> Any:
    return api.client.post(
        f"{V1}/imports/{kinds.CREDIT_RECORDS}", headers=api.headers(who), files={"file": ("信用记录.xlsx", data, XLSX)}
    )


def test_credit_records_import_from_excel_all_or_nothing(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    coordinator = _coordinator(session, cast)
    code, worker = cast.organisation.credit_code, cast.team[0]
    bad = credit_workbook(
        code,
        ["处罚", code, None, "2021-05-10", None, None, None, "兰州市民政局", "违规开展活动"],
        ["年检", None, worker.id, None, None, 2021, "优秀", None, None],
        ["黑名单", code, worker.id, "2022-01-01", None, None, None, "兰州市民政局", "冒名顶替"],
        ["黑名单", "91620100MA00000000", None, None, None, None, None, None, None],
        ["处罚", code, None, "2021-05-10", None, None, None, None, None],
        ["表彰", code, None, None, None, None, None, None, None],
    )
    refused = _import(api, coordinator, bad)
    assert refused.status_code == 422 and refused.json()["code"] == "import_rejected", refused.text
    cells = {(e["row"], e["column"]): e["message"] for e in refused.json()["errors"]}
    assert set(cells) == {
        (3, "年检结果"),
        (4, "记录类型"),
        (5, "社工机构统一社会信用代码"),
        (6, "来源"),
        (6, "理由"),
        (7, "记录类型"),
    }
    assert cells[(3, "年检结果")] == "应填写“合格”“不合格”“不接受年检”之一"
    assert "之一" in cells[(4, "记录类型")] and "社会工作者编号" in cells[(4, "记录类型")]
    assert cells[(6, "来源")] == "本类记录须填写“来源”"
    listed = api.client.get(RECORDS, headers=api.headers(coordinator), params={"organisation_id": cast.organisation.id})
    assert listed.json()["total"] == 0  # the good first row was not written either

    good = credit_workbook(
        code,
        ["处罚", code, None, "2021-05-10", None, None, None, "兰州市民政局", "违规开展活动"],
        ["年检", None, worker.id, None, None, 2021, "不合格", "城关区民政局", None],
    )
    imported = _import(api, coordinator, good)
    assert imported.status_code == 200 and imported.json()["created"] == 2, imported.text
    kinds_seen = api.client.get(RECORDS, headers=api.headers(coordinator)).json()["items"]
    assert {(i["kind"], i["holder_name"]) for i in kinds_seen} >= {
        ("penalty", cast.organisation.name),
        ("inspection", worker.name),
    }
    again = _import(api, coordinator, good)  # the same year's inspection twice is refused on its row
    assert [(e["row"], e["message"]) for e in again.json()["errors"]] == [(3, "2021 年的年检结果已录入")]
    district = new_user(session, Role.DISTRICT_BUREAU, region_id=cast.programme.region_id)
    assert _import(api, district, good).status_code == 403
