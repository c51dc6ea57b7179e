"""Setting the simulated clock forward: the coordinator plays a programme through, day by day or phase by phase.

The first setting starts the simulation wherever it is set (a past programme's declaration window, say); from then
on the clock only moves forward.

Refused outside simulation mode (`SANSHE_SIMULATED_CLOCK`). Who may is `CLOCK_REGISTER` in `models.lifecycles`.
The scheduled jobs the clock passes run once each, in the running scheduler (`schedules.runner.catch_ups`).
"""

from collections.abc import Callable
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session

from models.audit import record_audit
from models.authority import authorize
from models.errors import StaleVersion
from models.lifecycles import CLOCK_REGISTER
from models.roles import Actor
from models.service_clock import ADVANCE_CLOCK, CLOCK_ENTITY, set_stored_clock, stored_clock
from schedules.runner import CatchUp, catch_ups
from service.clock import service_now
from service.errors import ClockNotSimulated, InvalidInput
from service.fields import Count, Moment, text
from service.queries.clock import ClockView, clock_view
from service.settings import Settings

CatchUpStarter = Callable[[list[CatchUp]], None]


class ClockAdvance(BaseModel):
    to: Moment = Field(
        description="拨到的时间，须带时区，如 2017-09-01T09:00:00+08:00；"
        "第一次设定可为任意时间（模拟从此开始），此后只能向前拨"
    )
    expected_version: Count = Field(description="读取时钟时的版本号（GET /clock 的 version）")
    reason: text(500, multiline=True) | None = Field(  # type: ignore[valid-type]
        default=None, description="说明（记入操作记录）"
    )


class CatchUpRun(BaseModel):
    job: str
    description: str
    as_of: date
    since: date | None = None


class ClockAdvanced(ClockView):
    from_time: datetime = Field(description="拨动前的时间")
    catch_up: list[CatchUpRun] = Field(description="时钟越过的定时任务：每项补跑一次（督办按补发规则只发最高一级）")
    catch_up_started: bool = Field(description="是否已交给运行中的定时任务调度器；否则请用 sanshe 命令手动执行")


def advance_clock(
    session: Session,
    *,
    data: ClockAdvance,
    actor: Actor,
    settings: Settings,
    wall_now: datetime,
    start_catch_ups: CatchUpStarter | None,
) -> ClockAdvanced:
    """Set the stored clock forward, audited; the passed jobs are handed to `start_catch_ups`. Committed."""
    authorize(session, actor=actor, subject=CLOCK_REGISTER, action=ADVANCE_CLOCK)
    if not settings.simulated_clock:
        raise ClockNotSimulated("本系统按真实时间运行，不能拨动时钟：只有演示/模拟模式（SANSHE_SIMULATED_CLOCK）可以")
    row = stored_clock(session)
    if data.expected_version != (0 if row is None else row.version):
        raise StaleVersion("时钟刚被他人拨动过，请重新读取后再试")
    before = service_now(session, settings=settings, wall=lambda: wall_now)
    if row is not None and data.to <= before:  # the first setting starts the simulation, at any time
        raise InvalidInput(f"模拟时钟只能向前拨：当前为 {before.isoformat()}，{data.to.isoformat()} 不在其后")
    row = set_stored_clock(session, to=data.to, wall_now=wall_now, set_by=actor.user_id)
    record_audit(
        session,
        entity_type=CLOCK_ENTITY,
        entity=row,
        event=ADVANCE_CLOCK,
        from_state=row.state,
        actor=actor,
        now=data.to,
        reason=data.reason,
        details={"from": before.isoformat(), "to": data.to.isoformat()},
    )
    session.commit()
    runs = catch_ups(before, data.to)
    if runs and start_catch_ups is not None:
        start_catch_ups(runs)
    return ClockAdvanced(
        **clock_view(session, settings=settings, wall_now=wall_now).model_dump(),
        from_time=before,
        catch_up=[CatchUpRun(job=r.job_id, description=r.description, as_of=r.as_of, since=r.since) for r in runs],
        catch_up_started=bool(runs) and start_catch_ups is not None,
    )
