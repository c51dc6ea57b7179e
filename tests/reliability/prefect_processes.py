"""A Prefect server, the CLI and a process worker, each a process of its own, as an operator runs the scale-out path."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO, Any

import httpx

from service.mail.catcher import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent  # the venv's `prefect` and `sanshe`
OUTPUT_TAIL = 4000  # characters of a process's output shown when it fails
BUSY_RETRIES = 20  # a 503 from the server (its SQLite busy) is tried again, as Prefect's own client does
BUSY_PAUSE_SECONDS = 0.25


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without its Prefect and sanshe settings, plus `settings`."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SANSHE_"))}
    return kept | settings


class LoggedProcess:
    """A command in its own process group, its output kept in a file; stopped by its group's id."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log: IO[Any] = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, env=env, cwd=logs, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-OUTPUT_TAIL:]

    def stop(self, timeout: float = 20.0) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout)
        self._log.close()


def start_prefect_server(home: Path, logs: Path, timeout: float = 90.0) -> tuple[LoggedProcess, str]:
    """`prefect server start` on a free port with its own home; its scheduler off, so only the test starts runs."""
    port = free_port()
    env = clean_environment(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
    )
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = LoggedProcess("prefect-server", command, env, logs)
    api_url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Prefect server exited:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return server, api_url
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise RuntimeError(f"Prefect server did not answer on {api_url} within {timeout:.0f} s:\n{server.output()}")


def post_to_prefect(url: str, payload: dict[str, Any]) -> httpx.Response:
    """POST to a Prefect server's API; while it answers 503 (SQLite busy behind it) the request is sent again."""
    for _ in range(BUSY_RETRIES):
        answer = httpx.post(url, json=payload, timeout=10)
        if answer.status_code != httpx.codes.SERVICE_UNAVAILABLE:
            return answer
        time.sleep(BUSY_PAUSE_SECONDS)
    return answer


def run_command(command: list[str], env: dict[str, str], cwd: Path, timeout: float = 120.0) -> str:
    """Run a CLI command to its end; its output, or an AssertionError that shows it."""
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-OUTPUT_TAIL:]}"
    return output
