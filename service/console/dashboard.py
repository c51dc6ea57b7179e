"""项目总览: the programme dashboard of a coordinator, a district bureau or a street office, within its scope, with
the recent Prefect flow runs (read from Prefect's REST API; when Prefect cannot be reached the page says so)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from models.dates import shanghai_date
from service.api.deps import ClockDep, SessionDep
from service.console.refusals import ConsoleRoute
from service.console.session import ConsoleActor, ConsoleUser
from service.console.templating import render
from service.queries.dashboard import programme_dashboard
from service.queries.sweeps import SweepListed, recent_sweeps
from service.settings import Settings

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
DASHBOARD_PATH = "/console/dashboard"
FLOW_RUNS_SHOWN = 10
SWEEPS_SHOWN = 10
PREFECT_TIMEOUT_SECONDS = 1.5
RUN_STATES_ZH = {
    "SCHEDULED": "已排期",
    "PENDING": "等待中",
    "RUNNING": "运行中",
    "COMPLETED": "已完成",
    "FAILED": "失败",
    "CANCELLED": "已取消",
    "CANCELLING": "取消中",
    "CRASHED": "异常退出",
    "PAUSED": "已暂停",
}


@dataclass(frozen=True)
class FlowRun:
    name: str
    flow: str
    state: str  # Prefect's state type: COMPLETED, FAILED…
    state_label: str
    started: datetime | None
    url: str


@dataclass(frozen=True)
class FlowRuns:
    runs: list[FlowRun]
    problem: str | None  # why none could be read, in Chinese


def _ui_base(api_url: str) -> str:
    """Prefect serves its UI where its API lives, without the trailing /api."""
    base = api_url.rstrip("/")
    return base[: -len("/api")] if base.endswith("/api") else base


def _started(run: dict[str, Any]) -> datetime | None:
    written = run.get("start_time") or run.get("expected_start_time")
    return datetime.fromisoformat(written) if written else None


@dataclass(frozen=True)
class SweepRow:
    """A recent sweep as the page lists it, with the link to its Prefect flow run when it ran as one."""

    sweep: SweepListed
    run_url: str | None


def flow_run_url(settings: Settings, flow_run_id: str) -> str | None:
    """The run's page in the Prefect UI, where the service's Prefect API lives; None when none is configured."""
    if not settings.prefect_api_url:
        return None
    return f"{_ui_base(settings.prefect_api_url)}/runs/flow-run/{flow_run_id}"


def sweep_rows(session: Session, settings: Settings) -> list[SweepRow]:
    return [
        SweepRow(sweep, None if sweep.flow_run_id is None else flow_run_url(settings, sweep.flow_run_id))
        for sweep in recent_sweeps(session, limit=SWEEPS_SHOWN)
    ]


def recent_flow_runs(settings: Settings) -> FlowRuns:
    """The newest runs with their flows' names, in two requests with a short timeout; never raises."""
    if not settings.prefect_api_url:
        return FlowRuns([], "未配置 Prefect 服务地址（PREFECT_API_URL），无法显示流程运行记录。")
    api = settings.prefect_api_url.rstrip("/")
    try:
        with httpx.Client(timeout=PREFECT_TIMEOUT_SECONDS) as client:
            found = client.post(f"{api}/flow_runs/filter", json={"sort": "START_TIME_DESC", "limit": FLOW_RUNS_SHOWN})
            found.raise_for_status()
            runs = found.json()
            flow_ids = sorted({run["flow_id"] for run in runs})
            flows = client.post(f"{api}/flows/filter", json={"flows": {"id": {"any_": flow_ids}}}) if runs else None
            if flows is not None:
                flows.raise_for_status()
            names = {flow["id"]: flow["name"] for flow in (flows.json() if flows is not None else [])}
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return FlowRuns([], "暂时无法连接 Prefect 服务，流程运行记录稍后再看。")
    ui = _ui_base(api)
    return FlowRuns(
        [
            FlowRun(
                name=run.get("name", ""),
                flow=names.get(run["flow_id"], ""),
                state=run.get("state_type") or "",
                state_label=RUN_STATES_ZH.get(run.get("state_type") or "", run.get("state_name") or "未知"),
                started=_started(run),
                url=f"{ui}/runs/flow-run/{run['id']}",  # as `flow_run_url` words it
            )
            for run in runs
        ],
        None,
    )


@router.get(DASHBOARD_PATH)
def dashboard(request: Request, session: SessionDep, now: ClockDep, user: ConsoleUser, actor: ConsoleActor) -> Response:
    today = shanghai_date(now)
    board = programme_dashboard(session, actor=actor, today=today)
    chart = {
        "months": [f"{p.month.year}年{p.month.month}月" for p in board.months],
        "due": [p.due for p in board.months],
        "done": [p.done for p in board.months],
    }
    return render(
        request,
        "console/dashboard.html",
        user=user,
        board=board,
        chart=chart,
        flow_runs=recent_flow_runs(request.app.state.settings),
        sweeps=sweep_rows(session, request.app.state.settings),
    )
