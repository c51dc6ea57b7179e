"""Production mode, the default: no start with a public or short signing key, and no dev-only route."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session

from models.roles import Role
from service.app import create_app
from service.settings import DEFAULT_SECRET_KEY, MIN_SECRET_KEY_LENGTH, Settings, UnsafeSettings
from tests.service.api.builders import Api, side

V1 = "/api/v1"
HOW_TO = "secrets.token_urlsafe(48)"


def start(settings: Settings) -> None:
    """Start the app's lifespan, as uvicorn does, and stop it again."""
    with TestClient(create_app(settings=settings, engine=create_engine("sqlite://"))):
        pass


@pytest.mark.parametrize(
    ("secret", "reason"),
    [(DEFAULT_SECRET_KEY, "默认值"), ("x" * (MIN_SECRET_KEY_LENGTH - 1), f"只有 {MIN_SECRET_KEY_LENGTH - 1} 个字符")],
)
def test_production_will_not_start_with_the_default_or_a_short_secret(secret: str, reason: str) -> None:
    """Guards the first line of the lifespan in service/app.py (`refuse_unsafe_settings`)."""
    assert Settings().mode == "production"  # the default
    with pytest.raises(UnsafeSettings) as refused:
        start(Settings(secret_key=secret, scheduler_enabled=False))
    message = str(refused.value)
    assert "生产模式拒绝启动" in message and reason in message
    assert "SANSHE_SECRET_KEY" in message and HOW_TO in message and "SANSHE_MODE=dev" in message


def test_production_will_not_start_on_a_simulated_clock() -> None:
    """Guards the simulated-clock refusal in `refuse_unsafe_settings` (service/settings.py)."""
    with pytest.raises(UnsafeSettings) as refused:
        start(Settings(secret_key=secrets.token_urlsafe(48), simulated_clock=True, scheduler_enabled=False))
    assert "SANSHE_SIMULATED_CLOCK" in str(refused.value)
    start(Settings(mode="dev", simulated_clock=True, scheduler_enabled=False))


def test_production_starts_with_a_long_random_secret_and_dev_mode_with_any() -> None:
    start(Settings(secret_key=secrets.token_urlsafe(48), scheduler_enabled=False))
    start(Settings(mode="dev", secret_key=DEFAULT_SECRET_KEY, scheduler_enabled=False))


def test_the_dev_mail_catcher_exists_in_dev_mode_only(session: Session, api: Api, dev_api: Api) -> None:
    """Guards `api_router(dev=…)` in service/app.py and its DEV_ONLY routers in service/api/router.py."""
    coordinator = side(session).users[Role.CITY_COORDINATOR]
    assert api.client.get(f"{V1}/dev/caught-mail", headers=api.headers(coordinator)).status_code == 404
    assert not [path for path in api.client.get("/openapi.json").json()["paths"] if "/dev/" in path]

    assert dev_api.client.get(f"{V1}/dev/caught-mail", headers=dev_api.headers(coordinator)).status_code == 200
    assert f"{V1}/dev/caught-mail" in dev_api.client.get("/openapi.json").json()["paths"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["serve", "up"])
def test_serve_and_up_refuse_before_starting_anything(command: str, tmp_path: Path) -> None:
    """Guards `safe_settings()` in service/cli/__init__.py: `up` starts no child, `serve` no server.

    Without it `serve` would still fail, later, in the lifespan (uvicorn's exit code 3 and a traceback)."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
    environment |= {
        "SANSHE_SECRET_KEY": DEFAULT_SECRET_KEY,
        "SANSHE_DATABASE_URL": f"sqlite:///{tmp_path / 'sanshe.db'}",
        "SANSHE_PORT": str(_free_port()),
        "SANSHE_SMTP_PORT": str(_free_port()),
        "SANSHE_PREFECT_API_URL": "http://127.0.0.1:9/api",  # `up` starts no Prefect server of its own
    }
    finished = subprocess.run(
        [sys.executable, "-m", "service.cli", command],
        cwd=tmp_path,  # no .env of the project's
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 2, finished.stderr
    assert "生产模式拒绝启动" in finished.stderr and HOW_TO in finished.stderr
    assert "Traceback" not in finished.stderr and finished.stdout == ""
