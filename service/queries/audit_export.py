"""The audit trail as an Excel workbook (openpyxl): what administrators hand to inspectors.

Dates in Asia/Ho_Chi_Minh as dd/mm/yyyy HH:mm, actions by their Vietnamese names, every text cell
stored as text (a comment that begins with "=" is never a formula).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

from models.rules.calendar import VN_TZ
from models.rules.labels import ACTIONS, label
from service.api.schemas.audit import AuditEntryOut

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [
    ("Thời gian", 18),
    ("Người thực hiện", 24),
    ("Mã người dùng", 12),
    ("Thao tác", 26),
    ("Mã thao tác", 18),
    ("Hồ sơ", 38),
    ("Đơn vị (mã số)", 12),
    ("Bước", 22),
    ("Ghi chú", 50),
    ("Địa chỉ truy cập", 18),
    ("Chi tiết", 60),
]


def _text(cell: Cell, value: str | None) -> None:
    cell.value = value
    if value is not None:
        cell.data_type = "s"  # never a formula, whatever the text begins with


def audit_workbook(entries: Sequence[AuditEntryOut]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Nhật ký"
    for i, (title, width) in enumerate(HEADERS, start=1):
        cell = ws.cell(row=1, column=i, value=title)
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    for r, e in enumerate(entries, start=2):
        values: list[str | int | None] = [
            e.at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M"),
            e.actor_name,
            e.actor_id,
            label(ACTIONS, e.action),
            e.action,
            str(e.nomination_id) if e.nomination_id else None,
            e.unit_id,
            e.step,
            e.comment,
            e.source_address,
            json.dumps(e.details, ensure_ascii=False, sort_keys=True) if e.details else None,
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, int):
                cell.value = value
            else:
                _text(cell, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
