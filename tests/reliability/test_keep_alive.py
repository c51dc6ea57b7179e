"""A 500 from a real uvicorn server leaves the client's kept-alive connection open for its next request."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from service.api.problems import PROBLEM_MEDIA_TYPE
from service.app import create_app
from service.mail.catcher import free_port
from tests.processes import stop

ROOT = Path(__file__).resolve().parent.parent.parent
FAILING_PATH = "/api/v1/fails"
SECRET_IN_ERROR = "内部细节-c0ffee"  # in the exception's message: must reach the log, never the client


def app_with_a_failing_route() -> FastAPI:
    """The service's own app plus one route with a bug, for uvicorn to serve in a process of its own."""
    app = create_app()

    def fails() -> None:
        raise RuntimeError(SECRET_IN_ERROR)

    app.add_api_route(FAILING_PATH, fails)
    return app


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """uvicorn with the app above on a free port; yields the port and the file its log goes to."""
    port = free_port()
    log_file = tmp_path / "server.log"
    environment = {name: value for name, value in os.environ.items() if not name.startswith("SANSHE_")}
    environment |= {
        "SANSHE_MODE": "dev",
        "SANSHE_DATABASE_URL": f"sqlite:///{tmp_path / 'sanshe.db'}",
        "SANSHE_FILES_DIR": str(tmp_path / "files"),
        "SANSHE_SCHEDULER_ENABLED": "false",
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", f"{__name__}:app_with_a_failing_route"]
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port), "--timeout-keep-alive", "30"],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log_file.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "uvicorn did not start: " + log_file.read_text()
                    time.sleep(0.1)
            yield port, log_file
        finally:
            stop(process)


def test_the_next_request_after_a_500_goes_over_the_same_connection(server: tuple[int, Path]) -> None:
    """Guards `install_unhandled_errors(app)` in service/app.py (the middleware in service/api/unhandled_errors.py).

    Without it Starlette's outer error layer answers and re-raises, uvicorn closes the connection, and the second
    request on it fails."""
    port, log_file = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", FAILING_PATH)
        failed = connection.getresponse()
        body = failed.read().decode()
        sock = connection.sock
        assert failed.status == 500
        assert failed.getheader("Content-Type") == PROBLEM_MEDIA_TYPE
        assert failed.getheader("Connection", "").lower() != "close" and not failed.will_close
        assert failed.getheader("X-Content-Type-Options") == "nosniff"
        problem = json.loads(body)
        assert (problem["status"], problem["code"], problem["title"]) == (500, "internal_error", "服务器内部错误")
        assert problem["detail"] == "服务器内部错误，请稍后重试或联系管理员"
        assert SECRET_IN_ERROR not in body and "RuntimeError" not in body and "Traceback" not in body

        connection.request("GET", "/openapi.json")  # on the same socket: http.client would open a new one
        again = connection.getresponse()
        again.read()
        assert again.status == 200
        assert sock is not None and connection.sock is sock, "the server closed the kept-alive connection"
    finally:
        connection.close()
    deadline = time.monotonic() + 5
    while SECRET_IN_ERROR not in log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = log_file.read_text()
    assert "Traceback" in logged and f"RuntimeError: {SECRET_IN_ERROR}" in logged  # the operator sees why
    assert "Exception in ASGI application" not in logged  # nothing reached the server
