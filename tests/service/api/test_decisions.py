"""Award decisions over HTTP: one decision signed for several nominations, a decision of one from a
signing task, numbers per unit and year (restarting on 1 January), the award register and exports."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import logging
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.testing import WorkflowEnvironment

from models.store.decisions import AlreadyInDecision, Awardee, NewDecision, find_decision, record_decision
from service.documents.signature import load_roots, verify_pdf
from tests.support import paths
from tests.support.api import PROBLEM, approve_step, body, create, login, school_unit, task_for
from tests.support.catalogue import CRITERION, CRITERION_TEXT, deploy_with_award_criterion
from tests.support.documents import docx_text, keep_first_page_png, need_font, need_poppler, nfc, pdf_text
from tests.support.helpers import running_api
from tests.support.pki import TestPki, make_pki
from tests.support.softhsm import PIN, SoftToken, make_token

# Numbers are asserted from 1: this module's decisions are the only ones in its database.
pytestmark = pytest.mark.own_database

BEFORE_NEW_YEAR = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 31/12/2026 23:30 in Vietnam
NEW_YEAR = datetime(2026, 12, 31, 17, 0, 1, tzinfo=UTC)  # 01/01/2027 00:00:01 in Vietnam
VN = ZoneInfo("Asia/Ho_Chi_Minh")
COMMUNE_ROUTE = ["council.school", "council.commune"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(BEFORE_NEW_YEAR)


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path, clock: Callable[[], datetime]
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(env, engine, database_url, attachment_dir=str(tmp_path), clock=clock) as client:
        yield client


async def to_signing(api: httpx.AsyncClient, names: list[str], award_form: str = "GIAY_KHEN_XA") -> list[str]:
    """Nominations from the school, carried to their signing step."""
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    ids = [(await create(api, clerk, body(unit, award_form, name=name)))["id"] for name in names]
    for username in COMMUNE_ROUTE:
        headers = await login(api, username)
        for nid in ids:
            assert await approve_step(api, headers, await task_for(api, headers, nid)) == "in_progress"
    return ids


async def test_one_decision_for_three_nominations_then_a_decision_of_one(api: httpx.AsyncClient, clock: Clock) -> None:
    ids = await to_signing(api, ["Đặng Thị Ánh", "Nguyễn Văn Bình", "Lê Thị Cúc", "Trần Văn Dũng"])
    chair = await login(api, "chair.commune")
    for nid in ids:
        assert (await task_for(api, chair, nid))["step"].startswith("sign")

    # Nobody but the signer of those tasks signs: a clerk who sees them is refused, a stranger sees nothing.
    clerk = await login(api, "clerk.school")
    r = await api.post("/api/v1/decisions", headers=clerk, json={"nomination_ids": ids[:3]})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert r.json()["code"] == "not_waiting_for_signer"
    stranger = await login(api, "chair.province")
    r = await api.post("/api/v1/decisions", headers=stranger, json={"nomination_ids": ids[:3]})
    assert r.status_code == 404  # a commune award's dossier is not on the provincial chair's route

    r = await api.post(
        "/api/v1/decisions", headers={**chair, "Idempotency-Key": "ky-quyet-dinh-3"}, json={"nomination_ids": ids[:3]}
    )
    assert r.status_code == 201, r.text
    decision = r.json()
    assert decision["number"] == 1 and decision["symbol"] == "QĐ-UBND" and decision["number_symbol"] == "01/QĐ-UBND"
    assert decision["nomination_ids"] == ids[:3] and decision["year"] == 2026
    assert decision["issuing_unit"]["code"] == "GL-BH"
    assert [a["nominee_name"] for a in decision["awardees"]] == ["Đặng Thị Ánh", "Nguyễn Văn Bình", "Lê Thị Cúc"]
    assert decision["prize_total"] == 3 * 702_000  # 0.3 × 2 340 000
    assert r.headers["Location"] == f"/api/v1/decisions/{decision['id']}"

    # The same request again (a retry) gives the same decision, not a second number.
    again = await api.post(
        "/api/v1/decisions", headers={**chair, "Idempotency-Key": "ky-quyet-dinh-3"}, json={"nomination_ids": ids[:3]}
    )
    assert again.status_code == 200 and again.json()["id"] == decision["id"] and again.json()["number"] == 1
    # Signed already: no longer waiting.
    r = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids[:1]})
    assert r.status_code == 409

    for nid in ids[:3]:
        n = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
        assert n["status"] == "awarded"
        assert n["decision"]["id"] == decision["id"] and n["decision"]["number"] == 1
        assert n["decision"]["symbol"] == "QĐ-UBND"

    # Approving the fourth nomination's signing task after midnight on 1 January: number 1 of 2027.
    clock.now = NEW_YEAR
    task = await task_for(api, chair, ids[3])
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=chair, json={"outcome": "approve"})
    assert r.status_code == 200, r.text
    assert r.json()["nomination"]["status"] == "awarded"
    single = r.json()["decision"]
    assert single["number"] == 1 and single["symbol"] == "QĐ-UBND"
    got = (await api.get(f"/api/v1/decisions/{single['id']}", headers=clerk)).json()
    assert got["year"] == 2027 and got["nomination_ids"] == [ids[3]] and got["signer"]

    # The register of decisions, by year and unit.
    unit_id = decision["issuing_unit"]["id"]
    page = (await api.get("/api/v1/decisions", headers=chair, params={"year": 2026, "unit_id": unit_id})).json()
    assert [d["id"] for d in page["items"]] == [decision["id"]] and page["total"] == 1
    page = (await api.get("/api/v1/decisions", headers=chair, params={"year": 2027})).json()
    assert [d["id"] for d in page["items"]] == [single["id"]]
    # Out of scope: nothing.
    other = await login(api, "clerk.yb-tt-taxilang")
    assert (await api.get("/api/v1/decisions", headers=other)).json()["total"] == 0
    r = await api.get(f"/api/v1/decisions/{decision['id']}", headers=other)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM

    # The award register: accent-insensitive, by unit, year and form; exported to Excel.
    school = (await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"]
    found = (await api.get("/api/v1/awards", headers=clerk, params={"q": "dang thi anh"})).json()
    assert [a["nominee_name"] for a in found["items"]] == ["Đặng Thị Ánh"]
    assert found["items"][0]["number_symbol"] == "01/QĐ-UBND"
    assert (await api.get("/api/v1/awards", headers=clerk, params={"unit_id": school, "year": 2026})).json()[
        "total"
    ] == 3
    assert (await api.get("/api/v1/awards", headers=clerk, params={"award_form": "BANG_KHEN_TINH"})).json()[
        "total"
    ] == 0
    assert (await api.get("/api/v1/awards", headers=other)).json()["total"] == 0
    r = await api.get("/api/v1/awards", headers=clerk, params={"format": "xlsx", "year": 2026})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][1] == "Họ tên / Tên tập thể" and len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"Đặng Thị Ánh", "Nguyễn Văn Bình", "Lê Thị Cúc"}
    assert {row[6] for row in rows[1:]} == {"01/QĐ-UBND"}
    r = await api.get("/api/v1/nominations", headers=clerk, params={"format": "xlsx", "q": "le thi cuc"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert [row[1] for row in rows[1:]] == ["Lê Thị Cúc"] and rows[1][8] == "01/QĐ-UBND"

    # A later dossier of the same nominee shows the earlier award to those who judge it.
    later = (await create(api, clerk, body(school, "BANG_KHEN_TINH", name="Đặng Thị Ánh")))["id"]
    council = await login(api, "council.school")
    n = (await api.get(f"/api/v1/nominations/{later}", headers=council)).json()
    assert [(a["nominee_name"], a["number_symbol"]) for a in n["earlier_awards"]] == [("Đặng Thị Ánh", "01/QĐ-UBND")]


async def test_fifty_concurrent_signings_in_one_unit_are_numbered_1_to_50(api: httpx.AsyncClient) -> None:
    ids = await to_signing(api, [f"Người Thứ {i}" for i in range(50)])
    chair = await login(api, "chair.commune")
    tasks = [await task_for(api, chair, nid) for nid in ids]

    async def sign(task: dict[str, Any]) -> int:
        r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=chair, json={"outcome": "approve"})
        assert r.status_code == 200, r.text
        return int(r.json()["decision"]["number"])

    numbers = await asyncio.gather(*(sign(t) for t in tasks))
    # Each test of this module has a database of its own: the commune's register starts at 1.
    assert sorted(numbers) == list(range(1, 51))
    assert len({uuid.UUID(str(t["id"])) for t in tasks}) == len(ids)


@pytest.fixture
def pki(tmp_path: Path) -> TestPki:
    return make_pki(tmp_path)


async def test_documents_signed_when_the_unit_has_a_certificate(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path, pki: TestPki
) -> None:
    need_font()
    need_poppler()
    certificates = {
        "GL-BH": {"file": str(pki.signer_p12), "passphrase": pki.passphrase},
        "org:GL-BH": {"file": str(pki.organisation_p12), "passphrase": pki.passphrase},
    }
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path), clock=Clock(BEFORE_NEW_YEAR),
        signing_certificates=certificates, signing_trust_roots=[str(pki.ca_pem)],
    ) as api:  # fmt: skip
        ids = await to_signing(api, ["Phạm Thị Hương", "Võ Văn Được"])
        chair = await login(api, "chair.commune")
        r = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
        assert r.status_code == 201, r.text
        decision = r.json()
        clerk = await login(api, "clerk.school")
        pdf = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=clerk)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["x-content-sha256"] == hashlib.sha256(pdf.content).hexdigest()
        text = nfc(pdf_text(pdf.content, tmp_path))
        for expected in ("Số: 01/QĐ-UBND", "ỦY BAN NHÂN DÂN", "XÃ BIỂN HỒ", "Gia Lai, ngày 31 tháng 12 năm 2026",
                         "Phạm Thị Hương", "Võ Văn Được", "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ BIỂN HỒ",
                         "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "1.404.000 đồng"):  # fmt: skip
            assert expected in text, expected
        keep_first_page_png(pdf.content, "decision-api-page1")
        # Stored once: the same bytes for everyone who may see it.
        again = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=chair)
        assert again.content == pdf.content
        verified = (await api.get(f"/api/v1/decisions/{decision['id']}/verify", headers=clerk)).json()
        assert verified["status"] == "signed" and verified["ok"] and verified["trusted"]
        assert "Nguyễn Văn Chủ Tịch" in verified["signer"] and verified["sha256"] == pdf.headers["x-content-sha256"]
        # The person's signature, then the organisation's.
        assert len(verified["signers"]) == 2 and "UBND xã Biển Hồ" in verified["signers"][1]
        docx = await api.get(f"/api/v1/decisions/{decision['id']}/document.docx", headers=clerk)
        assert docx.status_code == 200 and docx.content.startswith(b"PK")
        text = docx_text(docx.content)
        for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Số: 01/QĐ-UBND", "Phạm Thị Hương", "Võ Văn Được"):
            assert expected in text, expected
        got = (await api.get(f"/api/v1/decisions/{decision['id']}", headers=clerk)).json()
        assert {d["kind"]: d["signed"] for d in got["documents"]} == {"pdf": True, "docx": False, "certs": False}
        # The certificates: one page per awardee, for the pre-printed blanks.
        certs = await api.get(f"/api/v1/decisions/{decision['id']}/certificates.pdf", headers=clerk)
        assert certs.status_code == 200 and certs.headers["content-type"] == "application/pdf"
        pages = nfc(pdf_text(certs.content, tmp_path)).split("\f")
        assert "Phạm Thị Hương" in pages[0] and "Võ Văn Được" in pages[1] and not pages[2].strip()
        assert "Quyết định số 01/QĐ-UBND ngày 31/12/2026" in pages[0]
        other = await login(api, "clerk.yb-tt-taxilang")
        r = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=other)
        assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


async def test_without_a_certificate_the_decision_is_unsigned_digital(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """Unsigned-digital, and its DOCX from the province's own Word template (deploy/ is data)."""
    need_font()
    need_poppler()
    deploy = tmp_path / "deploy"
    shutil.copytree(paths.ROOT / "deploy", deploy)
    own = Document()
    own.add_paragraph("MẪU CỦA TỈNH – Quyết định số {{ number_symbol }}")
    own.add_paragraph("{%p for a in awardees %}")
    own.add_paragraph("{{ a.position }}) {{ a.name }}")
    own.add_paragraph("{%p endfor %}")
    own.save(str(deploy / "templates" / "decision.docx"))
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path), clock=Clock(BEFORE_NEW_YEAR), deploy_dir=str(deploy)
    ) as api:
        await _unsigned_digital(api, tmp_path)


