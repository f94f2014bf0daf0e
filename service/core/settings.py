"""Process-wide settings, read from the environment (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.db.roles import DEFAULT_OWNER_ROLE, DEFAULT_SERVICE_ROLE, Roles

DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
# Signature algorithms accepted from an identity provider: public-key only, never HS* or "none".
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"})


class SigningCertificate(BaseModel):
    """Where one signer's (or unit's) signing key is, in one shape for both kinds: a PKCS#12 file
    (`file`), or a key on a PKCS#11 token (`module`: a smart card, USB token or HSM, whose key never
    leaves it). The passphrase or PIN is given inline or, better, in a secret file; it is never
    logged (SecretStr) and read when signing, so a rotated secret file needs no restart."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    # PKCS#12
    file: Path | None = None
    passphrase: SecretStr | None = None
    passphrase_file: Path | None = None
    # PKCS#11: the vendor's module library, the token's label, the labels of the private key and of
    # its certificate on the token (the key's label when not given).
    module: Path | None = None
    token_label: str | None = Field(default=None, min_length=1, max_length=32)
    key_label: str | None = Field(default=None, min_length=1, max_length=200)
    cert_label: str | None = Field(default=None, min_length=1, max_length=200)
    pin: SecretStr | None = None
    pin_file: Path | None = None

    @property
    def kind(self) -> Literal["pkcs12", "pkcs11"]:
        return "pkcs11" if self.module is not None else "pkcs12"

    def problem(self) -> tuple[str, str] | None:
        """What is wrong with the entry: (the field, why), or None."""
        if (self.file is None) == (self.module is None):
            return "file", "give either file (a PKCS#12 file) or module (a PKCS#11 token), not both"
        pkcs11 = ("token_label", "key_label", "cert_label", "pin", "pin_file")
        pkcs12 = ("passphrase", "passphrase_file")
        for name in pkcs11 if self.kind == "pkcs12" else pkcs12:
            if getattr(self, name) is not None:
                return name, f"applies to a {'PKCS#11 token (module)' if name in pkcs11 else 'PKCS#12 file'} only"
        if self.passphrase is not None and self.passphrase_file is not None:
            return "passphrase_file", "give passphrase or passphrase_file, not both"
        if self.kind == "pkcs11":
            for name in ("token_label", "key_label"):
                if getattr(self, name) is None:
                    return name, "required with module (a PKCS#11 token)"
            if (self.pin is None) == (self.pin_file is None):
                return (
                    "pin_file",
                    "a PKCS#11 token needs its user PIN: give pin_file (a secret file) or pin, one of them",
                )
        return None


