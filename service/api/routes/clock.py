"""The service's time: read by everyone; in simulation mode, set forward by the coordinator."""

from functools import partial

from fastapi import APIRouter, Request

from schedules.runner import start_catch_ups
from service.api.deps import CurrentActor, SessionDep, SettingsDep, WallClockDep
from service.commands.clock import ClockAdvance, ClockAdvanced, advance_clock
from service.queries.clock import ClockView, clock_view

router = APIRouter(prefix="/clock", tags=["clock"])


@router.get("")
def read_clock(session: SessionDep, settings: SettingsDep, wall_now: WallClockDep, actor: CurrentActor) -> ClockView:
    """本系统当前时间与日期；模拟模式下为模拟时钟。"""
    return clock_view(session, settings=settings, wall_now=wall_now)


@router.post("")
def set_clock_forward(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    wall_now: WallClockDep,
    actor: CurrentActor,
    data: ClockAdvance,
) -> ClockAdvanced:
    """拨快模拟时钟（仅演示/模拟模式，市民政局）：越过的每日督办、评审催办与季度通报各补跑一次，随后发送邮件。"""
    scheduler = request.app.state.scheduler
    return advance_clock(
        session,
        data=data,
        actor=actor,
        settings=settings,
        wall_now=wall_now,
        start_catch_ups=None if scheduler is None else partial(start_catch_ups, scheduler),
    )