async def _unsigned_digital(api: httpx.AsyncClient, tmp_path: Path) -> None:
    ids = await to_signing(api, ["Bùi Thị Xuân"])
    chair = await login(api, "chair.commune")
    task = await task_for(api, chair, ids[0])
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=chair, json={"outcome": "approve"})
    decision = r.json()["decision"]
    pdf = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=chair)
    text = nfc(pdf_text(pdf.content, tmp_path))
    assert "Bản điện tử chưa ký số" in text and "Số: 01/QĐ-UBND" in text and "Bùi Thị Xuân" in text
    verified = (await api.get(f"/api/v1/decisions/{decision['id']}/verify", headers=chair)).json()
    assert verified["status"] == "unsigned_digital" and verified["signed"] is False and verified["problem"]
    docx = await api.get(f"/api/v1/decisions/{decision['id']}/document.docx", headers=chair)
    assert docx_text(docx.content) == "MẪU CỦA TỈNH – Quyết định số 01/QĐ-UBND\n1) Bùi Thị Xuân"


async def test_signed_but_not_recorded_is_recorded_on_the_next_request(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API stops between the signer's Updates and recording the decision (here: recording fails
    once): the nominations are awarded without a decision; the signer's next request records them,
    numbered once, without signing again."""
    import service.api.signing as signing

    ids = await to_signing(api, ["Mai Thị Thu", "Đinh Văn Tâm"])
    chair = await login(api, "chair.commune")
    real = signing.record_decision
    calls = {"n": 0}

    async def failing_once(session: Any, new: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("the API stopped here")
        return await real(session, new)

    monkeypatch.setattr(signing, "record_decision", failing_once)
    with pytest.raises(RuntimeError):
        await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
    clerk = await login(api, "clerk.school")
    for nid in ids:
        n = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
        assert n["status"] == "awarded" and n["decision"] is None
    # Someone else cannot claim them; the signer can.
    other = await login(api, "deputy.commune")
    assert (await api.post("/api/v1/decisions", headers=other, json={"nomination_ids": ids})).status_code in (404, 409)
    r = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
    assert r.status_code == 201, r.text
    assert r.json()["number"] == 1 and sorted(r.json()["nomination_ids"]) == sorted(ids)
    again = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
    assert again.status_code == 409  # recorded now: nothing waits any more


async def test_a_deputy_signs_on_behalf_of_the_chairperson(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """KT. CHỦ TỊCH – PHÓ CHỦ TỊCH: the decision and its PDF carry the line and the deputy's name."""
    need_font()
    need_poppler()
    async with running_api(env, engine, database_url, attachment_dir=str(tmp_path)) as api:
        chair = await login(api, "chair.commune")
        commune = (await api.get("/api/v1/me", headers=chair)).json()["unit"]["id"]
        today = datetime.now(UTC).astimezone(VN).date()
        r = await api.post("/api/v1/delegations", headers=chair, json={
            "kind": "sign_on_behalf", "to_username": "deputy.commune", "role": "chairperson", "unit_id": commune,
            "starts_on": str(today), "ends_on": str(today), "reason": "Chủ tịch đi công tác"})  # fmt: skip
        assert r.status_code == 201, r.text
        ids = await to_signing(api, ["Tạ Thị Kim", "Lưu Văn Hải"])
        deputy = await login(api, "deputy.commune")
        me = (await api.get("/api/v1/me", headers=deputy)).json()
        r = await api.post("/api/v1/decisions", headers=deputy, json={"nomination_ids": ids})
        assert r.status_code == 201, r.text
        decision = r.json()
        assert decision["signer_title"] == "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"
        assert decision["signer"] == f"KT. CHỦ TỊCH – PHÓ CHỦ TỊCH {me['full_name']}"
        pdf = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=deputy)
        text = nfc(pdf_text(pdf.content, tmp_path))
        assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text and me["full_name"] in text
        clerk = await login(api, "clerk.school")
        n = (await api.get(f"/api/v1/nominations/{ids[0]}", headers=clerk)).json()
        assert n["signed_by"].startswith("KT. CHỦ TỊCH") and n["decision"]["id"] == decision["id"]


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestPki, SoftToken]:
    """A SoftHSM2 token holding the chairperson's key (one per module: SoftHSM2 reads its
    configuration once per process)."""
    directory = tmp_path_factory.mktemp("token")
    pki = make_pki(directory)
    return pki, make_token(directory, pki)


