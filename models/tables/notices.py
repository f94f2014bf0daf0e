"""Notifications reaching people: what each user has read, how they want e-mail, what was sent.

Notifications themselves are addressed to a (role, unit) (`notifications`, `plan_notifications`);
these tables are per user. `source` is "nomination" or "plan", naming which table `notification_id`
refers to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime
from sqlmodel import Field, SQLModel

from models.tables._columns import timestamp

EMAIL_MODES = ("immediate", "digest", "off")


class NotificationRead(SQLModel, table=True):
    __tablename__ = "notification_reads"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    source: str = Field(primary_key=True, max_length=16)
    notification_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    read_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NotificationPreference(SQLModel, table=True):
    """A user's e-mail address for notifications and how they want them: each at once, one daily
    digest, or none. No row: no e-mail."""

    __tablename__ = "notification_preferences"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    email_mode: str = Field(default="off", max_length=16)  # immediate | digest | off
    # Notifications older than this are never e-mailed (the user chose e-mail then).
    since: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    last_digest_at: datetime | None = timestamp()


class EmailDelivery(SQLModel, table=True):
    """One notification e-mailed to one user (alone or in a digest): never sent twice."""

    __tablename__ = "email_deliveries"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    source: str = Field(primary_key=True, max_length=16)
    notification_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    sent_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    mode: str = Field(max_length=16)
