"""A programme played through the HTTP API as its users would: sign in, upload, act, set the programme clock."""

import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any, TypeVar

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
from typer.testing import CliRunner

from schedules.runner import CATCH_UP_EXECUTOR
from service.cli import app as sanshe
from service.excel import kinds
from tests.service.excel.builders import workbook

V1 = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Headers = dict[str, str]
Found = TypeVar("Found")


def bootstrap_admin(username: str) -> str:
    """`sanshe create-user` as an operator runs it on a new installation; its one-time password, shown once."""
    result = CliRunner().invoke(sanshe, ["create-user", username, "--role", "admin", "--display-name", "系统管理员"])
    assert result.exit_code == 0, result.output
    shown = re.search(r"一次性密码：(\S+?)（", result.output)
    assert shown is not None, result.output
    return shown.group(1)


def first_sign_in(client: TestClient, username: str, one_time_password: str, new_password: str) -> Headers:
    """Signed in with a one-time password, nothing but the change of password is served; then a fresh token."""
    token = sign_in_token(client, username, one_time_password)
    assert token["must_change_password"] is True
    first = bearer(token["access_token"])
    held = client.get(f"{V1}/users/me", headers=first)
    assert held.status_code == 403 and held.json()["code"] == "password_change_required", held.text
    changed = client.post(
        f"{V1}/users/me/password",
        headers=first,
        json={"old_password": one_time_password, "new_password": new_password},
    )
    assert changed.status_code == 200 and changed.json()["must_change_password"] is False, changed.text
    assert client.get(f"{V1}/users/me", headers=first).status_code == 401  # the one-time token is void
    return sign_in(client, username, new_password)


def sign_in(client: TestClient, username: str, password: str) -> Headers:
    return bearer(sign_in_token(client, username, password)["access_token"])


def sign_in_token(client: TestClient, username: str, password: str) -> dict[str, Any]:
    answer = client.post(f"{V1}/login/access-token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: dict[str, Any] = answer.json()
    return token


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def created(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def upload(client: TestClient, url: str, headers: Headers, name: str, data: bytes, media: str = XLSX) -> Any:
    return client.post(url, headers=headers, files={"file": (name, data, media)})


def act(client: TestClient, headers: Headers, resource: str, entity_id: int, event: str, **body: Any) -> Any:
    """The action as the console sends it: with the version just read."""
    shown = client.get(f"{V1}/{resource}/{entity_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    return client.post(
        f"{V1}/{resource}/{entity_id}/actions/{event}",
        headers=headers,
        json={"expected_version": shown.json()["version"], **body},
    )


def done(answer: Any, state: str) -> dict[str, Any]:
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    assert body["state"] == state, body
    return body


def refused(answer: Any, code: str) -> dict[str, Any]:
    """A rule refused the action (422): its violations, each with its code and its Chinese message."""
    assert answer.status_code == 422, answer.text
    problem: dict[str, Any] = answer.json()
    assert [v["code"] for v in problem["violations"]] == [code], problem
    return problem


def set_clock(client: TestClient, headers: Headers, to: datetime, reason: str) -> dict[str, Any]:
    """The coordinator reads the programme clock and sets it forward to `to`."""
    shown = client.get(f"{V1}/clock", headers=headers).json()
    answer = client.post(
        f"{V1}/clock",
        headers=headers,
        json={"to": to.isoformat(), "expected_version": shown["version"], "reason": reason},
    )
    assert answer.status_code == 200, answer.text
    moved: dict[str, Any] = answer.json()
    assert datetime.fromisoformat(moved["now"]) == to
    return moved


def wait_for(probe: Callable[[], Found | None], *, what: str, timeout: float = 30.0) -> Found:
    """Poll until `probe` finds something: what the scheduler's catch-up runs leave, as a user would reload."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"等待超时（{timeout} 秒）：{what}")
        time.sleep(0.2)


def drain_catch_ups(scheduler: BaseScheduler, timeout: float = 60.0) -> None:
    """Wait until every catch-up batch handed to the scheduler has run: a marker queued behind them on their worker."""
    ran = threading.Event()
    scheduler.add_jobstore(MemoryJobStore(), alias="marker")  # the service's own store keeps only importable jobs
    scheduler.add_job(ran.set, jobstore="marker", executor=CATCH_UP_EXECUTOR, next_run_time=datetime.now(UTC))
    assert ran.wait(timeout), f"定时任务补跑 {timeout} 秒内未完成"


def places_workbook(*rows: list[Any]) -> bytes:
    headers = [column.header for column in kinds.PLACE_COLUMNS]
    return workbook(headers, *rows, title=kinds.SHEET_TITLES[kinds.PLACES])


def accounts_workbook(*rows: list[Any]) -> bytes:
    headers = [column.header for column in kinds.ACCOUNT_COLUMNS]
    return workbook(headers, *rows, title=kinds.SHEET_TITLES[kinds.ACCOUNTS])


def published_bulletin(client: TestClient, headers: Headers, period: str) -> dict[str, Any] | None:
    return next((b for b in client.get(f"{V1}/bulletins", headers=headers).json() if b["period"] == period), None)


def bulletin_summary(client: TestClient, headers: Headers, published: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """The downloaded workbook's summary sheet, a row per district."""
    book = client.get(published["download_url"], headers=headers)
    assert book.status_code == 200, book.text
    sheet = load_workbook(BytesIO(book.content))["汇总"]
    return {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}


def completed_flow_runs(names: Iterable[str]) -> int:
    with get_client(sync_client=True) as prefect:
        runs = prefect.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=list(names))))
    return sum(1 for run in runs if run.state is not None and run.state.is_completed())


def region(client: TestClient, headers: Headers, region_id: int) -> dict[str, Any]:
    shown = client.get(f"{V1}/regions/{region_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    body: dict[str, Any] = shown.json()
    return body


def child(parent: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in parent["children"] if c["name"] == name]
    return found


def health_after_sweep(client: TestClient, day: date) -> dict[str, Any]:
    """/health once the node sweep of `day` has left its heartbeat."""

    def probe() -> dict[str, Any] | None:
        health: dict[str, Any] = client.get("/health").json()
        sweep = health["last_sweep"]
        return health if sweep is not None and sweep["as_of"] == day.isoformat() else None

    return wait_for(probe, what=f"{day} 的节点督办")


def sent_notices(client: TestClient, headers: Headers, project_id: int | None, template: str) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"status": "sent", "template": template}
    if project_id is not None:
        params["project_id"] = project_id
    found: list[dict[str, Any]] = client.get(f"{V1}/notices", headers=headers, params=params).json()
    return found
