"""The seed's eligibility and budget rules, each failing on its own with a message that names it."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from models.budget import budget_violations
from models.eligibility import declaration_violations, organisation_violations, team_violations
from models.errors import RulesFailed
from models.organisation import (
    AnnualInspection,
    CreditEntry,
    CreditKind,
    InspectionResult,
    Organisation,
    Penalty,
)
from models.programme_loader import read_programme_file
from models.programme_spec import OrganisationRules
from models.project import BudgetLine
from models.roles import Role
from models.social_worker import Qualification, SocialWorker
from service.transitions import transition
from tests import factories
from tests.factories import PROGRAMMES
from tests.models.lifecycle_paths import IMPLEMENTATION_DAY, TO_IN_PROGRESS, drive_project

SPEC = read_programme_file(PROGRAMMES / "lanzhou-2022.yaml")
TEAM_RULES = SPEC.eligibility.team
assert TEAM_RULES is not None


def _worker(qualification: Qualification, degree: bool = False, employer: int = 1) -> SocialWorker:
    return SocialWorker(
        name=f"{qualification}-{degree}", qualification=qualification, social_work_degree=degree, employer_id=employer
    )


def _codes(violations: list) -> set[str]:
    return {v.code for v in violations}


def test_seed_team_passes() -> None:
    team = [_worker(Qualification.INTERMEDIATE), _worker(Qualification.ASSISTANT), _worker(Qualification.NONE, True)]
    assert team_violations(1, team, TEAM_RULES) == []


@pytest.mark.parametrize(
    ("team", "expected"),
    [
        ([(Qualification.INTERMEDIATE, False), (Qualification.ASSISTANT, False)], {"team.size"}),
        (
            [(Qualification.INTERMEDIATE, False), (Qualification.NONE, True), (Qualification.NONE, True)],
            {"team.certified"},
        ),
        (
            [(Qualification.ASSISTANT, False), (Qualification.ASSISTANT, False), (Qualification.NONE, True)],
            {"team.intermediate"},
        ),
        (
            [(Qualification.INTERMEDIATE, False), (Qualification.ASSISTANT, False), (Qualification.NONE, False)],
            {"team.degree"},
        ),
    ],
    ids=["two-workers", "one-certified", "no-intermediate", "third-not-a-graduate"],
)
def test_team_rules(team: list[tuple[Qualification, bool]], expected: set[str]) -> None:
    assert _codes(team_violations(1, [_worker(q, d) for q, d in team], TEAM_RULES)) == expected


def test_borrowed_credentials_are_refused() -> None:
    team = [
        _worker(Qualification.INTERMEDIATE, employer=2),
        _worker(Qualification.ASSISTANT),
        _worker(Qualification.NONE, True),
    ]
    found = team_violations(1, team, TEAM_RULES)
    assert _codes(found) == {"team.employer"} and "不得借用他人资质" in found[0].message


def test_organisation_record_rules() -> None:
    org = Organisation(
        name="某社工中心",
        credit_code="X",
        registered_with_civil_affairs=False,
        sound_governance=True,
        financial_rules_and_bank_account=False,
    )
    now = datetime(2022, 7, 1, tzinfo=UTC)
    found = organisation_violations(
        org,
        penalties=[Penalty(organisation_id=1, imposed_on=now.date(), authority="民政局", reason="违规")],
        inspections=[
            AnnualInspection(organisation_id=1, year=2020, result=InspectionResult.FAILED),
            AnnualInspection(organisation_id=1, year=2021, result=InspectionResult.MISSED),
            AnnualInspection(organisation_id=1, year=2019, result=InspectionResult.PASSED),
        ],
        credit_entries=[CreditEntry(organisation_id=1, kind=CreditKind.BLACKLIST, reason="冒名顶替", recorded_at=now)],
        rules=OrganisationRules(),
    )
    assert _codes(found) == {
        "organisation.registered",
        "organisation.penalty",
        "organisation.inspection_failed",
        "organisation.inspection_missed",
        "organisation.blacklisted",
        "organisation.governance",
    }
    assert "年检不合格（2020 年）" in " ".join(v.message for v in found)


def test_lanzhou_budget_template_binds_every_line() -> None:
    lines = [
        BudgetLine(project_id=1, code=c, name=c, amount_fen=a)
        for c, a in [
            ("labour", 16_000_000),
            ("services", 8_000_000),
            ("training", 1_500_000),
            ("evaluation_audit", 1_500_000),
            ("management", 3_000_000),
        ]
    ]
    assert budget_violations(lines, total_fen=30_000_000, template=SPEC.budget) == []
    lines[0].amount_fen, lines[1].amount_fen = 15_000_000, 9_000_000  # same total, lines moved
    found = budget_violations(lines, total_fen=30_000_000, template=SPEC.budget)
    assert _codes(found) == {"budget.line_amount"} and "社工人力成本 应为 160,000.00 元" in found[0].message
    found = budget_violations(lines[:4], total_fen=30_000_000, template=SPEC.budget)
    assert {"budget.sum", "budget.line_missing"} <= _codes(found)


def test_a_clean_declaration_has_no_violations(session: Session) -> None:
    cast = factories.cast(session)
    assert declaration_violations(session, cast.project, SPEC) == []


def test_district_quota_is_enforced(session: Session) -> None:
    programme = factories.lanzhou(session)
    selected = []
    for _ in range(2):  # 七里河区 has two slots
        cast = factories.cast(session, programme=programme, district_name="七里河区")
        drive_project(session, cast, ["submit", "confirm_eligibility", "open_review", "select"])
        selected.append(cast)
    third = factories.cast(session, programme=programme, district_name="七里河区")
    drive_project(session, third, ["submit", "confirm_eligibility", "open_review"])
    with pytest.raises(RulesFailed, match="七里河区 的试点名额 2 个已满"):
        drive_project(session, third, ["select"])
    drive_project(session, selected[0], ["terminate"])  # a terminated project frees its slot
    drive_project(session, third, ["select"])
    assert third.project.state == "selected"


def test_fraud_terminates_and_blacklists_in_one_transaction(session: Session) -> None:
    cast = factories.cast(session)
    drive_project(session, cast, TO_IN_PROGRESS, close_nodes=False)
    transition(
        session,
        cast.project,
        "terminate_for_fraud",
        actor=cast.actor(Role.CITY_COORDINATOR),
        expected_version=cast.project.version,
        now=IMPLEMENTATION_DAY,
        reason="借用无关人员资质冒名顶替",
    )
    assert cast.project.state == "terminated"
    entry = session.exec(select(CreditEntry).where(CreditEntry.organisation_id == cast.organisation.id)).one()
    assert (entry.kind, entry.source_project_id, entry.reason) == (
        CreditKind.BLACKLIST,
        cast.project.id,
        "借用无关人员资质冒名顶替",
    )
    # The blacklisted organisation's next declaration fails the eligibility check.
    again = factories.cast(session, programme=cast.programme, declaring=cast.organisation)
    assert "organisation.blacklisted" in _codes(declaration_violations(session, again.project, SPEC))
