"""The FastAPI application factory: the JSON API under /api/v1 (OpenAPI at /docs) and /health."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import select

from models.database import make_engine
from models.programme import Programme
from schedules.heartbeat import last_sweep, sweep_is_stale
from schedules.runner import start_scheduler
from service.api.deps import ClockDep, SessionDep
from service.api.problems import install_problem_handlers
from service.api.router import API_PREFIX, api_router
from service.clock import Clock, system_clock
from service.settings import Settings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None) -> FastAPI:
    """Engine, settings and clock live on app.state, so that tests can hand in their own."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is None:
            app.state.engine = make_engine(settings.database_url)
        scheduler = None
        if settings.scheduler_enabled and settings.prefect_api_url:
            scheduler = start_scheduler(settings, app.state.engine)
        elif settings.scheduler_enabled:
            log.warning("未配置 SANSHE_PREFECT_API_URL：定时任务（节点督办、评审催办、邮件发送）未启动")
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if engine is None:
            app.state.engine.dispose()

    app = FastAPI(title="sanshe 三社联动试点项目管理", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock or system_clock
    if engine is not None:
        app.state.engine = engine
    install_problem_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)

    @app.get("/health")
    def health(session: SessionDep, now: ClockDep) -> dict[str, Any]:
        """Liveness plus the sweep's heartbeat: a stale sweep means deadlines are not being enforced."""
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        codes = session.exec(select(Programme.code).order_by(Programme.code)).all()
        sweep = last_sweep(session)
        stale = sweep_is_stale(sweep, now)
        return {
            "status": "degraded" if stale else "ok",
            "database": "ok",
            "programmes": list(codes),
            "last_sweep": None
            if sweep is None
            else {
                "as_of": sweep.as_of.isoformat(),
                "ran_at": sweep.ran_at.isoformat(),
                "due": sweep.due,
                "claimed": sweep.claimed,
                "notices": sweep.notices,
            },
            "sweep_stale": stale,
        }

    return app
