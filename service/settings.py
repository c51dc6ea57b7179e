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
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_sender: str = "三社联动平台 <noreply@sanshe.local>"
    prefect_api_url: str | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()
