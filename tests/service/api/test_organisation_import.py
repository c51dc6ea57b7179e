"""An import registers organisations; it never rewrites one, as `POST /organisations` answers 409 for its code.

Guards the `code in registered` refusal in `import_organisations` (`service/excel/parties_import.py`).
"""

from sqlmodel import Session

from models.organisation import Organisation
from models.roles import Role
from service.excel import kinds
from tests.database_snapshot import row_counts
from tests.service.api.builders import Api, side
from tests.service.excel.builders import credit_code, workbook

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_district_bureau_cannot_rewrite_an_organisation_through_an_import(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    code = credit_code()
    body = {"name": "阳光社工服务中心", "credit_code": code, "registered_with_civil_affairs": True}
    registered = api.client.post(f"{V1}/organisations", headers=coordinator, json=body)
    assert registered.status_code == 201, registered.text
    again = api.client.post(f"{V1}/organisations", headers=district, json={**body, "name": "改名机构"})
    assert again.status_code == 409, again.text

    rewrite = workbook(
        [c.header for c in kinds.ORGANISATION_COLUMNS],
        ["改名机构", code, "否", None, "否", "否", "attacker@example.cn"],
        title=kinds.SHEET_TITLES[kinds.ORGANISATIONS],
    )
    counts = row_counts(session)
    answer = api.client.post(
        f"{V1}/imports/organisations", headers=district, files={"file": ("机构.xlsx", rewrite, XLSX)}
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "import_rejected"), answer.text
    (error,) = answer.json()["errors"]
    assert (error["row"], error["column"]) == (2, "统一社会信用代码")
    assert f"统一社会信用代码 {code} 已登记" in error["message"]
    assert row_counts(session) == counts  # nothing written, so no change goes unaudited
    stored = session.get(Organisation, registered.json()["id"])
    assert stored is not None
    session.refresh(stored)
    assert (stored.name, stored.contact_email, stored.registered_with_civil_affairs) == ("阳光社工服务中心", None, True)
