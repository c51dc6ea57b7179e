"""The coordinator loads a year's official holidays over HTTP: provisional nodes in it are re-planned."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from models.dates import SHANGHAI
from models.migrate import fresh_database
from models.node import Node
from models.programme import Programme
from models.programme_loader import load_programme
from models.roles import Role
from schedules.calendar import WorkingCalendar
from service.cli import app as cli
from service.queries.calendar import official_years
from service.settings import get_settings
from tests import factories
from tests.factories import DECLARATION_DAY, Cast
from tests.schedules.builders import started_project
from tests.service.api.builders import Api, user

V1 = "/api/v1"
URL = f"{V1}/calendar/official-years"
OFFICIAL_2027 = """\
year: 2027
source: 测试用的2027年节假日安排
holidays:
  - {name: 端午节, start: 2027-06-09, end: 2027-06-11}
working_days:
  - {name: 端午节调休上班, day: 2027-06-12}
"""


def _upload(api: Api, headers: dict[str, str], text: str, name: str = "2027.yaml") -> httpx.Response:
    return api.client.post(URL, headers=headers, files={"file": (name, text.encode(), "application/yaml")})


def _june_node_of_a_programme_in(session: Session, tmp_path: Path, year: int) -> tuple[Programme, Cast, Node]:
    """Lanzhou's programme moved to a later year, one project started, and its first supervision node."""
    source = (factories.PROGRAMMES / "lanzhou-2022.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("code: lanzhou-2022", f"code: {factories.unique('lz-').lower()}"),
        ("declaration: {start: 2022-05-31, end: 2022-08-30}", f"declaration: {{start: 2022-05-31, end: {year}-02-28}}"),
        (
            "implementation: {start: 2022-09-27, end: 2023-09-27}",
            f"implementation: {{start: {year}-03-09, end: {year}-12-09}}",
        ),
        ("acceptance: {start: 2023-09-05, end: 2023-09-30}", f"acceptance: {{start: {year}-12-01, end: {year}-12-30}}"),
    ):
        assert old in source
        source = source.replace(old, new)
    (tmp_path / "later.yaml").write_text(source, encoding="utf-8")
    programme = load_programme(session, tmp_path / "later.yaml", now=DECLARATION_DAY)
    cast = started_project(session, programme=programme, start_day=date(year, 3, 9))
    june = next(n for n in factories.nodes(session, cast.project) if (n.kind, n.sequence) == ("supervision", 1))
    return programme, cast, june


def test_loading_the_official_year_replans_a_provisional_node(session: Session, api: Api, tmp_path: Path) -> None:
    programme, cast, june = _june_node_of_a_programme_in(session, tmp_path, 2027)
    api.clock.now = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=programme.region_id))
    node_url = f"{V1}/nodes/{june.id}"
    before = api.client.get(node_url, headers=coordinator).json()
    assert (before["due_date"], before["provisional"]) == ("2027-06-09", True)  # weekends only until it is official

    loaded = _upload(api, coordinator, OFFICIAL_2027)
    assert loaded.status_code == 200, loaded.text
    result = loaded.json()
    assert (result["year"], result["source"]) == (2027, "测试用的2027年节假日安排")
    move = next(m for m in result["moves"] if m["node_id"] == june.id)
    assert (move["from_due"], move["to_due"], move["provisional"]) == ("2027-06-09", "2027-06-12", False)
    after = api.client.get(node_url, headers=coordinator).json()
    assert (after["due_date"], after["provisional"]) == ("2027-06-12", False)
    trail = api.client.get(f"{node_url}/audit", headers=coordinator).json()
    assert any(e["event"] == "replan" and "2027年节假日安排已正式公布" in (e["reason"] or "") for e in trail)

    organisation = api.headers(user(session, Role.ORGANISATION, organisation_id=cast.organisation.id))
    (year,) = [y for y in api.client.get(URL, headers=organisation).json() if y["year"] == 2027]
    assert [(d["day"], d["working"], d["name"]) for d in year["days"]] == [
        ("2027-06-09", False, "端午节"),
        ("2027-06-10", False, "端午节"),
        ("2027-06-11", False, "端午节"),
        ("2027-06-12", True, "端午节调休上班"),
    ]
    assert _upload(api, organisation, OFFICIAL_2027).status_code == 403


