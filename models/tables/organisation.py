"""The organisation: units in a tree of any depth, the people and the roles they hold for a unit."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint, text
from sqlmodel import Field, SQLModel


class UnitBase(SQLModel):
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    # province | district | commune | department | council | school | enterprise | village | ...
    kind: str = Field(max_length=32)
    # Administrative level the unit belongs to: central | province | district | commune | grassroots
    level: str = Field(max_length=32)


class Unit(UnitBase, table=True):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("code"),)

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)


class UnitPublic(UnitBase):
    id: int
    parent_id: int | None


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    full_name: str = Field(max_length=200)
    password_hash: str
    unit_id: int = Field(foreign_key="units.id", index=True)
    is_active: bool = True


class RoleAssignment(SQLModel, table=True):
    """A role held by a user for a unit (the council secretary of a council, the appraiser of Sở Nội vụ)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        Index("ix_role_assignments_role_unit", "role", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    # The role also covers every unit below unit_id in the organisation tree.
    subtree: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class UnitAncestor(SQLModel, table=True):
    """(unit, ancestor) for every unit and each unit above it, itself included (depth 0).

    Kept by a trigger on `units` (migration 0009), so "every unit below X" is one indexed lookup.
    """

    __tablename__ = "unit_ancestors"
    __table_args__ = (Index("ix_unit_ancestors_ancestor", "ancestor_id", "unit_id"),)

    unit_id: int = Field(sa_column=Column(Integer, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True))
    ancestor_id: int = Field(sa_column=Column(Integer, ForeignKey("units.id", ondelete="CASCADE"), primary_key=True))
    depth: int