class CoreSettings(BaseSettings):
    """The settings of every process. The worker, migrations and the plan commands sign nothing and
    run on these; the API, which signs access tokens, runs on `Settings`, which also requires a
    real signing secret in production."""

    # An empty variable means the default (Compose and Kubernetes pass unset settings as "").
    # A refused setting is named, its value (perhaps a secret) never echoed in the error.
    model_config = SettingsConfigDict(
        env_prefix="THIDUA_", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    env: Literal["dev", "test", "prod"] = "prod"
    data_dir: Path = Path(".data")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # `thidua api`: uvicorn processes of one API instance (metrics are then gathered across them).
    api_workers: int = Field(default=1, ge=1, le=64)
    # `thidua worker`: processes polling the task queue (service/worker_group.py), one core each.
    worker_processes: int = Field(default=1, ge=1, le=64)
    # Behind a reverse proxy: trust X-Forwarded-For/-Proto from these addresses only (comma-separated,
    # "*" for any), so that sign-in throttling counts the client's address, not the proxy's.
    api_proxy_headers: bool = False
    api_forwarded_allow_ips: str = "127.0.0.1"
    # On SIGTERM, `thidua worker` stops polling and lets running activities finish for this long;
    # `thidua api` stops accepting and lets requests in flight finish for this long.
    shutdown_seconds: float = Field(default=30.0, ge=0, le=3600)
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    temporal_namespace: str = "default"
    # Where administrators open a workflow in the Temporal UI (a link from nominations and plans);
    # unset: http://127.0.0.1:<temporal_ui_port> in dev (make run starts it), no link otherwise.
    temporal_ui_url: str | None = Field(default=None, pattern=r"^https?://[^\s]+$")
    # Deadline of one call into Temporal from the API (an Update waits for its step to be projected).
    temporal_call_seconds: float = Field(default=20.0, gt=0, le=300)
    task_queue: str = "thidua-nominations"

    # Unprefixed names, as operators of Temporal and PostgreSQL already use them.
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    # The service's own connection (API, worker, `thidua plans start`): the service role.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    # The owner role's connection, used by `thidua migrate` only; DATABASE_URL when unset.
    migration_database_url: str | None = None
    # The two database roles (deploy/sql/roles.sql, `thidua db roles`).
    db_owner_role: str = DEFAULT_OWNER_ROLE
    db_service_role: str = DEFAULT_SERVICE_ROLE

    deploy_dir: Path = Path(__file__).resolve().parents[2] / "deploy"

    # Sign-in throttling (service/security/ratelimit.py), counted in PostgreSQL. One account from one
    # client address: this many failures in a row are free, then each one makes that address wait
    # before its next try for that account, twice as long each time, at most the maximum.
    login_free_failures: int = Field(default=5, ge=1, le=10_000)
    login_backoff_seconds: int = Field(default=1, ge=1, le=3600)
    login_backoff_max_seconds: int = Field(default=900, ge=1, le=86_400)
    # A pair's failures are forgotten this long after its last one.
    login_forget_seconds: int = Field(default=86_400, ge=60)
    # Ceiling of failed sign-ins from one client address across all accounts, in the `limits` notation.
    login_limit_address: str = "30/minute;300/hour"
    # Deprecated (it used to lock the account for every address): its smallest count is taken as
    # login_free_failures when that is not set.
    login_limit_account: str | None = None

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

    # E-mail of notifications (SMTP). Unset host: no e-mail is sent; the in-page centre still works.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_sender: str = "Thi đua – Khen thưởng <khong-tra-loi@thidua.gov.vn>"
    # "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a relay on the same host).
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # Hour (Asia/Ho_Chi_Minh) after which the daily digest goes out; how often the mailer looks.
    email_digest_hour: int = Field(default=7, ge=0, le=23)
    email_poll_seconds: int = Field(default=60, ge=5, le=3600)
    web_base_url: str = "http://127.0.0.1:8000"

    # Hostile input: request bodies, attachments.
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_attachment_bytes: int = Field(default=20 * 1_048_576, ge=1024)
    max_attachments_per_nomination: int = Field(default=50, ge=1)
    attachment_dir: Path | None = None

    # Digital signature of decisions (PAdES): a key per signer ("user:<username>") or per issuing unit
    # (its code), in a PKCS#12 file, e.g. {"GL": {"file": "/etc/thidua/gl.p12", "passphrase_file":
    # "/run/secrets/gl-pass"}}, or on a PKCS#11 token, e.g. {"user:chair.gl": {"module":
    # "/usr/lib/vendor/pkcs11.so", "token_label": "CHU TICH", "key_label": "ky-so", "pin_file":
    # "/run/secrets/chair-pin"}}; "org:<unit code>" adds the organisation's signature after the person's.
    # A decision whose signer and unit have none is issued unsigned-digital, marked for printing.
    signing_certificates: dict[str, SigningCertificate] = Field(default_factory=dict)
    # Certificates (PEM or DER files) of the authorities whose signatures verification trusts.
    signing_trust_roots: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _refuse_unsafe_values(self) -> CoreSettings:
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
            value = getattr(self, name)
            if value is None:
                continue
            try:
                items = parse_many(value)
            except ValueError:
                raise ValueError(
                    f"THIDUA_{name.upper()} is not a rate limit like '5/minute;20/hour': {value!r}"
                ) from None
            if name == "login_limit_account" and "login_free_failures" not in self.model_fields_set:
                self.login_free_failures = max(1, min(item.amount for item in items))
        for key, entry in self.signing_certificates.items():
            wrong = entry.problem()
            if wrong:
                raise ValueError(f"THIDUA_SIGNING_CERTIFICATES[{key!r}], field {wrong[0]}: {wrong[1]}")
        try:
            Roles(owner=self.db_owner_role, service=self.db_service_role)
        except ValueError as exc:
            raise ValueError(f"THIDUA_DB_OWNER_ROLE / THIDUA_DB_SERVICE_ROLE: {exc}") from None
        return self

    @property
    def db_roles(self) -> Roles:
        return Roles(owner=self.db_owner_role, service=self.db_service_role)

    def migration_url(self) -> str | None:
        """The connection `thidua migrate` uses: the owner's, else DATABASE_URL."""
        return self.migration_database_url or self.database_url

    @property
    def attachments_path(self) -> Path:
        return self.attachment_dir or self.data_dir / "attachments"

    @property
    def is_dev(self) -> bool:
        return self.env == "dev"

    def temporal_ui_base(self) -> str | None:
        if self.temporal_ui_url:
            return self.temporal_ui_url.rstrip("/")
        return f"http://127.0.0.1:{self.temporal_ui_port}" if self.env == "dev" else None

    def temporal_target(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


class Settings(CoreSettings):
    """The settings of the processes that sign tokens: the API (access tokens, ballot voter tokens)."""

    jwt_secret: str = DEV_SECRET
    # Short-lived: a stolen token is useful for minutes, not days.
    access_token_minutes: int = Field(default=15, ge=1, le=720)

    @model_validator(mode="after")
    def _refuse_a_weak_signing_secret(self) -> Settings:
        if self.env == "prod" and (self.jwt_secret == DEV_SECRET or len(self.jwt_secret) < 32):
            raise ValueError(
                "THIDUA_JWT_SECRET must be set to a random value of at least 32 characters when THIDUA_ENV=prod"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The API's settings (with its signing secret)."""
    return Settings()


@lru_cache
def get_core_settings() -> CoreSettings:
    """The settings of a process that signs nothing: the worker, migrations, the plan commands."""
    return CoreSettings()
