"""An import registers social workers; it never rewrites one, so a bureau cannot regrade anyone's staff unaudited.

Guards the `if staff[key]` refusal in `import_social_workers` (`service/excel/parties_import.py`).
"""

from sqlmodel import Session

from models.roles import Role
from service.excel import kinds
from tests.database_snapshot import row_counts
from tests.service.api.builders import Api, side
from tests.service.excel.builders import workbook

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_district_bureau_cannot_regrade_a_social_worker_through_an_import(session: Session, api: Api) -> None:
    world = side(session)
    organisation = api.headers(world.users[Role.ORGANISATION])
    district = api.headers(world.users[Role.DISTRICT_BUREAU])
    registered = api.client.post(
        f"{V1}/social-workers", headers=organisation, json={"name": "李明", "qualification": "none"}
    )
    assert registered.status_code == 201, registered.text
    worker_id = registered.json()["id"]

    regrade = workbook(
        [c.header for c in kinds.SOCIAL_WORKER_COLUMNS],
        ["李明", world.organisation.credit_code, "高级社会工作师", "是"],
        title=kinds.SHEET_TITLES[kinds.SOCIAL_WORKERS],
    )
    counts = row_counts(session)
    answer = api.client.post(
        f"{V1}/imports/social-workers", headers=district, files={"file": ("社工.xlsx", regrade, XLSX)}
    )
    assert (answer.status_code, answer.json()["code"]) == (422, "import_rejected"), answer.text
    (error,) = answer.json()["errors"]
    assert (error["row"], error["column"]) == (2, "姓名")
    assert f"已登记名为“李明”的社会工作者（#{worker_id}）" in error["message"]
    assert row_counts(session) == counts  # nothing written, so no change goes unaudited
    stored = api.client.get(f"{V1}/social-workers/{worker_id}", headers=district).json()
    assert (stored["qualification"], stored["social_work_degree"]) == ("none", False)
