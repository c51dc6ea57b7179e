"""An import registers experts; it never rewrites one: a registered e-mail address is refused on its cell.

Guards the `if owners` refusal in `import_experts` (`service/excel/parties_import.py`).
"""

from sqlmodel import Session

from models.roles import Role
from service.excel import kinds
from tests.database_snapshot import row_counts
from tests.factories import unique
from tests.service.api.builders import Api, side
from tests.service.excel.builders import workbook

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_an_import_cannot_rewrite_a_registered_expert(session: Session, api: Api) -> None:
    world = side(session)
    coordinator = api.headers(world.users[Role.CITY_COORDINATOR])
    email = f"{unique('expert')}@example.cn"
    body = {"name": "王教授", "email": email, "field_of_expertise": "社会工作", "employer_name": "兰州大学"}
    registered = api.client.post(f"{V1}/experts", headers=coordinator, json=body)
    assert registered.status_code == 201, registered.text
    expert_id = registered.json()["id"]

    rewrite = workbook(
        [c.header for c in kinds.EXPERT_COLUMNS],
        ["王教授", email.upper(), "城市规划", "某公司"],
        title=kinds.SHEET_TITLES[kinds.EXPERTS],
    )
    counts = row_counts(session)
    answer = api.client.post(f"{V1}/imports/experts", headers=coordinator, files={"file": ("专家.xlsx", rewrite, XLSX)})
    assert (answer.status_code, answer.json()["code"]) == (422, "import_rejected"), answer.text
    (error,) = answer.json()["errors"]
    assert (error["row"], error["column"]) == (2, "电子邮箱")
    assert f"已属于专家“王教授”（#{expert_id}）" in error["message"]
    assert row_counts(session) == counts  # nothing written, so no change goes unaudited
    stored = api.client.get(f"{V1}/experts/{expert_id}", headers=coordinator).json()
    assert (stored["field_of_expertise"], stored["employer_name"]) == ("社会工作", "兰州大学")

    # The single endpoint keys experts by e-mail too (the Duplicate in `create_expert`, service/commands/registers.py).
    again = api.client.post(f"{V1}/experts", headers=coordinator, json={**body, "email": email.upper()})
    assert (again.status_code, again.json()["code"]) == (409, "duplicate"), again.text
    assert f"已属于专家“王教授”（#{expert_id}）" in again.json()["detail"]
