"""What time the service lives on, as every signed-in user may read it."""

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlmodel import Session

from models.dates import shanghai_date
from models.service_clock import stored_clock
from service.clock import service_now
from service.settings import Settings


class ClockView(BaseModel):
    now: datetime = Field(description="本系统当前时间（模拟模式下为模拟时钟）")
    today: date = Field(description="当前日期（北京时间），期限与督办以此为准")
    simulated: bool = Field(description="是否为演示/模拟模式：只有此模式下市民政局可以拨快时钟")
    version: int = Field(description="时钟的版本号（拨快时提交，防止两人同时拨动）；从未拨动为 0")
    set_by: str | None = Field(default=None, description="最近一次拨动时钟的用户")
    set_at: datetime | None = Field(default=None, description="最近一次拨动时钟的真实时间")


def clock_view(session: Session, *, settings: Settings, wall_now: datetime) -> ClockView:
    now = service_now(session, settings=settings, wall=lambda: wall_now)
    row = stored_clock(session) if settings.simulated_clock else None
    return ClockView(
        now=now,
        today=shanghai_date(now),
        simulated=settings.simulated_clock,
        version=0 if row is None else row.version,
        set_by=None if row is None else row.set_by,
        set_at=None if row is None else row.set_at,
    )
