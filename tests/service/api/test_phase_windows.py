"""The programme's phase windows guard their events over HTTP: contracting, implementation, the review list and
acceptance; the coordinator may act outside a window with a reason, and the audit row says which it set aside."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from models.roles import Role
from models.user import User
from tests import factories
from tests.models import lifecycle_paths as paths
from tests.service.api.builders import Api
from tests.service.api.builders import user as new_user

V1 = "/api/v1"
AFTER_IMPLEMENTATION = datetime(2023, 11, 1, 9, 0, tzinfo=factories.SHANGHAI)  # Lanzhou 2022 ended 2023-09-27


def _action(api: Api, who: User, project_id: int, event: str) -> dict[str, Any]:
    shown = api.client.get(f"{V1}/projects/{project_id}", headers=api.headers(who)).json()
    return next(a for a in shown["allowed_actions"] if a["event"] == event)


def test_contract_after_the_programme_ended_is_refused_unless_the_coordinator_overrides(
    session: Session, api: Api
) -> None:
    cast = factories.cast(session)
    paths.drive_project(session, cast, [*paths.TO_UNDER_REVIEW, "select"])
    coordinator = new_user(session, Role.CITY_COORDINATOR, region_id=cast.programme.region_id)
    district = new_user(session, Role.DISTRICT_BUREAU, region_id=cast.project.district_id)
    api.clock.now = AFTER_IMPLEMENTATION
    project_id = cast.project.id

    offered = _action(api, coordinator, project_id, "contract")
    assert offered["possible"] is False and "签订购买协议期" in offered["reason"] and offered["overridable"] is True
    refused = api.act(coordinator, "projects", project_id, "contract")
    assert refused.status_code == 422
    assert [v["code"] for v in refused.json()["violations"]] == ["phase.contracting"]
    assert "2022-05-31 至 2022-08-30" in refused.json()["detail"] and "2023-11-01" in refused.json()["detail"]

    no_reason = api.act(coordinator, "projects", project_id, "contract", override_phase=True)
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "reason_required"

    overridden = api.act(
        coordinator, "projects", project_id, "contract", override_phase=True, reason="补签：原协议遗失"
    )
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["state"] == "contracted"
    trail = api.client.get(f"{V1}/projects/{project_id}/audit", headers=api.headers(coordinator)).json()
    assert trail[-1]["event"] == "contract" and trail[-1]["reason"] == "补签：原协议遗失"
    assert trail[-1]["details"]["phase_override"] == [refused.json()["violations"][0]["message"]]

    # Starting after implementation ended: a district may not override, the coordinator may.
    late_start = api.act(district, "projects", project_id, "start", override_phase=True, reason="补录")
    assert late_start.status_code == 403 and "不能越过阶段时间限制" in late_start.json()["detail"]
    assert api.act(district, "projects", project_id, "start").json()["violations"][0]["code"] == "phase.implementation"
    assert _action(api, district, project_id, "start")["overridable"] is False


def test_acceptance_waits_for_its_window_and_selection_for_the_review_list(session: Session, api: Api) -> None:
    cast = factories.cast(session)
    paths.drive_project(session, cast, [*paths.TO_IN_PROGRESS, "begin_final_evaluation"])
    coordinator = new_user(session, Role.CITY_COORDINATOR, region_id=cast.programme.region_id)
    api.clock.now = paths.IMPLEMENTATION_DAY
    payload = {"payload": factories.GOOD_PAYLOADS[("project", "accept")]}
    early = api.act(coordinator, "projects", cast.project.id, "accept", **payload)
    assert early.status_code == 422 and early.json()["violations"][0]["code"] == "phase.acceptance"
    api.clock.now = factories.ACCEPTANCE_DAY
    assert api.act(coordinator, "projects", cast.project.id, "accept", **payload).status_code == 200

    late = factories.cast(session, programme=cast.programme)
    paths.drive_project(session, late, paths.TO_UNDER_REVIEW)
    api.clock.now = paths.IMPLEMENTATION_DAY  # the review list was fixed by 2022-08-30
    refused = api.act(coordinator, "projects", late.project.id, "select")
    assert refused.status_code == 422 and refused.json()["violations"][0]["code"] == "phase.review"
    rejected = api.act(coordinator, "projects", late.project.id, "reject", reason="名单已确定")
    assert rejected.status_code == 422 and rejected.json()["violations"][0]["code"] == "phase.review"
