"""Seed reference data (the award catalogue) and, in dev, the demo organisation and users.

Idempotent: rows that exist are left as they are, so a second run changes nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from models.catalogue import LEVELS, load_catalogue
from models.tables import AwardForm, RoleAssignment, Unit, User
from models.text import nfc_deep

log = logging.getLogger(__name__)
DEMO_PASSWORD = "demo"
ROLES = ("clerk", "council_secretary", "council_member", "appraiser", "chairperson", "secretariat", "admin")


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
    codes = {u.code for u in org.units}
    for u in org.units:
        if u.level not in LEVELS:
            raise OrgFileError(f"{path}: unit {u.code}, field level: unknown level {u.level!r}")
        if u.parent is not None and u.parent not in codes:
            raise OrgFileError(f"{path}: unit {u.code}, field parent: unknown unit {u.parent!r}")
    for user in org.users:
        for r in user.roles:
            if r.role not in ROLES:
                raise OrgFileError(f"{path}: user {user.username}, field roles: unknown role {r.role!r}")
            if r.unit not in codes:
                raise OrgFileError(f"{path}: user {user.username}, field roles: unknown unit {r.unit!r}")
    return org


def seed_catalogue(conn: Connection, deploy_dir: Path) -> int:
    catalogue = load_catalogue(deploy_dir / "award_forms.yaml")
    for form in catalogue.award_forms:
        values = {
            "code": form.code,
            "name": form.name,
            "decider_level": form.decider.level,
            "definition": form.model_dump(mode="json"),
        }
        # The catalogue file is the source of truth: a changed file updates the row.
        conn.execute(insert(AwardForm).values(**values).on_conflict_do_update(index_elements=["code"], set_=values))
    return len(catalogue.award_forms)


def seed_org(conn: Connection, org: OrgFile, password: str) -> tuple[int, int]:
    ids: dict[str, Any] = {code: id_ for code, id_ in conn.execute(select(col(Unit.code), col(Unit.id))).all()}
    new_units = new_users = 0
    for u in org.units:  # parents come first in the file
        if u.code in ids:
            continue
        parent_id = ids[u.parent] if u.parent else None
        ids[u.code] = conn.execute(
            insert(Unit)
            .values(code=u.code, name=u.name, kind=u.kind, level=u.level, parent_id=parent_id)
            .returning(col(Unit.id))
        ).scalar_one()
        new_units += 1
    hasher = PasswordHasher()
    existing: dict[str, Any] = {n: i for n, i in conn.execute(select(col(User.username), col(User.id))).all()}
    for user in org.users:
        user_id = existing.get(user.username)
        if user_id is None:
            user_id = conn.execute(
                insert(User)
                .values(
                    username=user.username,
                    full_name=user.full_name,
                    password_hash=hasher.hash(password),
                    unit_id=ids[user.unit],
                    is_active=True,
                )
                .returning(col(User.id))
            ).scalar_one()
            new_users += 1
        for r in user.roles:
            conn.execute(
                insert(RoleAssignment)
                .values(user_id=user_id, role=r.role, unit_id=ids[r.unit])
                .on_conflict_do_nothing(index_elements=["user_id", "role", "unit_id"])
            )
    return new_units, new_users
