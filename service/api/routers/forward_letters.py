"""Submission letters (tờ trình): the head of a unit forwards nominations to the level above at a
route step of kind `submit`; the letter listing them is generated here (a draft PDF, not stored)."""

from __future__ import annotations

import asyncio
import hashlib

from fastapi import APIRouter, Response

from models.rules.registers import VIETNAM
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.schemas.forward_letters import ForwardLetterCreate
from service.documents.forward_letter import render_pdf
from service.queries.forward_letters import forward_letter_content, forwarding

router = APIRouter(prefix="/api/v1/forward-letters", tags=["decisions"])
PDF = "application/pdf"


@router.post("", response_class=Response, responses={200: {"content": {PDF: {}}}})
async def forward_letter(body: ForwardLetterCreate, ctx: ContextDep, session: SessionDep, user: UserDep) -> Response:
    """The letter (tờ trình) listing these nominations, all at (or past) the same `submit` step, for the
    head of that step's unit (or whoever acts for them). A PDF draft to sign, its number left blank
    for the unit's register of letters; generated on each request, not stored."""
    found = await forwarding(session, user, body.nomination_ids, body.step)
    assert ctx.registers is not None
    now = ctx.clock()
    content = await forward_letter_content(session, ctx.catalogue, ctx.registers, user, found, now)
    template = ctx.settings.deploy_dir / "templates" / "forward_letter.typ"
    pdf = await asyncio.to_thread(render_pdf, content, template)
    code = str(found.step["key"]).removeprefix("submit:").lower()
    name = f"to-trinh-{code}-{now.astimezone(VIETNAM):%d-%m-%Y}.pdf"
    return Response(
        content=pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": hashlib.sha256(pdf).hexdigest(),
            "Cache-Control": "private, no-store",
        },
    )
