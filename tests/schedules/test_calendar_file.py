"""A year's official schedule file, YAML or holiday-cn JSON: mistakes are refused in Chinese, naming what is wrong."""

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from sqlmodel import Session

from models.dates import SHANGHAI
from models.errors import RulesFailed
from models.roles import Actor, Role
from schedules.calendar import WorkingCalendar
from schedules.calendar_store import DayKind, calendar_days, calendar_from_db, read_official_year, store_official_year

SYSTEM = Actor("calendar-loader", Role.ADMIN)
NOW = datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "2027.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_impossible_date_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, "year: 2027\nholidays:\n  - {name: 春节, start: 2027-02-30, end: 2027-03-02}\n")
    with pytest.raises(RulesFailed, match="日期无效"):
        read_official_year(path)


def test_a_missing_field_is_named_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(RulesFailed, match="字段 year：缺少必填字段"):
        read_official_year(_file(tmp_path, "holidays: []\n"))


HOLIDAY_CN_2024 = Path(__file__).with_name("holiday_cn_2024.json")
NOTICE_2024 = "https://www.gov.cn/zhengce/content/202310/content_6911527.htm"


def _listed(path: Path) -> dict[date, bool]:
    return {date.fromisoformat(d["date"]): d["isOffDay"] for d in json.loads(path.read_text(encoding="utf-8"))["days"]}


def test_a_holiday_cn_year_reads_as_its_holidays_and_worked_weekends() -> None:
    official = read_official_year(HOLIDAY_CN_2024)
    assert (official.year, official.source) == (2024, NOTICE_2024)
    overrides = official.overrides()
    assert overrides[date(2024, 2, 10)] == (False, "春节")
    assert overrides[date(2024, 2, 4)] == (True, "春节调休上班")
    assert {day: not working for day, (working, _) in overrides.items()} == _listed(HOLIDAY_CN_2024)


def test_loading_the_2024_file_agrees_with_the_bundled_calendar_on_every_listed_day(session: Session) -> None:
    bundled = WorkingCalendar()
    listed = _listed(HOLIDAY_CN_2024)
    # The file lists exactly the days the bundled notice changes, each with the same status.
    assert {
        d: d not in chinese_calendar.workdays
        for d in chinese_calendar.holidays | chinese_calendar.workdays
        if d.year == 2024
    } == listed
    store_official_year(session, read_official_year(HOLIDAY_CN_2024), actor=SYSTEM, now=NOW)
    loaded = calendar_from_db(session)
    year = [date(2024, 1, 1) + timedelta(i) for i in range(366)]
    assert [loaded.is_working_day(d) for d in year] == [bundled.is_working_day(d) for d in year]
    assert all(loaded.is_working_day(d) is not off for d, off in listed.items())
    kinds = {
        d.day: (d.kind, d.name, d.source)
        for d in calendar_days(session, first=date(2024, 2, 3), last=date(2024, 2, 19))
    }
    assert kinds[date(2024, 2, 3)] == (DayKind.REST_DAY, "", NOTICE_2024)
    assert kinds[date(2024, 2, 4)] == (DayKind.ADJUSTED_WORKDAY, "春节调休上班", NOTICE_2024)
    assert kinds[date(2024, 2, 5)] == (DayKind.WORKDAY, "", NOTICE_2024)
    assert kinds[date(2024, 2, 12)] == (DayKind.HOLIDAY, "春节", NOTICE_2024)


def test_the_bundled_calendar_answers_for_a_year_nobody_loaded(session: Session) -> None:
    days = {d.day: d for d in calendar_days(session, first=date(2025, 1, 26), last=date(2025, 2, 8))}
    assert (days[date(2025, 1, 26)].kind, days[date(2025, 1, 26)].name) == (DayKind.ADJUSTED_WORKDAY, "春节调休上班")
    assert (days[date(2025, 1, 29)].kind, days[date(2025, 1, 29)].name) == (DayKind.HOLIDAY, "春节")
    assert days[date(2025, 2, 5)].kind == DayKind.WORKDAY
    assert days[date(2025, 2, 8)].kind == DayKind.ADJUSTED_WORKDAY
    assert all("chinese-calendar" in d.source and not d.provisional for d in days.values())
    later = calendar_days(session, first=date(2098, 1, 1), last=date(2098, 1, 4))
    assert [(d.kind, d.provisional) for d in later] == [(DayKind.WORKDAY, True)] * 3 + [(DayKind.REST_DAY, True)]
    assert "2098年尚无正式节假日安排" in later[0].source
    with pytest.raises(RulesFailed, match="查询范围"):
        calendar_days(session, first=date(2025, 1, 2), last=date(2025, 1, 1))
    with pytest.raises(RulesFailed, match="查询范围"):
        calendar_days(session, first=date(2025, 1, 1), last=date(2026, 12, 31))


def _json(tmp_path: Path, doc: object, name: str = "2024.json") -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _days(*days: dict[str, object]) -> dict[str, object]:
    return {"year": 2024, "papers": [NOTICE_2024], "days": list(days)}


SPRING = {"name": "春节", "date": "2024-02-10", "isOffDay": True}


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        (
            _days(SPRING, {"name": "春节", "date": "2024-02-11"}),
            "2024.json 字段 days.1.isOffDay（2024-02-11 春节）：缺少必填字段",
        ),
        (
            _days({"name": "春节", "date": "2024-02-30", "isOffDay": True}),
            "字段 days.0.date（2024-02-30 春节）：应为日期",
        ),
        (_days({**SPRING, "isOffDay": "yes"}), "字段 days.0.isOffDay（2024-02-10 春节）：应为 true 或 false"),
        (_days({**SPRING, "off": True}), "字段 days.0.off（2024-02-10 春节）：不认识的字段"),
        (
            _days(SPRING, {"name": "元旦", "date": "2025-01-01", "isOffDay": True}),
            "第 2 天（2025-01-01 元旦）不在 2024 年内",
        ),
        (_days(SPRING, SPRING), "第 2 天（2024-02-10 春节）重复列出"),
        ({"papers": [], "days": [SPRING]}, "字段 year：缺少必填字段"),
        ({"year": 2024}, "字段 days：缺少必填字段"),
        (
            {**_days(SPRING), "papers": ["https://www.gov.cn/" + "x" * 300]},
            "字段 papers：文件网址合计不能超过 300 个字符",
        ),
        (_days({**SPRING, "name": "春" * 91}), "字段 days.0.name（2024-02-10 " + "春" * 91 + "）：不能超过 90 个字符"),
        ([SPRING], "字段 (文件)：应为映射"),
        ('{"year": 2024, "days": [\n', "JSON 语法错误（第 2 行"),
    ],
)
def test_a_malformed_holiday_cn_file_is_refused_naming_the_field_and_the_day(
    tmp_path: Path, doc: object, words: str
) -> None:
    with pytest.raises(RulesFailed) as refused:
        read_official_year(_json(tmp_path, doc))
    assert words in str(refused.value), refused.value.violations


def test_the_format_is_told_by_content_when_the_extension_does_not(tmp_path: Path) -> None:
    text = HOLIDAY_CN_2024.read_text(encoding="utf-8")
    assert read_official_year(_json(tmp_path, text, "2024.yaml")) == read_official_year(HOLIDAY_CN_2024)
    december = _days({"name": "元旦", "date": "2023-12-30", "isOffDay": True})  # 元旦 may start the December before
    assert read_official_year(_json(tmp_path, december)).overrides() == {date(2023, 12, 30): (False, "元旦")}
