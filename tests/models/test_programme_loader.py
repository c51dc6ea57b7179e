"""Programme files: both seeds load with their figures; a malformed file names the field and the line."""

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.errors import InvalidProgramme
from models.programme import ProgrammeQuota
from models.programme_loader import load_programme, read_programme_file
from models.region import Region
from tests.factories import DECLARATION_DAY, PROGRAMMES

LANZHOU = PROGRAMMES / "lanzhou-2022.yaml"


def test_lanzhou_2022_carries_the_seed_figures() -> None:
    spec = read_programme_file(LANZHOU)
    assert spec.quotas.total == 10
    assert spec.quotas.by_district == {"城关区": 3, "七里河区": 2, "西固区": 2, "安宁区": 2, "红古区": 1}
    assert spec.budget is not None and spec.budget.per_project_fen == 300_000 * 100
    assert [line.amount_fen // 100 for line in spec.budget.lines] == [160_000, 80_000, 15_000, 15_000, 30_000]
    training = spec.budget.line("training")
    assert training is not None and [p.amount_fen // 100 for p in training.parts] == [4_000, 4_000, 7_000]
    assert (spec.phases.implementation.start, spec.phases.implementation.end) == (date(2022, 9, 27), date(2023, 9, 27))
    assert (spec.phases.acceptance.start, spec.phases.acceptance.end) == (date(2023, 9, 5), date(2023, 9, 30))
    assert spec.eligibility.community.min_service_area_m2 == 300
    team = spec.eligibility.team
    assert team is not None and (team.size, team.min_certified, team.min_intermediate) == (3, 2, 1)


def test_anhui_2017_carries_the_seed_dates() -> None:
    spec = read_programme_file(PROGRAMMES / "anhui-2017.yaml")
    assert spec.quotas.total == 10 and spec.budget is None
    assert spec.phases.declaration.end == date(2017, 9, 12)
    assert spec.phases.review.end == date(2017, 9, 22)
    assert (spec.phases.implementation.start, spec.phases.implementation.end) == (date(2017, 10, 1), date(2018, 9, 30))
    assert spec.phases.acceptance.end == date(2018, 10, 31)
    assert spec.acceptance.min_local_policy_documents == 1
    assert [r.cadence for r in spec.report_schedule if r.kind == "progress"] == ["half_yearly"]


def test_loading_installs_regions_and_quotas_and_is_repeatable(session: Session) -> None:
    first = load_programme(session, LANZHOU, now=DECLARATION_DAY)
    again = load_programme(session, LANZHOU, now=DECLARATION_DAY)
    assert first.id == again.id
    quotas = session.exec(
        select(Region.name, ProgrammeQuota.quota)
        .join(Region, Region.id == ProgrammeQuota.district_id)  # type: ignore[arg-type]
        .where(ProgrammeQuota.programme_id == first.id)
    ).all()
    assert dict(quotas) == {"城关区": 3, "七里河区": 2, "西固区": 2, "安宁区": 2, "红古区": 1}


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    text = LANZHOU.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        (
            "{code: services, name: 专业服务经费, amount_yuan: 80000}",
            "{code: services, name: 专业服务经费, amount_yuan: 80000.5}",
            "budget.lines.1",
            "amount_yuan: 80000.5",
        ),
        (
            "implementation: {start: 2022-09-27, end: 2023-09-27}",
            "implementation: {start: 2022-09-27, end: 2021-09-27}",
            "phases.implementation",
            "end: 2021-09-27",
        ),
        ("    size: 3\n", "    size: three\n", "eligibility.team.size", "size: three"),
        (
            "    min_intermediate: 1\n",
            "    min_intermediat: 1\n",
            "eligibility.team.min_intermediat",
            "min_intermediat",
        ),
    ],
    ids=["float-money", "phase-ends-before-start", "wrong-type", "unknown-field"],
)
def test_malformed_file_names_field_and_line(tmp_path: Path, old: str, new: str, field: str, needle: str) -> None:
    path = _broken(tmp_path, old, new)
    with pytest.raises(InvalidProgramme) as raised:
        read_programme_file(path)
    assert f"第 {_line_of(path, needle)} 行" in raised.value.message
    assert field in raised.value.message


def test_budget_lines_must_sum_to_the_total(tmp_path: Path) -> None:
    path = _broken(tmp_path, "amount_yuan: 30000}", "amount_yuan: 31000}")
    with pytest.raises(InvalidProgramme, match="预算科目之和 301,000.00 元 不等于每个项目经费 300,000.00 元"):
        read_programme_file(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = _broken(tmp_path, "quotas:", "quotas: [")
    with pytest.raises(InvalidProgramme, match="YAML 语法错误"):
        read_programme_file(path)


def test_messages_are_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(InvalidProgramme) as raised:
        read_programme_file(_broken(tmp_path, "    size: 3\n", "    size: three\n    min_intermediat: 1\n"))
    assert "size：应为整数" in raised.value.message
    assert "min_intermediat：不认识的字段" in raised.value.message
