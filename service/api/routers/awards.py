"""The award register (sổ khen thưởng): who was awarded what, by which decision; searchable and exportable."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.schemas.decisions import AwardPage
from service.api.xlsx import MAX_EXPORT_ROWS, XLSX, xlsx_response
from service.queries.awards import count_awards, list_awards, register_filters

router = APIRouter(prefix="/api/v1/awards", tags=["awards"])

KINDS = {"individual": "Cá nhân", "collective": "Tập thể", "household": "Hộ gia đình", "clan": "Dòng họ"}


@router.get(
    "",
    response_model=AwardPage,
    responses={200: {"content": {XLSX: {}}}},
)
async def award_register(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    year: Annotated[int | None, Query(ge=1945, le=2200)] = None,
    award_form: Annotated[str | None, Query(max_length=64)] = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> AwardPage | Response:
    where = register_filters(user, q=q, unit_id=unit_id, year=year, award_form=award_form)
    if format == "xlsx":
        items = await list_awards(session, ctx.catalogue, where, limit=MAX_EXPORT_ROWS, offset=0)
        return xlsx_response(
            "so-khen-thuong.xlsx",
            "Sổ khen thưởng",
            ["STT", "Họ tên / Tên tập thể", "Đối tượng", "Đơn vị", "Hình thức khen thưởng", "Năm thành tích",
             "Số quyết định", "Ngày ký", "Cơ quan ban hành", "Thành tích"],
            [
                [i + 1, a.nominee_name, KINDS.get(a.nominee_kind, a.nominee_kind), a.proposing_unit.name,
                 a.award_form_name or a.award_form, a.period_year, a.number_symbol, a.decision.signed_at,
                 a.issuing_unit.name, a.achievements]
                for i, a in enumerate(items)
            ],
        )  # fmt: skip
    total = await count_awards(session, where)
    items = await list_awards(session, ctx.catalogue, where, limit=limit, offset=offset)
    return AwardPage(items=items, total=total, limit=limit, offset=offset)
