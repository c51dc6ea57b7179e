"""The full node plan of both seed programmes, date by date, and after an extension, a suspension and an
official-year load; re-planning keeps each node's extensions and suspension shifts."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from models.programme import Programme
from models.programme_loader import load_programme, read_programme_file
from models.roles import Actor, Role
from schedules.calendar import WorkingCalendar
from schedules.planning import plan_nodes
from schedules.replanning import load_official_year, replan_programme
from service.transitions import grant_extension
from tests import factories
from tests.factories import DECLARATION_DAY, Cast
from tests.schedules.builders import morning, project_event, started_project

CAL = WorkingCalendar()
LOADER = Actor("calendar-loader", Role.ADMIN)
Plan = list[tuple[str, int, str, date, bool]]

LANZHOU: Plan = [
    ("supervision", 1, "督导报告（第1期）", date(2022, 12, 27), False),
    ("supervision", 2, "督导报告（第2期）", date(2023, 3, 27), False),
    ("mid_term", 1, "中期报告", date(2023, 3, 28), False),
    ("mid_audit", 1, "中期审计报告", date(2023, 4, 12), False),
    ("supervision", 3, "督导报告（第3期）", date(2023, 6, 27), False),
    ("final", 1, "末期报告", date(2023, 8, 29), False),
    ("final_audit", 1, "末期审计报告", date(2023, 9, 12), False),
    ("self_assessment", 1, "试点工作总结报告", date(2023, 9, 22), False),
    ("supervision", 4, "督导报告（第4期）", date(2023, 9, 27), False),
]
ANHUI: Plan = [
    ("supervision", 1, "第三方督导报告（第1期）", date(2018, 1, 2), False),  # 1 January is 元旦
    ("mid_term", 1, "中期检查评估", date(2018, 4, 2), False),
    ("progress", 1, "半年进展情况汇报（第1期）", date(2018, 4, 2), False),  # 1 April is a Sunday
    ("supervision", 2, "第三方督导报告（第2期）", date(2018, 4, 2), False),
    ("supervision", 3, "第三方督导报告（第3期）", date(2018, 7, 2), False),
    ("progress", 2, "半年进展情况汇报（第2期）", date(2018, 9, 30), False),  # an adjusted working Sunday
    ("supervision", 4, "第三方督导报告（第4期）", date(2018, 9, 30), False),
    ("final", 1, "末期检查评估与项目总结", date(2018, 10, 17), False),
]

# The official schedules as the State Council published them (国办发明电〔2022〕16号, 国办发〔2017〕83号).
OFFICIAL_2023 = """\
year: 2023
source: 国务院办公厅关于2023年部分节假日安排的通知
holidays:
  - {name: 元旦, start: 2023-01-01, end: 2023-01-02}
  - {name: 春节, start: 2023-01-21, end: 2023-01-27}
  - {name: 清明节, start: 2023-04-05, end: 2023-04-05}
  - {name: 劳动节, start: 2023-04-29, end: 2023-05-03}
  - {name: 端午节, start: 2023-06-22, end: 2023-06-24}
  - {name: 中秋节、国庆节, start: 2023-09-29, end: 2023-10-06}
working_days:
  - {name: 春节调休上班, day: 2023-01-28}
  - {name: 春节调休上班, day: 2023-01-29}
  - {name: 劳动节调休上班, day: 2023-04-23}
  - {name: 劳动节调休上班, day: 2023-05-06}
  - {name: 端午节调休上班, day: 2023-06-25}
  - {name: 国庆节调休上班, day: 2023-10-07}
  - {name: 国庆节调休上班, day: 2023-10-08}
"""
OFFICIAL_2018 = """\
year: 2018
source: 国务院办公厅关于2018年部分节假日安排的通知
holidays:
  - {name: 元旦, start: 2018-01-01, end: 2018-01-01}
  - {name: 春节, start: 2018-02-15, end: 2018-02-21}
  - {name: 清明节, start: 2018-04-05, end: 2018-04-07}
  - {name: 劳动节, start: 2018-04-29, end: 2018-05-01}
  - {name: 端午节, start: 2018-06-16, end: 2018-06-18}
  - {name: 中秋节, start: 2018-09-22, end: 2018-09-24}
  - {name: 国庆节, start: 2018-10-01, end: 2018-10-07}
