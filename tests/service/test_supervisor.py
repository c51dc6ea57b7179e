"""`sanshe up` as a service manager stops it: SIGTERM ends the API and the mail catcher it started, not only itself."""

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from service.mail.catcher import free_port
from tests.processes import stop

STARTUP_SECONDS = 60


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_sigterm_stops_every_child(tmp_path: Path) -> None:
    """Guards `signal.signal(signal.SIGTERM, …)` in service/supervisor.py: without it the children outlive `up`."""
    api_port, smtp_port = free_port(), free_port()
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
    environment |= {
        "SANSHE_MODE": "dev",
        "SANSHE_SECRET_KEY": secrets.token_urlsafe(48),
        "SANSHE_DATABASE_URL": f"sqlite:///{tmp_path / 'sanshe.db'}",
        "SANSHE_PORT": str(api_port),
        "SANSHE_SMTP_PORT": str(smtp_port),
        "SANSHE_SCHEDULER_ENABLED": "false",
        "SANSHE_PREFECT_API_URL": "http://127.0.0.1:9/api",  # no Prefect server of its own
    }
    sanshe = [sys.executable, "-m", "service.cli"]
    subprocess.run([*sanshe, "init-db"], cwd=tmp_path, env=environment, check=True, capture_output=True)
    up = subprocess.Popen([*sanshe, "up"], cwd=tmp_path, env=environment, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _answers(f"http://127.0.0.1:{api_port}/health"):
            assert up.poll() is None and time.monotonic() < deadline, "sanshe up 未能启动 API"
            time.sleep(0.2)
        up.send_signal(signal.SIGTERM)
        assert up.wait(timeout=30) is not None
        assert not _answers(f"http://127.0.0.1:{api_port}/health")
        with pytest.raises(ConnectionRefusedError):  # the mail catcher stopped as well
            socket.create_connection(("127.0.0.1", smtp_port), timeout=2).close()
    finally:
        stop(up)
