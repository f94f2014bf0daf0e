"""Process-wide settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "prod"
    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    task_queue: str = "thidua-nominations"

    # Unprefixed names, as operators of Temporal and PostgreSQL already use them.
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")

    jwt_secret: str = DEV_SECRET
    access_token_minutes: int = 60
    deploy_dir: Path = Path(__file__).resolve().parent.parent / "deploy"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "prod" and (self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < 32):
            raise ValueError(
                "THIDUA_JWT_SECRET must be set to a random value of at least 32 characters when THIDUA_ENV=prod"
            )
        return self

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
