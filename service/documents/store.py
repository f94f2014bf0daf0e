"""A decision's documents, generated once and kept with their SHA-256 (table decision_documents):
the PDF (signed with the signer's or the issuing unit's PKCS#12 where one is configured, else
marked unsigned-digital) and the DOCX."""

from __future__ import annotations

import asyncio
import hashlib
import logging

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.certificates import load_certificate_layout
from models.tables import Decision, DecisionDocument, Unit, User
from service.api.deps import AppContext
from service.api.problems import Problem
from service.core.settings import SigningCertificate
from service.documents.decision import render_certificates, render_docx, render_pdf_with_box
from service.documents.signature import ORGANISATION_FIELD, SigningUnavailable, sign_pdf
from service.queries.decisions import decision_document

KINDS = ("pdf", "docx", "certs")
log = logging.getLogger(__name__)


def certificate_for(ctx: AppContext, username: str, unit_code: str) -> tuple[str, SigningCertificate] | None:
    """The signer's own key, else the issuing unit's, with its setting's key; none: unsigned-digital."""
    certs = ctx.settings.signing_certificates
    for entry in (f"user:{username}", unit_code):
        if entry in certs:
            return entry, certs[entry]
    return None


async def stored_document(session: AsyncSession, decision_id: object, kind: str) -> DecisionDocument | None:
    return (
        await session.exec(
            select(DecisionDocument).where(
                col(DecisionDocument.decision_id) == decision_id, col(DecisionDocument.kind) == kind
            )
        )
    ).one_or_none()


async def ensure_documents(ctx: AppContext, session: AsyncSession, decision: Decision) -> None:
    """Generate the decision's documents unless they exist; concurrent callers store one copy."""
    missing = [k for k in KINDS if await stored_document(session, decision.id, k) is None]
    if not missing:
        return
    assert ctx.registers is not None and ctx.prizes is not None
    signer = await session.get(User, decision.signer_user_id)
    unit = await session.get(Unit, decision.issuing_unit_id)
    assert signer is not None and unit is not None
    cert = certificate_for(ctx, signer.username, unit.code)
    # The organisation's signature where configured ("org:<unit code>"), after the person's.
    org_entry = f"org:{unit.code}"
    organisation = ctx.settings.signing_certificates.get(org_entry) if cert is not None else None
    content = await decision_document(
        session, ctx.catalogue, ctx.registers, ctx.prizes, decision, digitally_signed=cert is not None
    )
    template = ctx.settings.deploy_dir / "templates" / "decision.typ"

    def build() -> dict[str, tuple[bytes, bool]]:
        pdf, box = render_pdf_with_box(content, template)
        if cert is not None:
            place = content.date_line.split(",")[0]
            pdf = sign_pdf(
                pdf,
                cert[1],
                signer_name=decision.signer_name,
                reason=f"Ký Quyết định số {content.number_symbol}",
                location=place,
                box=box,
                entry=cert[0],
            )
            if organisation is not None:
                pdf = sign_pdf(
                    pdf, organisation, signer_name=unit.name,
                    reason=f"Chữ ký số của cơ quan, Quyết định số {content.number_symbol}", location=place,
                    field=ORGANISATION_FIELD, visible=False, entry=org_entry,
                )  # fmt: skip
        layout = load_certificate_layout(ctx.settings.deploy_dir / "templates" / "certificate.yaml")
        certificates = render_certificates(
            content, layout.model_dump(), ctx.settings.deploy_dir / "templates" / "certificate.typ"
        )
        return {
            "pdf": (pdf, cert is not None),
            "docx": (render_docx(content, ctx.settings.deploy_dir / "templates" / "decision.docx"), False),
            "certs": (certificates, False),
        }

    try:
        built = await asyncio.to_thread(build)
    except SigningUnavailable as exc:
        # The key is configured but cannot sign now (token unplugged, secret unreadable, PIN refused):
        # nothing is stored, so the next download signs; the operator reads which setting in the log.
        log.error("cannot sign decision %s: %s", decision.id, exc)
        raise Problem(
            503,
            "Chưa ký số được quyết định: thiết bị hoặc tệp chữ ký số của người ký chưa sẵn sàng. "
            "Vui lòng thử lại sau hoặc báo quản trị hệ thống.",
            code="signing_unavailable",
            retry_after=60,
        ) from None
    now = ctx.clock()
    for kind, (data, signed) in built.items():
        if kind not in missing:
            continue
        await session.exec(
            insert(DecisionDocument)  # type: ignore[call-overload]
            .values(
                decision_id=decision.id,
                kind=kind,
                sha256=hashlib.sha256(data).hexdigest(),
                content=data,
                signed=signed,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["decision_id", "kind"])
        )
    await session.commit()
