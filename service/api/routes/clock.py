"""The service's time: read by everyone; in simulation mode, set forward by the coordinator, or played through the
programme year (`service.commands.play_year`, the console's 播放全年)."""

from functools import partial

from fastapi import APIRouter, Request

from schedules.runner import start_catch_ups
from service.api.deps import CurrentActor, SessionDep, SettingsDep, WallClockDep
from service.commands.clock import ClockAdvance, ClockAdvanced, advance_clock
from service.commands.play_year import PLAYER, YearPlayStatus, play_status
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


@router.post("/play", status_code=202)
def play_year(
    session: SessionDep, settings: SettingsDep, wall_now: WallClockDep, actor: CurrentActor
) -> YearPlayStatus:
    """播放全年（仅演示/模拟模式，市民政局）：在后台逐日拨快模拟时钟直到试点批次的最后一个节点，每天执行节点督办、
    评审催办、季度通报并发送邮件；已有播放进行中时拒绝（409）。进度见 GET /clock/play。"""
    PLAYER.start(session, actor=actor, settings=settings, wall_now=wall_now)
    return play_status(session, actor=actor, settings=settings, wall_now=wall_now, player=PLAYER)


@router.get("/play")
def read_play(
    session: SessionDep, settings: SettingsDep, wall_now: WallClockDep, actor: CurrentActor
) -> YearPlayStatus:
    """播放全年的进度：第几天、共几天，以及已发出的提醒、升级、通报和邮件数（市民政局）。"""
    return play_status(session, actor=actor, settings=settings, wall_now=wall_now, player=PLAYER)
