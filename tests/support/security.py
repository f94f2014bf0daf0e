"""Helpers of the security tests: an API with chosen settings, and extra units and users made in the test."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models.tables import RoleAssignment, Unit, User
from service.security.passwords import hash_password
from tests.support.helpers import new_worker, running_api  # noqa: F401  (the security tests import it from here)

PROBLEM = "application/problem+json"
PASSWORD = "demo"


async def unit_id(engine: AsyncEngine, code: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(col(Unit.id)).where(col(Unit.code) == code))).scalar_one())


async def ensure_unit(engine: AsyncEngine, code: str, name: str, kind: str, level: str, parent: str | None) -> int:
    async with engine.begin() as conn:
        parent_id = (
            (await conn.execute(select(col(Unit.id)).where(col(Unit.code) == parent))).scalar_one() if parent else None
        )
        await conn.execute(
            insert(Unit)
            .values(code=code, name=name, kind=kind, level=level, parent_id=parent_id)
            .on_conflict_do_nothing(index_elements=["code"])
        )
    return await unit_id(engine, code)


async def ensure_user(
    engine: AsyncEngine, username: str, unit_code: str, grants: list[tuple[str, str, bool]], full_name: str = ""
) -> int:
    """A user of `unit_code` holding (role, unit code, subtree) grants; password "demo"."""
    home = await unit_id(engine, unit_code)
    async with engine.begin() as conn:
        await conn.execute(
            insert(User)
            .values(
                username=username,
                full_name=full_name or username,
                password_hash=hash_password(PASSWORD),
                unit_id=home,
                is_active=True,
            )
            .on_conflict_do_nothing(index_elements=["username"])
        )
        uid = int((await conn.execute(select(col(User.id)).where(col(User.username) == username))).scalar_one())
        for role, code, subtree in grants:
            target = (await conn.execute(select(col(Unit.id)).where(col(Unit.code) == code))).scalar_one()
            await conn.execute(
                insert(RoleAssignment)
                .values(user_id=uid, role=role, unit_id=target, subtree=subtree)
                .on_conflict_do_nothing(index_elements=["user_id", "role", "unit_id"])
            )
    return uid


async def login(api: httpx.AsyncClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = await api.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def nomination_body(unit: int, award_form: str = "BANG_KHEN_TINH", name: str = "Nguyễn Văn An") -> dict[str, Any]:
    return {
        "award_form": award_form,
        "proposing_unit_id": unit,
        "nominee": {"kind": "individual", "name": name, "position": "Giáo viên"},
        "period": {"kind": "annual", "year": 2026},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
        "criteria": [{"text": "Công dân học tập", "met": True, "evidence": "Quyết định công nhận số 12"}],
    }


async def create_nomination(api: httpx.AsyncClient, clerk: dict[str, str], payload: dict[str, Any]) -> str:
    r = await api.post("/api/v1/nominations", json=payload, headers={**clerk, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


# Smallest valid files of each accepted type, made here (no binary fixtures in the repository).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"


def xlsx_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def docx_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()
