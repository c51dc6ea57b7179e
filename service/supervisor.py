"""`sanshe up`: the whole system in one terminal — Prefect server, dev mail catcher, API with its scheduler."""

import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from service.settings import Settings

log = logging.getLogger(__name__)
PREFECT_PORT = 4200
STARTUP_TIMEOUT_SECONDS = 180


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


def child_environment(settings: Settings, var_dir: Path) -> dict[str, str]:
    """The children report their flow runs to the one Prefect server started here (never an ephemeral one)."""
    api_url = settings.prefect_api_url or f"http://127.0.0.1:{PREFECT_PORT}/api"
    return {
        **os.environ,
        "PREFECT_HOME": str(var_dir / "prefect"),
        "PREFECT_API_URL": api_url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_EPHEMERAL_ENABLED": "false",
        "SANSHE_PREFECT_API_URL": api_url,
    }


def wait_until_answers(url: str, *, name: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll `url` and say so while waiting: a Prefect server takes some seconds to start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} 启动失败（退出码 {process.returncode}），请查看日志")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            log.info("等待 %s 启动…", name)
            time.sleep(2)
    raise RuntimeError(f"{name} 在 {timeout:.0f} 秒内没有响应：{url}")


def _stop_on_terminate(signum: int, frame: object) -> None:
    """SIGTERM (a service manager, `kill`) stops the children as Ctrl+C does, instead of leaving them running."""
    raise KeyboardInterrupt


def run_everything(settings: Settings, var_dir: Path) -> None:
    var_dir.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, _stop_on_terminate)
    env = child_environment(settings, var_dir)
    sanshe = [sys.executable, "-m", "service.cli"]
    children: list[Child] = []

    def start(name: str, command: list[str], log_name: str | None) -> subprocess.Popen[bytes]:
        output = open(var_dir / log_name, "ab") if log_name else None  # noqa: SIM115 (kept open for the child)
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT if output else None)
        children.append(Child(name, process))
        return process

    try:
        if settings.prefect_api_url is None:
            server = start(
                "Prefect 服务器",
                [
                    sys.executable,
                    "-m",
                    "prefect",
                    "server",
                    "start",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(PREFECT_PORT),
                ],
                "prefect-server.log",
            )
            wait_until_answers(
                f"{env['PREFECT_API_URL']}/health",
                name="Prefect 服务器",
                process=server,
                timeout=STARTUP_TIMEOUT_SECONDS,
            )
        start("邮件接收器", [*sanshe, "mail-catcher"], "mail-catcher.log")
        api = start("API 服务", [*sanshe, "serve"], None)
        log.info(
            "已启动：API http://%s:%s （/docs），Prefect 界面 %s，邮件接收器 %s:%s；Ctrl+C 退出",
            settings.host,
            settings.port,
            env["PREFECT_API_URL"].removesuffix("/api"),
            settings.smtp_host,
            settings.smtp_port,
        )
        api.wait()
    except KeyboardInterrupt:
        log.info("正在停止…")
    finally:
        for child in reversed(children):
            if child.process.poll() is None:
                child.process.terminate()
        for child in children:
            try:
                child.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.process.kill()
