"""The minutes (biên bản) of a council session: every nominee and its tally in one document, PDF
(Typst, from deploy/templates/council_minutes.typ) and DOCX, in the format of Decree 30/2020/NĐ-CP.

Generated once, when every result of the session has been applied (the outcome column needs it),
and stored with its SHA-256; the minutes' number is left for the council's register (a biên bản is
not numbered in the decision register).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.labels import SESSION_OUTCOMES
from models.rules.registers import VIETNAM, date_line
from models.tables import Ballot, CouncilSessionDocument, Unit
from service.api.deps import AppContext
from service.api.schemas.council_sessions import SessionItemOut, SessionOut
from service.documents.decision import FONT_FAMILIES
from service.documents.typst_pdf import a4_document, docx_run, nfc_data, render_typst
from service.queries.decisions import issuer_lines

PDF = "pdf"
DOCX = "docx"
MEDIA = {PDF: "application/pdf", DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass
class MinutesRow:
    position: int
    name: str
    unit_and_form: str
    votes_for: str
    votes_against: str
    result: str


@dataclass
class MinutesContent:
    issuer_lines: list[str]
    number_symbol: str
    date_line: str
    title_line: str
    opening: list[str]
    minutes: list[str]
    rows: list[MinutesRow]
    closing: list[str]
    secretary_name: str
    chair_name: str = ""
    font: list[str] = field(default_factory=lambda: list(FONT_FAMILIES))

    def data(self) -> dict[str, object]:
        return nfc_data(self)


def _local(at: datetime) -> datetime:
    return at.astimezone(VIETNAM)


def _row(item: SessionItemOut, counted: tuple[int, int] | None) -> MinutesRow:
    if counted is not None:
        votes_for, votes_against = counted
    else:
        votes_for = (item.votes_for or 0) + item.written_for
        votes_against = (item.votes_against or 0) + item.written_against
    result = SESSION_OUTCOMES.get(item.outcome or "", "Chưa áp dụng")
    if item.outcome in ("refused", "void") and item.detail:
        result = f"{result}: {item.detail}"
    form = item.award_form_name or item.award_form
    unit = item.proposing_unit_name or ""
    return MinutesRow(item.position, item.nominee_name, f"{unit}; {form}", str(votes_for), str(votes_against), result)


def minutes_content(
    out: SessionOut, council: Unit, parent: Unit | None, place: str, counted: dict[str, tuple[int, int]]
) -> MinutesContent:
    held = _local(out.results_at or out.opened_at)
    opened = _local(out.opened_at)
    name = out.council_name or council.name
    opening = [
        f"Hồi {opened:%H} giờ {opened:%M} ngày {opened:%d/%m/%Y}, {name} họp xét đề nghị khen thưởng đối với "
        f"{out.total} hồ sơ trong danh sách kèm theo."
    ]
    if out.present is None:
        # An electronic ballot, or one meeting tally whose attendance counts present and written votes together.
        how = "bỏ phiếu kín điện tử" if out.mode == "electronic" else "biểu quyết tại cuộc họp và bằng văn bản"
        opening.append(
            f"Hình thức biểu quyết: {how}; tổng số thành viên Hội đồng: {out.members or 0}; "
            f"số thành viên tham gia biểu quyết: {out.papers or 0}."
        )
    else:
        members, present = out.members or 0, out.present or 0
        opening.append(
            f"Tổng số thành viên Hội đồng: {members}; có mặt: {present}; vắng mặt: {max(0, members - present)}."
        )
    closed = _local(out.closed_at or datetime.now(UTC))
    passed = sum(1 for r in out.results if r.outcome == "passed")
    return MinutesContent(
        issuer_lines=issuer_lines(council, parent),
        number_symbol="      /BB-HĐ",
        date_line=date_line(place, held),
        title_line="Phiên họp xét đề nghị khen thưởng",
        opening=opening,
        minutes=[line.strip() for line in (out.minutes or "").splitlines() if line.strip()],
        rows=[_row(r, counted.get(str(r.nomination_id))) for r in out.results],
        closing=[
            f"Hội đồng thống nhất đề nghị khen thưởng {passed}/{out.total} hồ sơ đạt tỷ lệ phiếu tán thành theo quy "
            "định. Kết quả được ghi nhận vào hồ sơ điện tử của từng trường hợp.",
            f"Phiên họp kết thúc lúc {closed:%H} giờ {closed:%M} ngày {closed:%d/%m/%Y}. Biên bản được lập thành hai "
            "bản, các thành viên dự họp đã thông qua.",
        ],
        secretary_name=out.opened_by or "",
    )


def render_pdf(doc: MinutesContent, template: Path) -> bytes:
    return render_typst(template, doc.data())


def render_docx(doc: MinutesContent) -> bytes:
    d = a4_document()
    head = d.add_table(rows=1, cols=2)
    left, right = head.rows[0].cells
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(doc.issuer_lines):
        docx_run(p, line + "\n", size=12.5, bold=i == len(doc.issuer_lines) - 1)
    docx_run(p, f"Số: {doc.number_symbol}", size=13)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    docx_run(p, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n", size=12.5, bold=True)
    docx_run(p, "Độc lập - Tự do - Hạnh phúc\n", size=13.5, bold=True)
    docx_run(p, doc.date_line, size=13.5, italic=True)
    for line in ("BIÊN BẢN", doc.title_line):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docx_run(p, line, bold=True)
    for line in (*doc.opening, *doc.minutes):
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Mm(10)
        docx_run(p, line)
    p = d.add_paragraph()
    docx_run(p, "Kết quả biểu quyết:", bold=True)
    table = d.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, label in zip(
        table.rows[0].cells,
        ("STT", "Cá nhân, tập thể", "Đơn vị đề nghị; hình thức", "Tán thành", "Không tán thành", "Kết quả"),
        strict=True,
    ):
        docx_run(cell.paragraphs[0], label, size=11, bold=True)
    for r in doc.rows:
        cells = table.add_row().cells
        for cell, value in zip(
            cells, (str(r.position), r.name, r.unit_and_form, r.votes_for, r.votes_against, r.result), strict=True
        ):
            docx_run(cell.paragraphs[0], value, size=11)
    for line in doc.closing:
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Mm(10)
        docx_run(p, line)
    sign = d.add_table(rows=1, cols=2)
    for cell, (title, name) in zip(
        sign.rows[0].cells, (("THƯ KÝ", doc.secretary_name), ("CHỦ TỊCH HỘI ĐỒNG", doc.chair_name)), strict=True
    ):
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docx_run(p, title + "\n\n\n\n", bold=True)
        docx_run(p, name, bold=True)
    buffer = io.BytesIO()
    d.save(buffer)
    return buffer.getvalue()


async def _council_place(db: AsyncSession, ctx: AppContext, council_unit_id: int) -> tuple[Unit, Unit | None, str]:
    """The council, the body above it, and the place name of the date line (the nearest unit naming one)."""
    council = await db.get(Unit, council_unit_id)
    assert council is not None
    chain = [council]
    while chain[-1].parent_id is not None and len(chain) < 20:
        above = await db.get(Unit, chain[-1].parent_id)
        if above is None:
            break
        chain.append(above)
    place = ctx.registers.place([u.code for u in chain]) if ctx.registers is not None else ""
    return council, chain[1] if len(chain) > 1 else None, place


async def _counted(db: AsyncSession, out: SessionOut) -> dict[str, tuple[int, int]]:
    """An electronic session's totals, from each nominee's closed ballot box (never who voted how)."""
    if out.mode != "electronic":
        return {}
    ids = [r.nomination_id for r in out.results]
    rows = (
        await db.exec(
            select(Ballot)
            .where(col(Ballot.nomination_id).in_(ids), col(Ballot.status).in_(("passed", "failed", "void")))
            .order_by(col(Ballot.number))
        )
    ).all()
    return {str(b.nomination_id): (b.votes_for, b.votes_against) for b in rows}


async def minutes_document(db: AsyncSession, ctx: AppContext, out: SessionOut, kind: str) -> tuple[bytes, str, str]:
    """(content, media type, SHA-256) of the session's minutes; generated and stored on first request."""
    stored = (
        await db.exec(
            select(CouncilSessionDocument).where(
                col(CouncilSessionDocument.session_id) == out.id, col(CouncilSessionDocument.kind) == kind
            )
        )
    ).one_or_none()
    if stored is None:
        council, parent, place = await _council_place(db, ctx, out.council_unit_id)
        content = minutes_content(out, council, parent, place, await _counted(db, out))
        template = ctx.settings.deploy_dir / "templates" / "council_minutes.typ"
        rendered = {PDF: render_pdf(content, template), DOCX: render_docx(content)}
        now = datetime.now(UTC)
        for k, body in rendered.items():
            await db.exec(
                insert(CouncilSessionDocument)  # type: ignore[call-overload]
                .values(
                    session_id=out.id, kind=k, sha256=hashlib.sha256(body).hexdigest(), content=body, created_at=now
                )
                .on_conflict_do_nothing()
            )
        await db.commit()
        stored = (
            await db.exec(
                select(CouncilSessionDocument).where(
                    col(CouncilSessionDocument.session_id) == out.id, col(CouncilSessionDocument.kind) == kind
                )
            )
        ).one()
    return stored.content, MEDIA[kind], stored.sha256


async def ballot_minutes(db: AsyncSession, ctx: AppContext, out: SessionOut) -> bytes:
    """The minutes of one nomination's own meeting tally or electronic ballot, as a session of one
    (not stored: a small document, generated from the ballot row each time)."""
    council, parent, place = await _council_place(db, ctx, out.council_unit_id)
    content = minutes_content(out, council, parent, place, {})
    return render_pdf(content, ctx.settings.deploy_dir / "templates" / "council_minutes.typ")
