"""Importing declarations end to end: rows become drafts with their team and budget, through `declare`."""

from typing import Any

import pytest
from sqlmodel import Session, col, select

from models.audit import AuditEvent
from models.organisation import Organisation
from models.programme import Programme
from models.project import BudgetLine, Project, ProjectTeamMember
from models.region import Region
from models.roles import Actor, Role
from models.social_worker import Qualification
from service.excel.importing import ImportRejected, import_workbook
from service.excel.kinds import DECLARATIONS, columns_for
from tests import factories
from tests.database_snapshot import row_counts
from tests.factories import DECLARATION_DAY, unique
from tests.service.excel.builders import workbook

BUDGET_YUAN = [160000, "80000.00", 15000, 15000.0, "30,000"]


def headers(programme: Programme) -> list[str]:
    return [column.header for column in columns_for(DECLARATIONS, programme.parsed_spec())]


def path_of(session: Session, community: Region) -> str:
    street = session.get(Region, community.parent_id)
    assert street is not None
    district = session.get(Region, street.parent_id)
    assert district is not None
    return f"{district.name}/{street.name}/{community.name}"


def row(programme: Programme, path: str, organisation: Organisation, team: str, **changes: Any) -> list[Any]:
    values: dict[str, Any] = {
        "试点批次代码": programme.code,
        "社区（区/街道/社区）": path,
        "申报机构统一社会信用代码": organisation.credit_code,
        "项目名称": unique("邻里守望"),
        "社区服务面积（平方米）": 420,
        "街道领导签字同意书": "files/consent.pdf",
        "团队成员": team,
        "项目总经费（元）": None,
    }
    values.update(zip(headers(programme)[8:], BUDGET_YUAN, strict=True))
    values.update(changes)
    return [values.get(header) for header in headers(programme)]


def test_rows_become_drafts_with_team_and_budget(session: Session) -> None:
    programme = factories.lanzhou(session)
    organisation = factories.organisation(session)
    team = factories.lanzhou_team(session, organisation)
    places = [factories.community(session, programme), factories.community(session, programme, "西固区")]
    actor = Actor("org", Role.ORGANISATION, organisation_id=organisation.id)
    data = workbook(
        headers(programme),
        row(programme, path_of(session, places[0]), organisation, "、".join(w.name for w in team)),
        row(
            programme,
            "兰州市／" + path_of(session, places[1]),
            organisation,
            f"{team[0].name}, #{team[1].id}",
            **{"项目总经费（元）": "300000.00"},
        ),
        title="项目申报",
    )
    report = import_workbook(session, "declarations", data, actor=actor, now=DECLARATION_DAY)
    assert (report.created, report.updated) == (2, 0)

    projects = session.exec(
        select(Project).where(Project.organisation_id == organisation.id).order_by(col(Project.id))
    ).all()
    assert [p.community_id for p in projects] == [places[0].id, places[1].id]
    assert all(p.state == "draft" and p.total_fen == 30_000_000 for p in projects)
    members = session.exec(
        select(ProjectTeamMember.social_worker_id).where(ProjectTeamMember.project_id == projects[0].id)
    ).all()
    assert set(members) == {w.id for w in team}
    lines = session.exec(
        select(BudgetLine).where(BudgetLine.project_id == projects[1].id).order_by(col(BudgetLine.id))
    ).all()
    assert [(line.code, line.amount_fen) for line in lines] == [
        ("labour", 16_000_000),
        ("services", 8_000_000),
        ("training", 1_500_000),
        ("evaluation_audit", 1_500_000),
        ("management", 3_000_000),
    ]
    audit = session.exec(
        select(AuditEvent).where(AuditEvent.entity_id == projects[0].id, AuditEvent.entity_type == "project")
    ).one()
    assert (audit.event, audit.actor_role) == ("create", "organisation")


def test_an_organisation_cannot_import_another_organisations_declaration(session: Session) -> None:
    programme = factories.lanzhou(session)
    own, other = factories.organisation(session), factories.organisation(session)
    other_team = factories.lanzhou_team(session, other)
    place = factories.community(session, programme)
    data = workbook(
        headers(programme), row(programme, path_of(session, place), other, "、".join(w.name for w in other_team))
    )
    before = row_counts(session)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(
            session,
            "declarations",
            data,
            actor=Actor("org", Role.ORGANISATION, organisation_id=own.id),
            now=DECLARATION_DAY,
        )
    assert row_counts(session) == before
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "申报机构统一社会信用代码") and "本机构名义" in error.message


def test_every_wrong_row_is_reported_and_nothing_is_declared(session: Session) -> None:
    programme = factories.lanzhou(session)
    organisation = factories.organisation(session)
    team = factories.lanzhou_team(session, organisation)
    twin = factories.worker(session, organisation, Qualification.NONE)
    factories.worker(session, organisation, Qualification.NONE).name = twin.name
    session.flush()
    names = "、".join(w.name for w in team)
    places = [factories.community(session, programme) for _ in range(3)]
    taken = factories.cast(session, programme=programme).community  # already has a live declaration
    district, street, _ = path_of(session, places[0]).split("/")
    data = workbook(
        headers(programme),
        row(programme, path_of(session, places[0]), organisation, names),  # 2: fine alone
        row(programme, f"{district}/{street}/不存在社区", organisation, names),  # 3: unknown community
        row(programme, f"{district}/{street}", organisation, names),  # 4: a street
        row(
            programme,
            path_of(session, places[1]),
            organisation,
            f"{names}、查无此人、{twin.name}",
            **{"社工人力成本（元）": 160000.005},
        ),  # 5: three problems
        row(programme, path_of(session, places[0]), organisation, names),  # 6: same community as 2
        row(programme, path_of(session, taken), organisation, names),  # 7: declared before
        row(programme, path_of(session, places[1]), organisation, names, 试点批次代码="nowhere-2030"),  # 8
        row(programme, path_of(session, places[2]), organisation, names, **{"社区服务面积（平方米）": "四百"}),  # 9
    )
    before = row_counts(session)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(session, "declarations", data, actor=Actor("cli", Role.ADMIN), now=DECLARATION_DAY)
    assert row_counts(session) == before
    found = [(e.row, e.column) for e in caught.value.errors]
    assert found == [
        (3, "社区（区/街道/社区）"),
        (4, "社区（区/街道/社区）"),
        (5, "社工人力成本（元）"),
        (5, "团队成员"),
        (5, "团队成员"),
        (6, "社区（区/街道/社区）"),
        (7, "社区（区/街道/社区）"),
        (8, "试点批次代码"),
        (9, "社区服务面积（平方米）"),
    ]
    messages = [e.message for e in caught.value.errors]
    assert "下没有名为“不存在社区”的区划" in messages[0] and "不是社区" in messages[1]
    assert "两位小数" in messages[2] and "查无此人" in messages[3] and "请改写为编号" in messages[4]
    assert "与第 2 行是同一社区" in messages[5] and "已有申报项目" in messages[6]


def test_a_sheet_without_the_programmes_budget_columns_names_them(session: Session) -> None:
    programme = factories.lanzhou(session)
    organisation = factories.organisation(session)
    place = factories.community(session, programme)
    data = workbook(headers(programme)[:8], row(programme, path_of(session, place), organisation, "")[:8])
    with pytest.raises(ImportRejected) as caught:
        import_workbook(session, "declarations", data, actor=Actor("cli", Role.ADMIN), now=DECLARATION_DAY)
    assert [(e.row, e.column) for e in caught.value.errors] == [(1, h) for h in headers(programme)[8:]]
