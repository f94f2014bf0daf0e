"""The number register of award decisions: 1, 2, 3 … per issuing unit and year, whatever the
concurrency, never twice for one decision id, restarting on 1 January (Asia/Ho_Chi_Minh); and the
register and prize files, validated on load with errors naming file and field."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.certificates import load_certificate_layout
from models.rules.registers import (
    RegisterError,
    date_line,
    load_prizes,
    load_registers,
    parse_prizes,
    parse_registers,
    register_year,
)
from models.store.decisions import NewDecision, record_decision
from models.tables import Decision, User
from tests.support import paths
from tests.support.security import ensure_unit

DEPLOY = paths.ROOT / "deploy"


async def _signer(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(
            (await conn.execute(select(col(User.id)).where(col(User.username) == "chair.province"))).scalar_one()
        )


def _decision(unit: int, signer: int, at: datetime, decision_id: uuid.UUID | None = None) -> NewDecision:
    return NewDecision(
        id=decision_id or uuid.uuid4(), issuing_unit_id=unit, symbol="QĐ-UBND", signed_at=at,
        signer_user_id=signer, signer_name="Nguyễn Văn Chủ Tịch", signer_title=None, award_form="BANG_KHEN_TINH",
    )  # fmt: skip


async def _record(engine: AsyncEngine, new: NewDecision) -> Decision:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        decision, _ = await record_decision(session, new)
        return decision


async def test_fifty_concurrent_decisions_are_numbered_1_to_50(engine: AsyncEngine, owner_engine: AsyncEngine) -> None:
    unit = await ensure_unit(
        owner_engine, f"TEST-REG-{uuid.uuid4().hex[:6]}", "UBND tỉnh Thử", "people_committee", "province", None
    )
    signer = await _signer(engine)
    at = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    decisions = await asyncio.gather(*(_record(engine, _decision(unit, signer, at)) for _ in range(50)))
    numbers = sorted(d.number for d in decisions)
    assert numbers == list(range(1, 51)), numbers
    assert {d.year for d in decisions} == {2026}


async def test_a_retry_never_numbers_a_decision_twice(engine: AsyncEngine, owner_engine: AsyncEngine) -> None:
    unit = await ensure_unit(
        owner_engine, f"TEST-REG-{uuid.uuid4().hex[:6]}", "UBND tỉnh Thử", "people_committee", "province", None
    )
    signer = await _signer(engine)
    at = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    same = _decision(unit, signer, at)
    # The same decision id recorded ten times at once (an activity or request retried): one number.
    again = await asyncio.gather(*(_record(engine, same) for _ in range(10)))
    assert {d.number for d in again} == {1} and {d.id for d in again} == {same.id}
    following = await _record(engine, _decision(unit, signer, at))
    assert following.number == 2  # no number was lost to the retries


async def test_numbers_restart_at_1_on_1_january_vietnam_time(engine: AsyncEngine, owner_engine: AsyncEngine) -> None:
    unit = await ensure_unit(
        owner_engine, f"TEST-REG-{uuid.uuid4().hex[:6]}", "UBND tỉnh Thử", "people_committee", "province", None
    )
    signer = await _signer(engine)
    # 31/12/2026 23:59:59 in Vietnam is 16:59:59 UTC; 00:00:00 on 1/1/2027 is 17:00:00 UTC.
    late = [
        await _record(engine, _decision(unit, signer, datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC))) for _ in range(3)
    ]
    assert [d.number for d in late] == [1, 2, 3] and {d.year for d in late} == {2026}
    first = await _record(engine, _decision(unit, signer, datetime(2026, 12, 31, 17, 0, 0, tzinfo=UTC)))
    assert (first.year, first.number) == (2027, 1)
    # Another unit's register is its own.
    other = await ensure_unit(
        owner_engine, f"TEST-REG-{uuid.uuid4().hex[:6]}", "Sở Thử", "home_affairs", "province", None
    )
    assert (await _record(engine, _decision(other, signer, datetime(2027, 3, 1, tzinfo=UTC)))).number == 1


def test_register_year_and_date_line() -> None:
    assert register_year(datetime(2026, 12, 31, 16, 59, 59, tzinfo=UTC)) == 2026
    assert register_year(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == 2027
    with pytest.raises(ValueError):
        register_year(datetime(2026, 1, 1))
    assert date_line("Gia Lai", datetime(2026, 12, 5, 2, 0, tzinfo=UTC)) == "Gia Lai, ngày 05 tháng 12 năm 2026"
    # Days below 10 and months 1 and 2 take a leading zero (Decree 30/2020, Appendix I).
    assert date_line("Gia Lai", datetime(2027, 1, 31, 17, 30, tzinfo=UTC)) == "Gia Lai, ngày 01 tháng 02 năm 2027"
    assert date_line("Yên Bái", datetime(2027, 3, 9, 5, 0, tzinfo=UTC)) == "Yên Bái, ngày 09 tháng 3 năm 2027"


def test_deployed_registers_and_prizes_load() -> None:
    registers = load_registers(DEPLOY / "registers.yaml")
    assert registers.symbol("GL", "people_committee") == "QĐ-UBND"
    assert registers.symbol("VN-CP", "government") == "QĐ-TTg"
    assert registers.symbol("VN-CTN", "presidency") == "QĐ-CTN"
    assert registers.symbol("GL-SNV", "home_affairs") == "QĐ-SNV"
    assert registers.place(["GL-BH", "GL", "VN-CP", "VN"]) == "Gia Lai"
    prizes = load_prizes(DEPLOY / "prizes.yaml")
    assert prizes.base_salary_on(date(2026, 12, 5)) == 2_340_000
    assert prizes.prize("BANG_KHEN_TINH", "individual", date(2026, 12, 5)) == (1.0, 2_340_000)
    assert prizes.prize("GIAY_KHEN_XA", "individual", date(2026, 12, 5)) == (0.3, 702_000)
    assert prizes.prize("NOPE", "individual", date(2026, 12, 5)) == (0.0, 0)


def test_bad_files_name_file_and_field(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"registers.yaml: field symbols_by_kind: people_committee: 'UBND'"):
        parse_registers({"symbols_by_kind": {"people_committee": "UBND"}, "default_place": "Hà Nội"}, "registers.yaml")
    with pytest.raises(RegisterError, match=r"registers.yaml: field default_place"):
        parse_registers({"symbols_by_kind": {"people_committee": "QĐ-UBND"}}, "registers.yaml")
    with pytest.raises(RegisterError, match=r"prizes.yaml: field coefficients: BANG_KHEN_TINH: unknown nominee kind"):
        parse_prizes(
            {"base_salary": [{"since": "2024-07-01", "amount": 1}], "coefficients": {"BANG_KHEN_TINH": {"person": 1}}},
            "prizes.yaml",
        )
    with pytest.raises(RegisterError, match=r"prizes.yaml: field base_salary.0.amount"):
        parse_prizes({"base_salary": [{"since": "2024-07-01", "amount": -5}]}, "prizes.yaml")
    broken = tmp_path / "registers.yaml"
    broken.write_text("symbols_by_kind: [", encoding="utf-8")
    with pytest.raises(RegisterError, match=str(broken)):
        load_registers(broken)


def test_certificate_layout_loads_and_names_bad_fields(tmp_path: Path) -> None:
    layout = load_certificate_layout(DEPLOY / "templates" / "certificate.yaml")
    assert layout.page.width == 297 and layout.fields["name"].style == "bold"
    bad = tmp_path / "certificate.yaml"
    bad.write_text(
        "page: {width: 297, height: 210}\nfields:\n  name: {x: 200, y: 10, width: 150, size: 20}\n", encoding="utf-8"
    )
    with pytest.raises(RegisterError, match=r"certificate.yaml: fields: no place for 'detail'"):
        load_certificate_layout(bad)
    bad.write_text(
        "page: {width: 297, height: 210}\nfields:\n  name: {x: 1, y: 1, width: 10, size: 200}\n", encoding="utf-8"
    )
    with pytest.raises(RegisterError, match=r"field fields.name.size"):
        load_certificate_layout(bad)
