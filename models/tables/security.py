"""Security: the append-only audit trail, delegations, identities from an OpenID Connect provider, and
the counters of failed sign-ins (service/security/ratelimit.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from models.tables._columns import timestamp


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_nomination_at", "nomination_id", "at"),
        Index("ix_audit_subject_at", "subject_type", "subject_id", "at"),
        Index("ix_audit_unit_at", "unit_id", "at"),
    )

    # Deterministic id from the workflow (workflow.uuid4) so a retried activity inserts once.
    # Append-only: a trigger refuses UPDATE and DELETE (migration 0004).
    id: uuid.UUID = Field(primary_key=True)
    # Null for administrative actions that concern no nomination (a plan, a user, a unit).
    nomination_id: uuid.UUID | None = Field(default=None, foreign_key="nominations.id")
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_name: str = Field(max_length=200)
    action: str = Field(max_length=32)
    step: str | None = Field(default=None, max_length=64)
    comment: str | None = None
    source_address: str | None = Field(default=None, max_length=64)
    # What an administrative action was about ("plan", "user", "attachment"...) and its id.
    subject_type: str | None = Field(default=None, max_length=32)
    subject_id: str | None = Field(default=None, max_length=100)
    # The unit whose administrators may read the entry.
    unit_id: int | None = Field(default=None, foreign_key="units.id")
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class Delegation(SQLModel, table=True):
    """Signing on behalf (a chairperson to a deputy) or a substitute for an absent approver, for a period."""

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_to_user", "to_user_id", "ends_on"),
        Index("ix_delegations_from_user", "from_user_id", "ends_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=16)  # sign_on_behalf | substitute
    from_user_id: int = Field(foreign_key="users.id")
    to_user_id: int = Field(foreign_key="users.id")
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    starts_on: date
    ends_on: date
    reason: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = timestamp()


class OidcIdentity(SQLModel, table=True):
    """A person known to the province's identity provider, linked to a local user row (for audit and ownership)."""

    __tablename__ = "oidc_identities"
    __table_args__ = (UniqueConstraint("user_id"),)

    issuer: str = Field(primary_key=True, max_length=300)
    subject: str = Field(primary_key=True, max_length=255)
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class LoginAttempt(SQLModel, table=True):
    """Counters of failed sign-ins, shared by every API process (service/security/ratelimit.py).

    scope "account": one account tried from one client address (`window_seconds` 0); its failures in a
    row make that address wait longer and longer before trying that account again (`blocked_until`).
    scope "address": every account tried from one address, counted in a window of `window_seconds`
    (`account` is empty). A row past `expires_at` counts as absent and is deleted now and then.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_expires_at", "expires_at"),)

    scope: str = Field(primary_key=True, max_length=16)
    account: str = Field(primary_key=True, max_length=100)
    address: str = Field(primary_key=True, max_length=64)
    window_seconds: int = Field(primary_key=True)
    failures: int
    window_started_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    blocked_until: datetime | None = timestamp()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AuthEpoch(SQLModel, table=True):
    """One counter that every change to who may do what moves on (users, their grants, delegations,
    the organisation tree), by statement triggers (migration 0019). Each API process keeps the
    principals it built for as long as the counter stays where it was (service/security/principal_cache.py),
    so processes never disagree about a revoked grant: the next request of any of them sees the new
    value and loads the user again."""

    __tablename__ = "auth_epoch"

    id: int = Field(primary_key=True)  # always 1: one row
    epoch: int = Field(default=0)
