"""All configuration, from the environment or `.env`: the only place that reads them."""

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SANSHE_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'sanshe.db'}"
    secret_key: str = "change-me-in-production"
    programmes_dir: Path = PROJECT_ROOT / "programmes"
    files_dir: Path = PROJECT_ROOT / "var" / "files"
    host: str = "127.0.0.1"
    port: int = 8000
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