def test_a_malformed_file_is_refused_naming_the_field(session: Session, api: Api) -> None:
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=factories.lanzhou(session).region_id))
    cases = [  # (file, words the detail must hold)
        ("year: 2027\nholidays:\n  - {name: 端午节, start: 2027-06-09}\n", "2027.yaml 字段 holidays.0.end"),
        ("year: 2027\nholidays: [\n", "YAML 语法错误"),
        ("year: 2027\nworking_days:\n  - {day: 2027-02-30}\n", "日期无效"),
        ("year: 2027\nholidays:\n  - {name: 元旦, start: 2028-01-01, end: 2028-01-01}\n", "日期不在 2027 年内"),
    ]
    for text, words in cases:
        refused = _upload(api, coordinator, text)
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert refused.headers["content-type"] == "application/problem+json"
        assert words in problem["detail"], problem
    assert "line 3" in _upload(api, coordinator, "year: 2027\nholidays: [\n").json()["detail"]
    assert all(y["year"] != 2027 for y in api.client.get(URL, headers=coordinator).json())  # nothing was stored


def test_the_cli_loads_a_year_through_the_same_use_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sanshe calendar load` stores the year as the API does, and refuses a malformed file with exit code 2."""
    good, bad = tmp_path / "2027.yaml", tmp_path / "2028.yaml"
    good.write_text(OFFICIAL_2027, encoding="utf-8")
    bad.write_text("year: 2028\nholidays:\n  - {name: 元旦, start: 2028-01-01}\n", encoding="utf-8")
    with fresh_database("sqlite", prefix="sanshe-calendar-cli") as engine:
        monkeypatch.setenv("SANSHE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        try:
            loaded = CliRunner().invoke(cli, ["calendar", "load", str(good)])
            refused = CliRunner().invoke(cli, ["calendar", "load", str(bad)])
        finally:
            get_settings.cache_clear()
        with Session(engine) as session:
            assert [y.year for y in official_years(session)] == [2027]
    assert loaded.exit_code == 0, loaded.output
    assert "已载入 2027 年节假日安排，重算 0 个暂定节点" in loaded.output
    assert refused.exit_code == 2 and "载入失败：2028.yaml 字段 holidays.0.end" in refused.output


HOLIDAY_CN_2024 = Path(__file__).parents[2] / "schedules" / "holiday_cn_2024.json"
DAYS = f"{V1}/calendar/days"
NOTICE_2099 = "https://www.gov.cn/zhengce/content/209912/content_0000001.htm"


def _holiday_cn(year: int, *days: tuple[str, date, bool]) -> str:
    entries = [{"name": name, "date": day.isoformat(), "isOffDay": off} for name, day, off in days]
    return json.dumps({"year": year, "papers": [NOTICE_2099], "days": entries}, ensure_ascii=False)


def test_a_holiday_cn_year_not_yet_bundled_is_loaded_and_plans_by_it(
    session: Session, api: Api, tmp_path: Path
) -> None:
    """2099 is covered by nothing bundled: its holiday-cn file makes it official and moves the node off its holiday."""
    programme, cast, june = _june_node_of_a_programme_in(session, tmp_path, 2099)
    due, provisional = june.due_date, june.provisional
    assert provisional and due.weekday() < 5
    api.clock.now = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=programme.region_id))
    organisation = api.headers(user(session, Role.ORGANISATION, organisation_id=cast.organisation.id))
    saturday = due + timedelta(days=(5 - due.weekday()) % 7)
    text = _holiday_cn(2099, ("端午节", due, True), ("端午节", saturday, False))
    expected = WorkingCalendar(overrides={due: False, saturday: True}).add_working_days(due, 0)

    loaded = _upload(api, coordinator, text, "2099.json")
    assert loaded.status_code == 200, loaded.text
    assert (loaded.json()["year"], loaded.json()["source"]) == (2099, NOTICE_2099)
    after = api.client.get(f"{V1}/nodes/{june.id}", headers=coordinator).json()
    assert (after["due_date"], after["provisional"]) == (expected.isoformat(), False)
    (year,) = [y for y in api.client.get(URL, headers=organisation).json() if y["year"] == 2099]
    assert year["source"] == NOTICE_2099
    assert [(d["day"], d["working"], d["name"]) for d in year["days"]] == sorted(
        [(due.isoformat(), False, "端午节"), (saturday.isoformat(), True, "端午节调休上班")]
    )

    listed = api.client.get(DAYS, headers=organisation, params={"from": str(due), "to": str(saturday)})
    assert listed.status_code == 200, listed.text
    days = {d["day"]: d for d in listed.json()}
    assert [d["day"] for d in listed.json()] == [str(due + timedelta(i)) for i in range((saturday - due).days + 1)]
    assert (days[str(due)]["kind"], days[str(due)]["name"], days[str(due)]["working"]) == (
        "法定节假日",
        "端午节",
        False,
    )
    assert (days[str(saturday)]["kind"], days[str(saturday)]["working"]) == ("调休上班", True)
    assert all(d["source"] == NOTICE_2099 and not d["provisional"] for d in days.values())
    before = api.client.get(DAYS, headers=organisation, params={"from": "2098-12-27", "to": "2098-12-28"}).json()
    assert [(d["kind"], d["provisional"]) for d in before] == [("休息日", True), ("休息日", True)]


def test_the_days_query_names_each_kind_and_refuses_a_bad_span(session: Session, api: Api) -> None:
    reader = api.headers(user(session, Role.CITY_COORDINATOR, region_id=factories.lanzhou(session).region_id))
    days = api.client.get(DAYS, headers=reader, params={"from": "2024-09-27", "to": "2024-10-01"}).json()
    assert [(d["day"], d["kind"], d["name"]) for d in days] == [
        ("2024-09-27", "工作日", ""),
        ("2024-09-28", "休息日", ""),
        ("2024-09-29", "调休上班", "国庆节调休上班"),
        ("2024-09-30", "工作日", ""),
        ("2024-10-01", "法定节假日", "国庆节"),
    ]
    assert all("国务院办公厅2024年节假日安排" in d["source"] for d in days)
    backwards = api.client.get(DAYS, headers=reader, params={"from": "2024-10-01", "to": "2024-09-30"})
    assert backwards.status_code == 422 and "查询范围" in backwards.json()["detail"]
    assert api.client.get(DAYS, headers=reader, params={"from": "2024-10-01"}).status_code == 422
    assert api.client.get(DAYS, params={"from": "2024-10-01", "to": "2024-10-02"}).status_code == 401


def test_a_malformed_holiday_cn_file_is_refused_naming_the_field_and_the_day(session: Session, api: Api) -> None:
    coordinator = api.headers(user(session, Role.CITY_COORDINATOR, region_id=factories.lanzhou(session).region_id))
    missing = '{"year": 2099, "days": [{"name": "元旦", "date": "2099-01-01"}]}'
    refused = _upload(api, coordinator, missing, "2099.json")
    assert refused.status_code == 422, refused.text
    assert "2099.json 字段 days.0.isOffDay（2099-01-01 元旦）：缺少必填字段" in refused.json()["detail"]
    assert all(y["year"] != 2099 for y in api.client.get(URL, headers=coordinator).json())  # nothing was stored


def test_the_cli_loads_a_holiday_cn_file_that_agrees_with_the_bundled_calendar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sanshe calendar load 2024.json` stores the year; every day it lists keeps the status the bundled data gives."""
    listed = {date.fromisoformat(d["date"]): d["isOffDay"] for d in json.loads(HOLIDAY_CN_2024.read_text())["days"]}
    with fresh_database("sqlite", prefix="sanshe-calendar-json") as engine:
        monkeypatch.setenv("SANSHE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
        get_settings.cache_clear()
        try:
            loaded = CliRunner().invoke(cli, ["calendar", "load", str(HOLIDAY_CN_2024)])
        finally:
            get_settings.cache_clear()
        with Session(engine) as session:
            (year,) = official_years(session)
    assert loaded.exit_code == 0, loaded.output
    assert "已载入 2024 年节假日安排" in loaded.output
    assert year.year == 2024 and year.source.startswith("https://www.gov.cn/")
    assert {d.day: not d.working for d in year.days} == listed
    assert all(WorkingCalendar().is_working_day(day) is not off for day, off in listed.items())
