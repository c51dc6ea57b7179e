"""The FastAPI application factory: the JSON API under /api/v1 (OpenAPI at /docs) and /health."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from models.database import make_engine
from models.programme import Programme
from service.api.problems import install_problem_handlers
from service.api.router import API_PREFIX, api_router
from service.clock import Clock, system_clock
from service.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None) -> FastAPI:
    """Engine, settings and clock live on app.state, so that tests can hand in their own."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is None:
            app.state.engine = make_engine(settings.database_url)
        yield
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
    def health() -> dict[str, Any]:
        with Session(app.state.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            codes = session.exec(select(Programme.code).order_by(Programme.code)).all()
        return {"status": "ok", "database": "ok", "programmes": list(codes)}

    return app
