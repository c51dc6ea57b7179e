"""The FastAPI application factory: the JSON API under /api/v1 (OpenAPI at /docs and /redoc) and /health."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text

from models.database import make_engine
from schedules.heartbeat import last_sweep, sweep_is_stale
from schedules.runner import start_scheduler
from service.api.body_limit import install_body_limit
from service.api.deps import ClockDep, SessionDep
from service.api.problems import install_problem_handlers
from service.api.router import API_PREFIX, api_router
from service.api.security_headers import SecurityHeaders
from service.api.unhandled_errors import install_unhandled_errors
from service.clock import Clock, system_clock
from service.console.pages import console_router
from service.mail.outage import mail_server_status
from service.settings import Settings, get_settings, refuse_unsafe_settings

log = logging.getLogger(__name__)

STATIC_URL = "/static"
_STATIC = Path(__file__).resolve().parent / "static"  # vendored Swagger UI and Redoc: service/static/VENDORED.md


def start_scheduler_once(settings: Settings, engine: Engine | None = None) -> BackgroundScheduler | None:
    """The registry's jobs in this process when enabled: one process of the service runs them (`sanshe serve`)."""
    if settings.scheduler_enabled and settings.prefect_api_url:
        return start_scheduler(settings, engine or make_engine(settings.database_url))
    if settings.scheduler_enabled:
        log.warning("未配置 SANSHE_PREFECT_API_URL：定时任务（节点督办、评审催办、邮件发送）未启动")
    return None


def create_app(settings: Settings | None = None, engine: Engine | None = None, clock: Clock | None = None) -> FastAPI:
    """Engine, settings and clock live on app.state, so that tests can hand in their own."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        refuse_unsafe_settings(settings)  # production will not start with a default or short signing key
        if engine is None:
            app.state.engine = make_engine(settings.database_url)
        scheduler = start_scheduler_once(settings, app.state.engine)
        app.state.scheduler = scheduler  # a simulated clock set forward hands it the runs it passed
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if engine is None:
            app.state.engine.dispose()

    app = FastAPI(
        title="sanshe 三社联动试点项目管理", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.clock = clock or system_clock
    app.state.scheduler = None
    if engine is not None:
        app.state.engine = engine
    install_problem_handlers(app)
    app.include_router(api_router(dev=settings.mode == "dev"), prefix=API_PREFIX)
    app.include_router(console_router())  # the zh-CN console; `/` redirects to its sign-in or work list
    install_body_limit(app)  # inside SecurityHeaders, so that its refusals carry the headers too
    install_unhandled_errors(app)  # a 500 answered here keeps the client's connection open
    app.add_middleware(SecurityHeaders)
    _install_docs(app)

    @app.get("/health")
    def health(session: SessionDep, now: ClockDep) -> dict[str, Any]:
        """Liveness, the sweep's heartbeat (a stale sweep: deadlines go unenforced) and the mail server; no data."""
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        sweep = last_sweep(session)
        stale = sweep_is_stale(sweep, now)
        mail = mail_server_status(session)
        return {
            "status": "degraded" if stale or mail.status != "ok" else "ok",
            "database": "ok",
            "mail": {
                "status": mail.status,
                "since": None if mail.since is None else mail.since.isoformat(),
                "last_try": None if mail.last_try_at is None else mail.last_try_at.isoformat(),
                "message": mail.message,
            },
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


def _install_docs(app: FastAPI) -> None:
    """Swagger UI and Redoc from the package's own files: bureaus often run on intranets without a CDN."""
    app.mount(STATIC_URL, StaticFiles(directory=_STATIC), name="static")
    openapi_url, title = app.openapi_url or "/openapi.json", app.title
    oauth2_redirect_url = "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{STATIC_URL}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/swagger-ui/favicon-32x32.png",
            oauth2_redirect_url=oauth2_redirect_url,
            swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from the public validator
        )

    @app.get(oauth2_redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{STATIC_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )
