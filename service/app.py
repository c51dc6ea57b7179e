"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from models.database import make_engine
from models.programme import Programme
from service.settings import Settings, get_settings


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = engine or make_engine(settings.database_url)
        yield
        if engine is None:
            app.state.engine.dispose()

    app = FastAPI(title="sanshe 三社联动试点项目管理", version="0.1.0", lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, Any]:
        with Session(app.state.engine) as session:
            session.exec(text("SELECT 1"))  # type: ignore[call-overload]
            codes = session.exec(select(Programme.code).order_by(Programme.code)).all()
        return {"status": "ok", "database": "ok", "programmes": list(codes)}

    @app.get("/api/v1/programmes")
    def list_programmes() -> list[dict[str, Any]]:
        with Session(app.state.engine) as session:
            programmes = session.exec(select(Programme).order_by(Programme.code)).all()
            return [
                {"id": p.id, "code": p.code, "name": p.name, "year": p.year, "phases": p.spec["phases"],
                 "quotas": p.spec["quotas"]}
                for p in programmes
            ]

    return app
