"""Documents of a dossier: attachments, stored outside anything served directly."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Attachment(SQLModel, table=True):
    """A file of a dossier (achievement report, council minutes...), stored outside anything served directly."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_nomination_created", "nomination_id", "created_at"),
        UniqueConstraint("storage_key"),
    )

    id: uuid.UUID = Field(primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    kind: str = Field(max_length=32)  # achievement_report | minutes | submission_letter | evidence | other
    file_name: str = Field(max_length=255)  # sanitised; shown to users, never used as a path
    content_type: str = Field(max_length=100)  # from the content, not from the name or the client
    size_bytes: int
    sha256: str = Field(max_length=64)
    # Path relative to the attachment directory, made of ids only.
    storage_key: str = Field(max_length=200)
    uploaded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
