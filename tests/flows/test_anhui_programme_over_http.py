"""Anhui 2017 played through from an empty installation, over HTTP only, on the programme clock.

Nothing is written to the database but what `sanshe create-user` writes for the first administrator: every place,
account, register entry, declaration and report is made through the API, by the role that makes it, on the day the
coordinator has set the programme clock to. The scheduler runs inside the app, as in production: each time the
clock is set forward it catches up the daily sweeps and the quarterly bulletins it passed, as real Prefect flow runs,
and the dispatcher mails their notices to the dev mail catcher.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prefect.settings import PREFECT_API_URL
from sqlalchemy import Engine

from service.app import create_app
from service.mail.catcher import CatcherProcess
from service.settings import Settings, get_settings
from tests import factories
from tests.flows.anhui_builders import (
    V1,
    accounts_workbook,
    act,
    bootstrap_admin,
    bulletin_summary,
    child,
    completed_flow_runs,
    created,
    done,
    drain_catch_ups,
    first_sign_in,
    health_after_sweep,
    places_workbook,
    published_bulletin,
    refused,
    region,
    sent_notices,
    set_clock,
    upload,
    wait_for,
)
from tests.flows.deadline_db import fresh_flow_database
from tests.service.api.builders import FakeClock
from tests.service.excel.builders import credit_code

SHANGHAI = factories.SHANGHAI
PASSWORD = "anhui-2017-pass"
BEFORE_THE_CALL = datetime(2017, 7, 24, 9, 0, tzinfo=SHANGHAI)  # declarations open on 2017-08-01
DECLARATION_DAY = datetime(2017, 8, 1, 9, 0, tzinfo=SHANGHAI)
REVIEW_DAY = datetime(2017, 9, 14, 9, 0, tzinfo=SHANGHAI)  # review 2017-09-13 .. 09-22
START_DAY = datetime(2017, 10, 1, 9, 0, tzinfo=SHANGHAI)  # implementation 2017-10-01 .. 2018-09-30
REPORT_DAY = datetime(2017, 12, 20, 9, 0, tzinfo=SHANGHAI)
AFTER_SPRING_NODES = datetime(2018, 4, 4, 9, 0, tzinfo=SHANGHAI)  # three nodes were due on 2018-04-02
AFTER_SECOND_QUARTER = datetime(2018, 7, 3, 9, 0, tzinfo=SHANGHAI)  # 2018-07-02: Q3's first working day


@pytest.fixture
def flow_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield from fresh_flow_database(tmp_path, monkeypatch)


@pytest.fixture
def mail_catcher(tmp_path: Path) -> Iterator[CatcherProcess]:
    with CatcherProcess(tmp_path / "files" / "mail-catcher") as catcher:  # where GET /dev/caught-mail reads
        yield catcher


@pytest.fixture
def client(flow_db: Engine, mail_catcher: CatcherProcess, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app on the flows' database file, its scheduler started by the lifespan against the Prefect test server.

    The flows read their settings from the environment, so simulation mode and the mail port go there too."""
    monkeypatch.setenv("SANSHE_SIMULATED_CLOCK", "true")
    monkeypatch.setenv("SANSHE_SMTP_PORT", str(mail_catcher.port))
    get_settings.cache_clear()
    settings = Settings(
        mode="dev",  # the test reads the notices at GET /dev/caught-mail
        secret_key="test-secret-" + uuid.uuid4().hex,
        scheduler_enabled=True,
        prefect_api_url=PREFECT_API_URL.value(),
    )
    assert settings.simulated_clock and settings.database_url == str(flow_db.url) == get_settings().database_url
    # The wall clock (sign-in, token expiry) stands at the moment the test began. The stored clock runs on from where
    # it was set at the wall clock's pace, and the flows read the real wall clock: so the two agree within seconds.
    app = create_app(settings=settings, engine=None, clock=FakeClock(datetime.now(UTC)))
    with TestClient(app) as started:
        scheduler = app.state.scheduler
        assert scheduler is not None
        yield started
        drain_catch_ups(scheduler)  # no flow may still run on this database once it is gone
    get_settings.cache_clear()