async def test_a_decision_signed_with_a_key_on_a_pkcs11_token(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path, token: tuple[TestPki, SoftToken]
) -> None:
    """The chairperson's key never leaves the token: the API signs through PKCS#11 with the PIN from a
    secret file; the PDF verifies, its stamp shows the signing time in Vietnam, a changed byte fails."""
    need_font()
    need_poppler()
    pki, tok = token
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path), clock=Clock(BEFORE_NEW_YEAR),
        signing_certificates={"user:chair.commune": tok.setting()}, signing_trust_roots=[str(pki.ca_pem)],
    ) as api:  # fmt: skip
        ids = await to_signing(api, ["Hồ Thị Lan"])
        chair = await login(api, "chair.commune")
        r = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
        assert r.status_code == 201, r.text
        decision = r.json()
        pdf = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=chair)
        assert pdf.status_code == 200, pdf.text
        verified = (await api.get(f"/api/v1/decisions/{decision['id']}/verify", headers=chair)).json()
        assert verified["status"] == "signed" and verified["ok"] and verified["trusted"], verified
        assert "Nguyễn Văn Chủ Tịch" in verified["signer"]
        text = nfc(pdf_text(pdf.content, tmp_path))
        assert "Bản điện tử chưa ký số" not in text and "Hồ Thị Lan" in text
        # The visible stamp: Vietnam's time of the signature the verification reports, not UTC.
        stamped = re.search(r"Ngày ký: (\d\d/\d\d/\d{4} \d\d:\d\d) \(GMT\+7\)", text)
        signed_at = datetime.fromisoformat(verified["signed_at"]).astimezone(VN)
        assert stamped is not None and stamped.group(1) == f"{signed_at:%d/%m/%Y %H:%M}", text[-600:]
        assert f"Đã ký số: {decision['signer_name']}" in text
        roots = load_roots([pki.ca_pem])
        assert (await asyncio.to_thread(verify_pdf, pdf.content, roots)).ok
        for where in (len(pdf.content) // 3, len(pdf.content) - 100):
            damaged = bytearray(pdf.content)
            damaged[where] ^= 0x01
            assert not (await asyncio.to_thread(verify_pdf, bytes(damaged), roots)).ok, where


async def test_a_token_that_refuses_the_pin_is_503_and_the_pin_is_never_shown(
    env: WorkflowEnvironment,
    engine: AsyncEngine,
    database_url: str,
    tmp_path: Path,
    token: tuple[TestPki, SoftToken],
    caplog: pytest.LogCaptureFixture,
) -> None:
    need_font()
    pki, tok = token
    wrong = "97531"
    pin_file = tmp_path / "wrong-pin"
    pin_file.write_text(wrong)
    setting = {**tok.setting(), "pin_file": str(pin_file)}
    caplog.set_level(logging.DEBUG)
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path), clock=Clock(BEFORE_NEW_YEAR),
        signing_certificates={"GL-BH": setting}, signing_trust_roots=[str(pki.ca_pem)],
    ) as api:  # fmt: skip
        ids = await to_signing(api, ["Vũ Văn Nam"])
        chair = await login(api, "chair.commune")
        decision = (await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})).json()
        r = await api.get(f"/api/v1/decisions/{decision['id']}/document.pdf", headers=chair)
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM and int(r.headers["retry-after"]) > 0
        assert r.json()["code"] == "signing_unavailable"
        # Nothing stored: the next download signs once the token is back.
        got = (await api.get(f"/api/v1/decisions/{decision['id']}", headers=chair)).json()
        assert got["documents"] == []
    # The operator reads which setting failed; nobody reads the PIN.
    assert "THIDUA_SIGNING_CERTIFICATES['GL-BH'], field pin_file: the token refused the PIN" in caplog.text
    for secret in (wrong, PIN):
        assert secret not in caplog.text and secret not in r.text


