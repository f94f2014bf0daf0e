"""Excel export (openpyxl) of a list view: one sheet, a bold header row, Vietnamese column names."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# The most rows one export returns (a list view's filters narrow it).
MAX_EXPORT_ROWS = 20_000


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: the Vietnamese wall-clock time, as users read it.
        return value.astimezone(VIETNAM).replace(tzinfo=None)
    if isinstance(value, date | int | float) or value is None:
        return value
    return str(value)


def xlsx_bytes(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_cell(v) for v in row])
    for column in ws.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[column[0].column_letter].width = min(60, max(10, width + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_response(filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    return Response(
        content=xlsx_bytes(title, header, rows),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
