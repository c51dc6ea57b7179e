"""All configuration, from the environment or `.env`: the only place that reads them."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "change-me-in-production"
MIN_SECRET_KEY_LENGTH = 32
Mode = Literal["production", "dev"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANSHE_", env_file=".env", extra="ignore")

    # Production refuses a default or short signing key and serves no dev-only routes; `make run` sets dev.
    mode: Mode = "production"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'sanshe.db'}"
    secret_key: str = DEFAULT_SECRET_KEY
    programmes_dir: Path = PROJECT_ROOT / "programmes"
    files_dir: Path = PROJECT_ROOT / "var" / "files"
    host: str = "127.0.0.1"
    port: int = 8000
    # `sanshe serve`'s uvicorn worker processes (one per core of a 2-core server); the in-service scheduler
    # runs once, in the parent process, however many there are. A simulated clock serves from one process.
    workers: int = Field(default=2, ge=1, le=32)
    public_url: str = "http://127.0.0.1:8000"  # links in notices point into the console here
    # Demo or simulation: the service's time is a stored clock the coordinator sets forward (POST /api/v1/clock).
    # Never in production.
    simulated_clock: bool = False
    # Authentication
    access_token_minutes: int = 60
    # Mail (aiosmtplib); the dev mail catcher listens on 127.0.0.1:8025
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_starttls: bool = False
    smtp_implicit_tls: bool = False
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 10.0
    smtp_sender: str = "三社联动平台 <noreply@sanshe.local>"
    # Prefect and the in-service scheduler
    prefect_api_url: str | None = None
    scheduler_enabled: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()


class UnsafeSettings(RuntimeError):
    """Settings the service refuses to start with in production mode."""


def refuse_unsafe_settings(settings: Settings) -> None:
    """A known or short signing key lets anyone mint a coordinator's token: production will not start with one."""
    if settings.mode != "production":
        return
    if settings.simulated_clock:
        raise UnsafeSettings(
            "生产模式拒绝启动：SANSHE_SIMULATED_CLOCK 已开启，期限与督办将不按真实时间执行。\n"
            "模拟时钟只用于演示或演练：请关闭它，或设置 SANSHE_MODE=dev。"
        )
    key = settings.secret_key
    if key == DEFAULT_SECRET_KEY:
        problem = "仍是公开的默认值"
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        problem = f"只有 {len(key)} 个字符（至少 {MIN_SECRET_KEY_LENGTH} 个）"
    else:
        return
    raise UnsafeSettings(
        f"生产模式拒绝启动：签名密钥 SANSHE_SECRET_KEY {problem}，任何人都能据此伪造登录令牌。\n"
        "请设置一个随机密钥，写入环境变量或 .env，例如：\n"
        "  export SANSHE_SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(48))')\"\n"
        "仅在本机开发或演示时可设置 SANSHE_MODE=dev（make run 即如此）。"
    )
