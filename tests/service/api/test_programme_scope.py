"""A coordinator loads only its own region's programmes: another region's is not found, and nothing of it changes.

Guards `_refuse_outside_region` in `service/commands/programmes.py` (called by `load_programme` before install).
"""

from typing import Any

import yaml
from sqlmodel import Session

from models.programme import Programme
from models.roles import Role
from tests import factories
from tests.service.api.builders import Api, side

V1 = "/api/v1"


def programme_yaml(programme: Programme, **changes: Any) -> bytes:
    """The programme's file as it was loaded, with `changes` to its top-level fields."""
    return yaml.safe_dump({**programme.spec, **changes}, allow_unicode=True).encode()


def _load(api: Api, headers: dict[str, str], source: bytes) -> Any:
    return api.client.post(
        f"{V1}/programmes", headers=headers, files={"file": ("方案.yaml", source, "application/yaml")}
    )


def test_a_coordinator_reloads_its_own_programme_but_not_another_regions(session: Session, api: Api) -> None:
    own, other = side(session), side(session)
    coordinator = api.headers(own.users[Role.CITY_COORDINATOR])
    loaded_at = other.programme.loaded_at

    renamed = programme_yaml(other.programme, name="被改写的试点批次")
    refused = _load(api, coordinator, renamed)
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found"), refused.text
    assert "不在您的管辖范围内" in refused.json()["detail"]
    session.refresh(other.programme)
    assert other.programme.name != "被改写的试点批次" and other.programme.loaded_at == loaded_at

    assert _load(api, coordinator, programme_yaml(own.programme)).status_code == 201
    admin = api.headers(own.users[Role.ADMIN])
    assert _load(api, admin, renamed).status_code == 201  # the administrator keeps every region


def test_a_new_programme_must_lie_in_the_coordinators_region(session: Session, api: Api) -> None:
    own, other = side(session), side(session)
    coordinator = api.headers(own.users[Role.CITY_COORDINATOR])

    def new(programme: Programme, region_name: str | None = None) -> bytes:
        region = {**programme.spec["region"], "name": region_name or programme.spec["region"]["name"]}
        return programme_yaml(programme, code=factories.unique("new-"), region=region)

    in_other = _load(api, coordinator, new(other.programme))
    assert (in_other.status_code, in_other.json()["code"]) == (404, "not_found"), in_other.text
    nowhere = _load(api, coordinator, new(own.programme, factories.unique("新市")))
    assert nowhere.status_code == 404, nowhere.text  # a new top region is the administrator's to add
    assert _load(api, coordinator, new(own.programme)).status_code == 201
