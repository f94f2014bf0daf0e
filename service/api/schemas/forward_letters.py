"""Body of /api/v1/forward-letters: the nominations a submission letter (tờ trình) lists."""

from __future__ import annotations

import uuid

from pydantic import Field

from service.api.schemas.common import Line, _Strict

MAX_FORWARDED = 200


class ForwardLetterCreate(_Strict):
    nomination_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_FORWARDED)
    # The route step the letter is for ("submit:<unit code>"); left out: the submit step the
    # nominations are at now.
    step: Line | None = Field(default=None, min_length=8, max_length=100, pattern=r"^submit:\S+$")
