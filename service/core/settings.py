"""Process-wide settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
# Signature algorithms accepted from an identity provider: public-key only, never HS* or "none".
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"})


class SigningCertificate(BaseModel):
    file: Path
    passphrase: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

    env: Literal["dev", "test", "prod"] = "prod"
    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    # Deadline of one call into Temporal from the API (an Update waits for its step to be projected).
    temporal_call_seconds: float = Field(default=20.0, gt=0, le=300)
    task_queue: str = "thidua-nominations"

    # Unprefixed names, as operators of Temporal and PostgreSQL already use them.
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")

    jwt_secret: str = DEV_SECRET
    # Short-lived: a stolen token is useful for minutes, not days.
    access_token_minutes: int = Field(default=15, ge=1, le=720)
    deploy_dir: Path = Path(__file__).resolve().parents[2] / "deploy"

    # Sign-in attempts (per account and per client address), in the `limits` notation.
    login_limit_account: str = "5/minute;20/hour"
    login_limit_address: str = "30/minute;300/hour"

    # OpenID Connect: the province's identity provider. Unset issuer = local accounts only.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "PS256"])
    oidc_leeway_seconds: int = Field(default=30, ge=0, le=300)
    oidc_jwks_cache_seconds: int = Field(default=300, ge=0)
    oidc_username_claim: str = "preferred_username"
    oidc_name_claim: str = "name"
    oidc_unit_claim: str = "unit"
    oidc_roles_claim: str = "roles"
    # Identity-provider role -> thidua role; a ":subtree" suffix grants the unit's subtree too.
    oidc_role_map: dict[str, str] = Field(default_factory=dict)

    # Hostile input: request bodies, attachments.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_attachment_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    max_attachments_per_nomination: int = Field(default=50, ge=1)
    attachment_dir: Path | None = None

    # Digital signature of decisions (PAdES): a PKCS#12 file per signer ("user:<username>") or per
    # issuing unit (its code), e.g. {"GL": {"file": "/etc/thidua/gl.p12", "passphrase": "..."}}.
    # A decision whose signer and unit have none is issued unsigned-digital, marked for printing.
    signing_certificates: dict[str, SigningCertificate] = Field(default_factory=dict)
    # Certificates (PEM or DER files) of the authorities whose signatures verification trusts.
    signing_trust_roots: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refuse_unsafe_values(self) -> Settings:
        if self.env == "prod" and (self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < 32):
            raise ValueError(
                "THIDUA_JWT_SECRET must be set to a random value of at least 32 characters when THIDUA_ENV=prod"
            )
        if self.oidc_issuer:
            for name in ("oidc_audience", "oidc_jwks_url"):
                if not getattr(self, name):
                    raise ValueError(f"THIDUA_{name.upper()} must be set when THIDUA_OIDC_ISSUER is set")
            weak = [a for a in self.oidc_algorithms if a not in ASYMMETRIC_ALGORITHMS]
            if weak or not self.oidc_algorithms:
                raise ValueError(
                    f"THIDUA_OIDC_ALGORITHMS may only list {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}; got {weak or 'none'}"
                )
            if self.env == "prod" and not (self.oidc_jwks_url or "").startswith("https://"):
                raise ValueError("THIDUA_OIDC_JWKS_URL must be an https:// address when THIDUA_ENV=prod")
        for name in ("login_limit_account", "login_limit_address"):
            try:
                parse_many(getattr(self, name))
            except ValueError:
                raise ValueError(
                    f"THIDUA_{name.upper()} is not a rate limit like '5/minute;20/hour': {getattr(self, name)!r}"
                ) from None
        return self

    @property
    def attachments_path(self) -> Path:
        return self.attachment_dir or self.data_dir / "attachments"

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
