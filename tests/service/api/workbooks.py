"""Import workbooks for the API tests, filled in the way a user would, for one side of the world."""

from sqlmodel import Session

from models.money import FEN_PER_YUAN
from models.region import RegionLevel, Settlement
from models.region_tree import ensure_region
from service.excel import kinds
from tests import factories
from tests.service.api.builders import Side
from tests.service.excel.builders import credit_code, workbook


def organisations() -> bytes:
    headers = [c.header for c in kinds.ORGANISATION_COLUMNS]
    return workbook(
        headers,
        [
            factories.unique("社工服务中心"),
            credit_code(),
            "是",
            "2019-01-01",
            "是",
            "是",
            f"{factories.unique('org')}@example.cn",
        ],
        title=kinds.SHEET_TITLES[kinds.ORGANISATIONS],
    )


def experts() -> bytes:
    headers = [c.header for c in kinds.EXPERT_COLUMNS]
    return workbook(
        headers,
        [factories.unique("专家"), f"{factories.unique('e')}@example.cn", "社会工作", "兰州大学"],
        title=kinds.SHEET_TITLES[kinds.EXPERTS],
    )


def social_workers(target: Side) -> bytes:
    headers = [c.header for c in kinds.SOCIAL_WORKER_COLUMNS]
    return workbook(
        headers,
        [factories.unique("社工"), target.organisation.credit_code, "社会工作师", "是"],
        title=kinds.SHEET_TITLES[kinds.SOCIAL_WORKERS],
    )


def declarations(session: Session, target: Side, *, title: str | None = None) -> bytes:
    """One declaration of the side's organisation for a fresh community under the side's street."""
    community = ensure_region(
        session,
        name=factories.unique("社区"),
        level=RegionLevel.COMMUNITY,
        parent=target.street,
        settlement=Settlement.URBAN,
        contact_email=f"{factories.unique('c')}@example.cn",
    )
    team = factories.lanzhou_team(session, target.organisation)
    session.flush()
    spec = target.programme.parsed_spec()
    columns = kinds.columns_for(kinds.DECLARATIONS, spec)
    values = {
        kinds.DECL_PROGRAMME.header: target.programme.code,
        kinds.DECL_COMMUNITY.header: f"{target.district.name}/{target.street.name}/{community.name}",
        kinds.DECL_ORGANISATION.header: target.organisation.credit_code,
        kinds.DECL_TITLE.header: title or factories.unique("邻里守望计划"),
        kinds.DECL_AREA.header: 420,
        kinds.DECL_CONSENT.header: "files/consent.pdf",
        kinds.DECL_TEAM.header: "、".join(worker.name for worker in team),
    }
    assert spec.budget is not None
    for line in spec.budget.lines:
        values[kinds.budget_column(line).header] = line.amount_fen // FEN_PER_YUAN
    return workbook(
        [c.header for c in columns],
        [values.get(c.header) for c in columns],
        title=kinds.SHEET_TITLES[kinds.DECLARATIONS],
    )
