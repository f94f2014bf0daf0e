"""The organisation in the database: the demo organisation file (dev only) and the tree every rule walks.

Seeding is idempotent: a second run changes nothing. Units are upserted from the file (a demo database made
before a unit got a parent, such as a province under the Government, is brought in line); users and
role assignments that exist are left as they are.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models.rules.catalogue import LEVELS
from models.rules.labels import ROLES as ROLE_LABELS
from models.rules.org_tree import OrgTree, OrgUnit
from models.rules.text import nfc_deep
from models.tables import RoleAssignment, Unit, User

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo"
# Every role the service knows is a role the demo file may grant.
ROLES = tuple(ROLE_LABELS)


class OrgFileError(ValueError):
    pass


class UnitDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=300)
    kind: str = Field(min_length=1, max_length=32)
    level: str
    parent: str | None = None


class RoleDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str
    unit: str
    # The grant covers every unit below `unit` too (an administrator of a whole province).
    subtree: bool = False


class UserDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(pattern=r"^[a-z0-9._-]{2,100}$")
    full_name: str
    unit: str
    roles: list[RoleDef]


class OrgFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    units: list[UnitDef]
    users: list[UserDef] = Field(default_factory=list)


def load_org(path: Path) -> OrgFile:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        org = OrgFile.model_validate(nfc_deep(raw))
    except (OSError, yaml.YAMLError) as exc:
        raise OrgFileError(f"{path}: cannot read: {exc}") from None
    except ValidationError as exc:
        msgs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise OrgFileError(f"{path}: {msgs}") from None
    codes: set[str] = set()
    for u in org.units:
        if u.code in codes:
            raise OrgFileError(f"{path}: unit {u.code}, field code: listed twice")
        codes.add(u.code)
    parents = {u.code: u.parent for u in org.units}
    for u in org.units:
        if u.level not in LEVELS:
            raise OrgFileError(f"{path}: unit {u.code}, field level: unknown level {u.level!r}")
        if u.parent is not None and u.parent not in codes:
            raise OrgFileError(f"{path}: unit {u.code}, field parent: unknown unit {u.parent!r}")
        seen, up = {u.code}, u.parent
        while up is not None:
            if up in seen:
                raise OrgFileError(f"{path}: unit {u.code}, field parent: the parents form a cycle through {up!r}")
            seen.add(up)
            up = parents[up]
    usernames: set[str] = set()
    for user in org.users:
        if user.username in usernames:
            raise OrgFileError(f"{path}: user {user.username}, field username: listed twice")
        usernames.add(user.username)
        if user.unit not in codes:
            raise OrgFileError(f"{path}: user {user.username}, field unit: unknown unit {user.unit!r}")
        for r in user.roles:
            if r.role not in ROLES:
                raise OrgFileError(f"{path}: user {user.username}, field roles: unknown role {r.role!r}")
            if r.unit not in codes:
                raise OrgFileError(f"{path}: user {user.username}, field roles: unknown unit {r.unit!r}")
    return org


def seed_org(conn: Connection, org: OrgFile, password: str) -> tuple[int, int]:
    rows = {
        code: (id_, name, kind, level, parent_id)
        for code, id_, name, kind, level, parent_id in conn.execute(
            select(col(Unit.code), col(Unit.id), col(Unit.name), col(Unit.kind), col(Unit.level), col(Unit.parent_id))
        ).all()
    }
    ids: dict[str, Any] = {code: row[0] for code, row in rows.items()}
    new_units = new_users = 0
    # Two passes, so that a unit may come before its parent in the file and ids follow the file.
    for u in org.units:
        if u.code not in ids:
            ids[u.code] = conn.execute(
                insert(Unit).values(code=u.code, name=u.name, kind=u.kind, level=u.level).returning(col(Unit.id))
            ).scalar_one()
            rows[u.code] = (ids[u.code], u.name, u.kind, u.level, None)
            new_units += 1
    for u in org.units:
        wanted = (ids[u.code], u.name, u.kind, u.level, ids[u.parent] if u.parent else None)
        if rows[u.code] != wanted:
            conn.execute(
                update(Unit)
                .where(col(Unit.id) == ids[u.code])
                .values(name=u.name, kind=u.kind, level=u.level, parent_id=wanted[4])
            )
    existing: dict[str, Any] = {n: i for n, i in conn.execute(select(col(User.username), col(User.id))).all()}
    password_hash: str | None = None  # one hash for every new demo user: hashing is slow on purpose
    for user in org.users:
        user_id = existing.get(user.username)
        if user_id is None:
            password_hash = password_hash or PasswordHasher().hash(password)
            user_id = conn.execute(
                insert(User)
                .values(
                    username=user.username,
                    full_name=user.full_name,
                    password_hash=password_hash,
                    unit_id=ids[user.unit],
                    is_active=True,
                )
                .returning(col(User.id))
            ).scalar_one()
            new_users += 1
        for r in user.roles:
            stmt = insert(RoleAssignment).values(user_id=user_id, role=r.role, unit_id=ids[r.unit], subtree=r.subtree)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["user_id", "role", "unit_id"],
                    set_={"subtree": stmt.excluded.subtree},
                    where=col(RoleAssignment.subtree) != stmt.excluded.subtree,
                )
            )
    return new_units, new_users


async def load_org_tree(conn: AsyncConnection) -> OrgTree:
    """The whole organisation tree (some thousand rows for a province: read in one query)."""
    rows = (
        await conn.execute(
            select(col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.level), col(Unit.parent_id))
        )
    ).all()
    return OrgTree.build(
        OrgUnit(id=r.id, code=r.code, name=r.name, kind=r.kind, level=r.level, parent_id=r.parent_id) for r in rows
    )