async def test_a_criterion_that_is_an_earlier_award_is_judged_from_the_register(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    """The catalogue's BANG_KHEN_TINH (in this test's deploy/) asks for a commune Giấy khen within 5
    years: a nominee who holds one sees it with the decision's number and date, another sees none."""
    deploy = deploy_with_award_criterion(tmp_path)
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path), clock=Clock(BEFORE_NEW_YEAR), deploy_dir=str(deploy)
    ) as api:
        ids = await to_signing(api, ["Đoàn Thị Mai"])
        chair = await login(api, "chair.commune")
        decision = (await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})).json()
        clerk = await login(api, "clerk.school")
        school = await school_unit(api, clerk)
        holder = await create(api, clerk, body(school, "BANG_KHEN_TINH", name="Đoàn thị MAI"))
        other = await create(api, clerk, body(school, "BANG_KHEN_TINH", name="Đoàn Thị Cúc"))
        council = await login(api, "council.school")
        n = (await api.get(f"/api/v1/nominations/{holder['id']}", headers=council)).json()
        assert len(n["award_checks"]) == 1
        check = n["award_checks"][0]
        assert check["criterion_code"] == CRITERION and check["criterion_text"] == CRITERION_TEXT
        assert check["award_form_names"] == ["Giấy khen của Chủ tịch UBND xã"] and check["within_years"] == 5
        assert check["found"] is True and check["signed_on"] == "2026-12-31"
        assert check["award"]["number_symbol"] == "01/QĐ-UBND" and check["award"]["decision"]["id"] == decision["id"]
        n = (await api.get(f"/api/v1/nominations/{other['id']}", headers=council)).json()
        assert [(c["criterion_code"], c["found"], c["award"]) for c in n["award_checks"]] == [(CRITERION, False, None)]
        # A form whose criteria name no earlier award has no checks; lists do not compute them.
        assert (await api.get(f"/api/v1/nominations/{ids[0]}", headers=council)).json()["award_checks"] == []
        page = (await api.get("/api/v1/nominations", headers=council)).json()
        assert all(item["award_checks"] is None for item in page["items"])