def test_anhui_2017_from_an_empty_installation_to_its_bulletins(client: TestClient) -> None:
    # 1. The one account the command line makes; the administrator starts the programme clock and loads Anhui 2017.
    admin = first_sign_in(client, "admin", bootstrap_admin("admin"), PASSWORD)
    started = set_clock(client, admin, BEFORE_THE_CALL, "模拟：安徽 2017 年度示范项目，从发布申报通知前开始")
    assert (started["today"], started["simulated"], started["catch_up"]) == ("2017-07-24", True, [])
    loaded = created(
        upload(
            client,
            f"{V1}/programmes",
            admin,
            "anhui-2017.yaml",
            (factories.PROGRAMMES / "anhui-2017.yaml").read_bytes(),
            "application/yaml",
        )
    )
    assert (loaded["code"], loaded["phases"]["declaration"]) == (
        "anhui-2017",
        {"start": "2017-08-01", "end": "2017-09-12"},
    )
    province = region(client, admin, loaded["region_id"])
    assert (province["name"], province["level"]) == ("安徽省", "province")
    assert len(province["children"]) == 16 and "合肥市" in {c["name"] for c in province["children"]}

    # The provincial bureau's coordinator, with a one-time password changed at the first sign-in.
    made = created(
        client.post(
            f"{V1}/users",
            headers=admin,
            json={
                "username": "ahmz-tc",
                "role": "city_coordinator",
                "display_name": "安徽省民政厅",
                "region_id": province["id"],
            },
        )
    )
    assert made["must_change_password"] is True
    coordinator = first_sign_in(client, "ahmz-tc", made["one_time_password"], PASSWORD)

    # 2. Places below 合肥市 from a workbook: a district, an urban street and a rural town, a community in each.
    hefei = child(province, "合肥市")
    imported = upload(
        client,
        f"{V1}/imports/places",
        coordinator,
        "区划.xlsx",
        places_workbook(
            ["安徽省", "mzt@ah.example.cn", None, None],
            ["合肥市/包河区", "mzj@baohe.example.cn", "城市", None],
            ["合肥市/包河区/望湖街道", "wanghu@baohe.example.cn", None, None],
            ["合肥市/包河区/望湖街道/南园社区", "nanyuan@baohe.example.cn", "城市", 52000],
            ["合肥市/包河区/大圩镇", "dawei@baohe.example.cn", "农村", None],
            ["合肥市/包河区/大圩镇/金葡萄村", "jinputao@baohe.example.cn", None, 180000],
        ),
    )
    assert imported.status_code == 200, imported.text
    assert (imported.json()["created"], imported.json()["updated"]) == (5, 1)
    baohe = child(region(client, coordinator, hefei["id"]), "包河区")
    district = region(client, coordinator, baohe["id"])
    wanghu, dawei = child(district, "望湖街道"), child(district, "大圩镇")
    nanyuan = child(region(client, coordinator, wanghu["id"]), "南园社区")
    village = child(region(client, coordinator, dawei["id"]), "金葡萄村")
    assert (nanyuan["settlement_label"], nanyuan["contact_email"]) == ("城市", "nanyuan@baohe.example.cn")
    assert (village["settlement_label"], village["service_area_m2"]) == ("农村", 180000)  # as its town

    # 3. Accounts: the coordinator makes the district bureau's; the bureau imports its street and community
    # offices' and registers the organisation it works with; the coordinator registers the expert.
    bureau_made = created(
        client.post(
            f"{V1}/users",
            headers=coordinator,
            json={
                "username": "baohe-mzj",
                "role": "district_bureau",
                "display_name": "包河区民政局",
                "region_id": baohe["id"],
            },
        )
    )
    bureau = first_sign_in(client, "baohe-mzj", bureau_made["one_time_password"], PASSWORD)
    offices = upload(
        client,
        f"{V1}/users/import",
        bureau,
        "账号.xlsx",
        accounts_workbook(
            ["wanghu-jd", "望湖街道办事处", "街道办事处", "包河区/望湖街道", None, None],
            ["nanyuan-sq", "南园社区居委会", "社区居委会", "包河区/望湖街道/南园社区", None, None],
        ),
    )
    assert offices.status_code == 200 and offices.json()["created"] == 2, offices.text
    passwords = {a["username"]: a["one_time_password"] for a in offices.json()["accounts"]}
    street = first_sign_in(client, "wanghu-jd", passwords["wanghu-jd"], PASSWORD)
    community = first_sign_in(client, "nanyuan-sq", passwords["nanyuan-sq"], PASSWORD)

    organisation_row = created(
        client.post(
            f"{V1}/organisations",
            headers=bureau,
            json={
                "name": "合肥市包河区邻里社会工作服务中心",
                "credit_code": credit_code(),
                "registered_with_civil_affairs": True,
                "registered_on": "2015-06-01",
                "sound_governance": True,
                "financial_rules_and_bank_account": True,
                "contact_email": "linli@sg.example.cn",
            },
        )
    )
    org_made = created(
        client.post(
            f"{V1}/users",
            headers=bureau,
            json={"username": "linli-sg", "role": "organisation", "organisation_id": organisation_row["id"]},
        )
    )
    organisation = first_sign_in(client, "linli-sg", org_made["one_time_password"], PASSWORD)
    expert_row = created(
        client.post(
            f"{V1}/experts",
            headers=coordinator,
            json={
                "name": "程教授",
                "email": "cheng@ahu.example.cn",
                "field_of_expertise": "社区社会工作",
                "employer_name": "安徽大学",
            },
        )
    )
    expert_made = created(
        client.post(
            f"{V1}/users",
            headers=coordinator,
            json={"username": "cheng-zj", "role": "expert", "expert_id": expert_row["id"]},
        )
    )
    expert = first_sign_in(client, "cheng-zj", expert_made["one_time_password"], PASSWORD)

    # 4. The organisation registers its team and drafts its declaration; the call is not open yet.
    team = [
        created(
            client.post(
                f"{V1}/social-workers",
                headers=organisation,
                json={"name": name, "qualification": qualification, "social_work_degree": True},
            )
        )["id"]
        for name, qualification in (("王芳", "intermediate"), ("李强", "assistant"), ("赵敏", "none"))
    ]
    declared = created(
        client.post(
            f"{V1}/projects",
            headers=organisation,
            json={
                "programme_id": loaded["id"],
                "community_id": nanyuan["id"],
                "organisation_id": organisation_row["id"],
                "title": "南园社区“邻里守望”社区治理能力提升项目",
                "total_fen": 20_000_000,
                "community_service_area_m2": 52000,
                "team_worker_ids": team,
                "budget_lines": [
                    {"code": "staff", "name": "人员经费", "amount_fen": 12_000_000},
                    {"code": "activities", "name": "活动经费", "amount_fen": 8_000_000},
                ],
            },
        )
    )
    project_id = declared["id"]
    early = refused(act(client, organisation, "projects", project_id, "submit"), "phase.declaration")
    assert "2017-08-01 至 2017-09-12" in early["detail"] and "2017-07-24" in early["detail"]

    # The coordinator opens the call; the clock passes daily sweeps, which the scheduler catches up.
    opened = set_clock(client, coordinator, DECLARATION_DAY, "申报通知发布，进入申报期")
    assert [(run["job"], run["as_of"]) for run in opened["catch_up"]] == [
        ("enforce-deadlines", "2017-08-01"),  # once, as of the last day passed
        ("review-reminders", "2017-08-01"),
    ]
    assert opened["catch_up_started"] is True
    health_after_sweep(client, date(2017, 8, 1))
    done(act(client, organisation, "projects", project_id, "submit"), "submitted")
    done(act(client, bureau, "projects", project_id, "confirm_eligibility"), "eligible")
    done(act(client, coordinator, "projects", project_id, "open_review"), "under_review")
    assignment = created(
        client.post(
            f"{V1}/review-assignments",
            headers=coordinator,
            json={"project_id": project_id, "expert_id": expert_row["id"], "due_date": "2017-09-20"},
        )
    )
    too_soon = act(client, coordinator, "projects", project_id, "select")
    assert too_soon.status_code == 422
    assert {v["code"] for v in too_soon.json()["violations"]} == {"phase.review", "review.open_assignments"}

    # Review: the expert scores inside the review window; the coordinator selects and contracts.
    reviewing = set_clock(client, coordinator, REVIEW_DAY, "申报截止，进入评审期")
    assert reviewing["catch_up_started"] is True
    health_after_sweep(client, date(2017, 9, 14))
    done(act(client, expert, "review-assignments", assignment["id"], "accept"), "accepted")
    scores = {"needs": 26, "design": 25, "capacity": 17, "outcomes": 16}
    done(
        act(client, expert, "review-assignments", assignment["id"], "submit_scores", payload={"scores": scores}),
        "submitted",
    )
    done(act(client, coordinator, "projects", project_id, "select"), "selected")
    done(act(client, coordinator, "projects", project_id, "contract"), "contracted")
    not_yet = refused(act(client, bureau, "projects", project_id, "start"), "phase.implementation")
    assert "2017-10-01 至 2018-09-30" in not_yet["detail"]

    # Implementation starts on 1 October: the nodes are planned, 倒推 from the programme's dates.
    set_clock(client, coordinator, START_DAY, "项目实施开始")
    done(act(client, bureau, "projects", project_id, "start"), "in_progress")
    nodes = client.get(f"{V1}/projects/{project_id}/nodes", headers=organisation).json()
    due = {n["title"]: n["due_date"] for n in nodes}
    assert due["第三方督导报告（第1期）"] == "2018-01-02"
    assert due["半年进展情况汇报（第1期）"] == due["中期检查评估"] == due["第三方督导报告（第2期）"] == "2018-04-02"

    # 5. A node report cycle, before its due date: uploaded, submitted, confirmed by the community, approved.
    # The clock moves on while the runs of 1 October may still be going: its runs queue behind theirs.
    set_clock(client, coordinator, REPORT_DAY, "第一季度督导报告")
    first = next(n for n in nodes if n["title"] == "第三方督导报告（第1期）")
    stored = upload(
        client,
        f"{V1}/nodes/{first['id']}/attachments",
        organisation,
        "督导报告.pdf",
        b"%PDF-1.4 report",
        "application/pdf",
    )
    assert stored.status_code == 201, stored.text
    report = {"summary": "本季度开展社区走访 36 户、居民议事会 3 次", "attachments": [stored.json()["path"]]}
    done(act(client, organisation, "nodes", first["id"], "submit", payload=report), "submitted")
    done(
        act(client, community, "nodes", first["id"], "confirm", payload={"opinion": "情况属实"}),
        "confirmed_by_community",
    )
    done(act(client, bureau, "nodes", first["id"], "approve"), "approved")

    # 6. The organisation lets the spring nodes pass: the sweep the clock passed finds them late.
    spring = set_clock(client, coordinator, AFTER_SPRING_NODES, "进入第二季度")
    assert {run["job"]: run["as_of"] for run in spring["catch_up"]}["enforce-deadlines"] == "2018-04-04"
    health = health_after_sweep(client, date(2018, 4, 4))
    assert (health["status"], health["sweep_stale"]) == ("ok", False)  # /health names no programme
    assert (health["last_sweep"]["claimed"], health["last_sweep"]["notices"]) == (3, 6)  # two offices per node
    spring_nodes = [n["id"] for n in nodes if n["due_date"] == "2018-04-02"]
    overdue = wait_for(lambda: sent_notices(client, coordinator, project_id, "node_overdue"), what="逾期通知已发送")
    assert {n["entity_id"] for n in overdue} == set(spring_nodes)
    assert {n["recipient_party"] for n in overdue} == {"community", "street_office"}
    offices_told = {n["recipient_address"] for n in overdue}
    assert offices_told == {"nanyuan@baohe.example.cn", "wanghu@baohe.example.cn"}
    caught = client.get(f"{V1}/dev/caught-mail", headers=coordinator).json()
    digests = {
        address
        for m in caught
        for address in offices_told
        if address in m["to"] and m["subject"].endswith("节点逾期通知（3 项）")
    }
    assert digests == offices_told  # one mail per office for the sweep's three late nodes

    quarter = wait_for(
        lambda: published_bulletin(client, bureau, "2018-Q1"), what="2018-Q1 通报已生成"
    )  # 2018-04-02 passed
    assert bulletin_summary(client, bureau, quarter)["包河区"] == ("包河区", 1, 1, 0, 0, 0)  # reported on 2017-12-20

    # 7. Past the first working day of the third quarter: the second quarter's bulletin, the spring nodes still late.
    summer = set_clock(client, coordinator, AFTER_SECOND_QUARTER, "进入第三季度")
    assert {run["job"]: run["since"] for run in summer["catch_up"]}["publish-quarterly-bulletins"] == "2018-04-04"
    quarter = wait_for(lambda: published_bulletin(client, bureau, "2018-Q2"), what="2018-Q2 通报已生成")
    assert [b["period"] for b in client.get(f"{V1}/bulletins", headers=street).json()] == ["2018-Q2", "2018-Q1"]
    late = bulletin_summary(client, bureau, quarter)["包河区"]
    assert late == ("包河区", 3, 0, 0, 3, 61)  # three due, none done, 61 working days late by 30 June
    wait_for(
        lambda: len(sent_notices(client, coordinator, None, "bulletin_published")) == 4,
        what="两期通报已通知区民政局与街道办",
    )

    # Every clock move's catch-up ran, none skipped, each a completed flow run on the Prefect server.
    days = ["2017-08-01", "2017-09-14", "2017-10-01", "2017-12-20", "2018-04-04", "2018-07-03"]
    wait_for(lambda: completed_flow_runs(f"sweep-{day}" for day in days) == len(days), what="每次拨快的节点督办")