working_days:
  - {name: 春节调休上班, day: 2018-02-11}
  - {name: 春节调休上班, day: 2018-02-24}
  - {name: 清明节调休上班, day: 2018-04-08}
  - {name: 劳动节调休上班, day: 2018-04-28}
  - {name: 国庆节调休上班, day: 2018-09-29}
  - {name: 国庆节调休上班, day: 2018-09-30}
"""


def replaced(plan: Plan, changes: dict[tuple[str, int], date]) -> Plan:
    """The plan with some nodes moved, in the order of their due dates."""
    rows = [(k, s, t, changes.get((k, s), due), p) for k, s, t, due, p in plan]
    return sorted(rows, key=lambda r: (r[3], r[0], r[1]))


# Per seed: how its project is made, the extension of its first node, the suspension, and what each step plans.
SEEDS = {
    "lanzhou-2022.yaml": dict(
        plan=LANZHOU,
        district="城关区",
        declared=DECLARATION_DAY,
        start=date(2022, 9, 27),
        extension=(date(2022, 12, 20), date(2023, 1, 20)),
        suspension=(date(2023, 5, 4), date(2023, 5, 18)),  # 11 working days lost (6 May was worked)
        official=OFFICIAL_2023,
        extended={("supervision", 1): date(2023, 1, 20)},
        resumed={
            ("supervision", 3): date(2023, 7, 12),
            ("final", 1): date(2023, 9, 13),
            ("final_audit", 1): date(2023, 9, 27),
            ("self_assessment", 1): date(2023, 10, 13),  # across the National Day holiday
            ("supervision", 4): date(2023, 10, 18),
        },
    ),
    "anhui-2017.yaml": dict(
        plan=ANHUI,
        district="合肥市",
        declared=morning(date(2017, 9, 1)),
        start=date(2017, 10, 9),
        extension=(date(2017, 12, 20), date(2018, 1, 19)),
        suspension=(date(2018, 5, 2), date(2018, 5, 16)),  # 10 working days lost
        official=OFFICIAL_2018,
        extended={("supervision", 1): date(2018, 1, 19)},
        resumed={
            ("supervision", 3): date(2018, 7, 16),
            ("progress", 2): date(2018, 10, 19),
            ("supervision", 4): date(2018, 10, 19),
            ("final", 1): date(2018, 10, 31),
        },
    ),
}


def planned(session: Session, cast: Cast) -> Plan:
    nodes = factories.nodes(session, cast.project)
    for node in nodes:
        session.refresh(node)
    rows = [(n.kind, n.sequence, n.title, n.due_date, n.provisional) for n in nodes]
    return sorted(rows, key=lambda r: (r[3], r[0], r[1]))


def seed_project(session: Session, seed: str) -> tuple[Programme, Cast]:
    setting = SEEDS[seed]
    programme = load_programme(session, factories.PROGRAMMES / seed, now=DECLARATION_DAY)
    cast = started_project(
        session,
        programme=programme,
        district_name=setting["district"],  # type: ignore[arg-type]
        start_day=setting["start"],  # type: ignore[arg-type]
        declared_at=setting["declared"],  # type: ignore[arg-type]
    )
    return programme, cast


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_the_full_plan_of_each_seed_programme(session: Session, seed: str) -> None:
    expected = SEEDS[seed]["plan"]
    spec = read_programme_file(factories.PROGRAMMES / seed)
    assert [(n.kind, n.sequence, n.title, n.due_date, n.provisional) for n in plan_nodes(spec, CAL)] == expected
    _, cast = seed_project(session, seed)
    assert planned(session, cast) == expected


def test_two_half_yearly_reports_in_a_year_of_implementation() -> None:
    spec = read_programme_file(factories.PROGRAMMES / "anhui-2017.yaml")
    progress = [n for n in plan_nodes(spec, CAL) if n.kind == "progress"]
    assert [(n.sequence, n.planned_from) for n in progress] == [
        (1, "实施开始后每半年第1期"),
        (2, "实施开始后每半年第2期"),
    ]


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_the_plan_after_an_extension_a_suspension_and_an_official_year(
    session: Session, seed: str, tmp_path: Path
) -> None:
    setting = SEEDS[seed]
    plan: Plan = setting["plan"]  # type: ignore[assignment]
    _, cast = seed_project(session, seed)
    first = factories.nodes(session, cast.project)[0]
    granted_on, new_due = setting["extension"]  # type: ignore[misc]
    grant_extension(
        session,
        first,
        new_due=new_due,
        actor=cast.actor(Role.CITY_COORDINATOR),
        expected_version=first.version,
        now=morning(granted_on),
        reason="疫情防控，延期报送",
    )
    extended = replaced(plan, setting["extended"])  # type: ignore[arg-type]
    assert planned(session, cast) == extended

    suspended_on, resumed_on = setting["suspension"]  # type: ignore[misc]
    project_event(session, cast, "suspend", suspended_on)
    project_event(session, cast, "resume", resumed_on)
    resumed = replaced(extended, setting["resumed"])  # type: ignore[arg-type]
    assert planned(session, cast) == resumed

    official = tmp_path / "official.yaml"
    official.write_text(setting["official"], encoding="utf-8")  # type: ignore[arg-type]
    _, moves = load_official_year(session, official, actor=LOADER, now=morning(resumed_on))
    assert moves == []  # the published year agrees with the calendar; the extension and the shift stay
    assert planned(session, cast) == resumed


def test_a_changed_programme_date_replays_extensions_and_shifts(session: Session, tmp_path: Path) -> None:
    programme, cast = seed_project(session, "lanzhou-2022.yaml")
    first = factories.nodes(session, cast.project)[0]
    grant_extension(
        session,
        first,
        new_due=date(2023, 1, 20),
        actor=cast.actor(Role.CITY_COORDINATOR),
        expected_version=first.version,
        now=morning(date(2022, 12, 20)),
        reason="疫情防控，延期报送",
    )
    project_event(session, cast, "suspend", date(2023, 5, 4))
    project_event(session, cast, "resume", date(2023, 5, 18))

    source = (factories.PROGRAMMES / "lanzhou-2022.yaml").read_text(encoding="utf-8")
    later = source.replace(
        "acceptance: {start: 2023-09-05, end: 2023-09-30}", "acceptance: {start: 2023-09-12, end: 2023-10-20}"
    )
    assert later != source
    path = tmp_path / "lanzhou-2022.yaml"
    path.write_text(later, encoding="utf-8")
    programme = load_programme(session, path, now=morning(date(2023, 6, 1)))
    moves = replan_programme(session, programme, actor=LOADER, now=morning(date(2023, 6, 1)), reason="验收期调整")
    lost = 11  # 4 May to 18 May 2023, the adjusted working Saturday 6 May included
    # Each acceptance-anchored node: its new plan, then the suspension's 11 working days again.
    new_plan = {
        ("final", 1): CAL.add_working_days(date(2023, 9, 12), -5),
        ("final_audit", 1): CAL.add_working_days(date(2023, 9, 12), 5),
        ("self_assessment", 1): CAL.add_working_days(date(2023, 10, 20), -5),
    }
    assert new_plan == {
        ("final", 1): date(2023, 9, 5),
        ("final_audit", 1): date(2023, 9, 19),
        ("self_assessment", 1): date(2023, 10, 13),
    }
    expected = replaced(
        LANZHOU,
        {
            ("supervision", 1): date(2023, 1, 20),  # the extension is kept
            ("supervision", 3): date(2023, 7, 12),  # the shift is kept
            ("final", 1): date(2023, 9, 20),
            ("final_audit", 1): date(2023, 10, 10),
            ("self_assessment", 1): date(2023, 10, 30),
            ("supervision", 4): date(2023, 10, 18),
        },
    )
    assert {key: CAL.add_working_days(due, lost) for key, due in new_plan.items()} == {
        ("final", 1): date(2023, 9, 20),
        ("final_audit", 1): date(2023, 10, 10),
        ("self_assessment", 1): date(2023, 10, 30),
    }
    assert planned(session, cast) == expected
    assert {(m.title, m.to_due) for m in moves} == {
        ("末期报告", date(2023, 9, 20)),
        ("末期审计报告", date(2023, 10, 10)),
        ("试点工作总结报告", date(2023, 10, 30)),
    }