async def test_a_nomination_in_a_decision_is_in_no_second_one(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """The register refuses a second decision naming an awardee of the first, records none of it and
    gives its number back: the unit's next decision takes the number after the first."""
    ids = await to_signing(api, ["Lò Văn Pả"])
    chair = await login(api, "chair.commune")
    r = await api.post("/api/v1/decisions", headers=chair, json={"nomination_ids": ids})
    assert r.status_code == 201, r.text
    nomination = (await api.get(f"/api/v1/nominations/{ids[0]}", headers=chair)).json()
    async with AsyncSession(engine, expire_on_commit=False) as session:
        first = await find_decision(session, uuid.UUID(r.json()["id"]))
        assert first is not None
        awardee = Awardee(
            nomination_id=uuid.UUID(ids[0]), nominee_kind="individual", nominee_name="Lò Văn Pả",
            proposing_unit_id=nomination["proposing_unit"]["id"], period_kind="annual", period_year=2026,
            achievements=nomination["achievements"],
        )  # fmt: skip
        second = NewDecision(
            id=uuid.uuid4(), issuing_unit_id=first.issuing_unit_id, symbol=first.symbol, signed_at=first.signed_at,
            signer_user_id=first.signer_user_id, signer_name=first.signer_name, signer_title=None,
            award_form=first.award_form, awardees=[awardee],
        )  # fmt: skip
        with pytest.raises(AlreadyInDecision):
            await record_decision(session, second)
        assert await find_decision(session, second.id) is None
        following, recorded = await record_decision(session, dataclasses.replace(second, id=uuid.uuid4(), awardees=[]))
    assert recorded and following.number == first.number + 1
