"""Reading a unit's list from a request (JSON, or an Excel file in a multipart form) and checking its
entries one by one, as POST /api/v1/nominations checks one nomination: the same schema and limits
(NomineeEntry) and the award form's nominee kinds. Every bad entry is reported by row and field.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from models.rules.catalogue import AwardFormDef
from models.rules.submission_sheet import COLUMN_BY_KEY, SheetError, SheetRow, read_sheet, row_entry
from models.rules.text import nfc_deep
from service.api.problems import Problem, field_message
from service.api.schemas.nominations import NomineeEntry
from service.api.schemas.submissions import MAX_LIST_BYTES, RowError, SubmissionHead
from service.queries.proposals import nominee_kind_refusal

# What an error names, in the words of the form and the template.
FIELD_LABELS = {
    "nominee": "Đối tượng",
    "nominee.kind": "Loại đối tượng",
    "nominee.name": "Họ và tên / Tên tập thể",
    "nominee.position": "Chức vụ",
    "nominee.workplace": "Đơn vị công tác / Địa chỉ",
    "nominee.date_of_birth": "Ngày sinh",
    "achievements": "Tóm tắt thành tích",
    "criteria": "Tiêu chuẩn đạt",
}
XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream")


@dataclass
class ListRequest:
    """A list as read from the request, before its entries are checked against the award form."""

    head: SubmissionHead
    source: str  # json | xlsx
    request_hash: str
    # JSON: the raw entries (row = 1-based position); xlsx: the sheet's rows (row = Excel row).
    entries: list[tuple[int, Any]] = field(default_factory=list)
    sheet_rows: list[SheetRow] = field(default_factory=list)


def _hash(value: Any) -> str:
    # ASCII escapes: a lone surrogate in a refused body must not break the hash before it is refused.
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def _head(raw: Any) -> SubmissionHead:
    try:
        return SubmissionHead.model_validate(raw)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors) from None


async def read_list(request: Request) -> ListRequest:
    """The list of a JSON body or of a multipart upload (field `file`, an .xlsx of the template)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Problem(422, "Nội dung gửi lên không phải JSON hợp lệ.", code="json_invalid") from None
        head = _head(raw)
        return ListRequest(
            head=head,
            source="json",
            request_hash=_hash({"source": "json", "body": nfc_deep(raw)}),
            entries=list(enumerate(head.nominees, start=1)),
        )
    if content_type == "multipart/form-data":
        return await _read_upload(request)
    raise Problem(
        415, "Hãy gửi danh sách dưới dạng JSON hoặc tải lên tệp Excel (.xlsx) theo mẫu.", code="unsupported_media_type"
    )


def _number_or_text(value: Any) -> Any:
    text = value.strip() if isinstance(value, str) else value
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() and len(text) < 12 else text


_TRUE = ("true", "1", "on", "yes", "có")
_FALSE = ("false", "0", "off", "no", "không", "")


async def _read_upload(request: Request) -> ListRequest:
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=64 * 1024)
    except HTTPException as exc:
        raise Problem(422, "Biểu mẫu tải lên không đọc được; hãy gửi lại tệp.", code="bad_multipart") from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise Problem(422, "Hãy chọn tệp Excel (.xlsx) danh sách để tải lên (trường «file»).", code="file_missing")
    data = await upload.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise Problem(
            413,
            f"Tệp danh sách vượt quá {MAX_LIST_BYTES // (1024 * 1024)} MB; hãy chia danh sách.",
            code="file_too_large",
        )
    fields: dict[str, Any] = {}
    for name in ("award_form", "proposing_unit_id", "period_kind", "period_year", "only_valid"):
        value = form.get(name)
        if isinstance(value, UploadFile):
            raise Problem(422, f"Trường «{name}» phải là văn bản, không phải tệp.", code="validation")
        if value is not None:
            fields[name] = value
    only = str(fields.get("only_valid", "")).strip().lower()
    raw = {
        "award_form": fields.get("award_form"),
        "proposing_unit_id": _number_or_text(fields.get("proposing_unit_id")),
        "period": {"kind": fields.get("period_kind"), "year": _number_or_text(fields.get("period_year"))},
        "only_valid": only in _TRUE if only in _TRUE + _FALSE else only,
        "nominees": [{}],  # the rows come from the file
    }
    head = _head({k: v for k, v in raw.items() if v is not None})
    try:
        # Parsing 2,000 rows takes a moment: off the event loop, so other requests are not held up.
        rows = await asyncio.to_thread(read_sheet, data)
    except SheetError as exc:
        raise Problem(422, str(exc), code=exc.code) from None
    fingerprint = {k: v for k, v in raw.items() if k != "nominees"}
    return ListRequest(
        head=head,
        source="xlsx",
        request_hash=_hash({"source": "xlsx", "file": hashlib.sha256(data).hexdigest(), **fingerprint}),
        sheet_rows=rows,
    )


def _label(path: tuple[Any, ...]) -> str:
    parts = [str(p) for p in path]
    key = ".".join(parts)
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if parts[:1] == ["criteria"] and len(parts) > 1 and parts[1].isdigit():
        return f"Tiêu chuẩn thứ {int(parts[1]) + 1}"
    if parts[:1] == ["nominee"] and len(parts) > 1:
        return f"Đối tượng – {parts[1]}"
    return FIELD_LABELS.get(parts[0], key) if parts else "Dòng"


# Errors of a row that the API's table of field messages (service/api/problems.py) does not name.
_ROW_MESSAGES = {
    "model_type": "phải là một đối tượng",
    "bool_type": "phải là true hoặc false",
    "bool_parsing": "phải là true hoặc false",
}


def _message(err: dict[str, Any]) -> str:
    if err.get("type") == "string_too_short" and err.get("ctx", {}).get("min_length") == 1:
        return "chưa nhập"
    if err.get("type") in _ROW_MESSAGES:
        return _ROW_MESSAGES[err["type"]]
    message = field_message(err)
    # A rule without a Vietnamese message (the nominee's extra details): pydantic's English stays out.
    return "giá trị không hợp lệ" if message == err.get("msg") else message


def check_entry(
    row: int, raw: Any, form: AwardFormDef, known: list[RowError]
) -> tuple[dict[str, Any] | None, list[RowError]]:
    """One entry checked as a single nomination is (schema, limits, the form's nominee kinds): its
    normalised content, or None and why not. `known` are the sheet's own findings for this row; the
    schema's errors on a field already named there are not repeated."""
    errors = list(known)
    named = {e.field for e in known}
    try:
        entry = NomineeEntry.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            path = tuple(err["loc"])
            name = ".".join(str(p) for p in path)
            if name in named or (path and str(path[0]) in named):
                continue
            named.add(name)
            errors.append(RowError(row=row, field=name, detail=f"{_label(path)}: {_message(dict(err))}."))
        return None, errors
    refusal = nominee_kind_refusal(form, entry.nominee.kind)
    if refusal and "nominee.kind" not in named:
        errors.append(RowError(row=row, field="nominee.kind", detail=refusal))
    return (None if errors else entry.normalised()), errors


def _column(field_path: str) -> str | None:
    """The sheet's column of a field ("criteria.0.text" is in the criteria column)."""
    column = COLUMN_BY_KEY.get(field_path) or COLUMN_BY_KEY.get(field_path.split(".")[0])
    return column.header if column else None


def check_entries(parsed: ListRequest, form: AwardFormDef) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The valid entries (row, normalised content) in the list's order, and every error of the others."""
    valid: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    if parsed.source == "xlsx":
        checklists: dict[str, dict[str, str]] = {
            kind: {c.code: c.text for c in form.checklist(kind)} for kind in form.nominee_kinds
        }
        items: list[tuple[int, Any, list[RowError]]] = []
        for sheet_row in parsed.sheet_rows:
            raw, cells = row_entry(sheet_row, lambda kind: checklists.get(kind, {}))
            items.append((sheet_row.row, raw, [RowError(**e.as_dict()) for e in cells]))
    else:
        items = [(row, raw, []) for row, raw in parsed.entries]
    for row, raw, known in items:
        entry, found = check_entry(row, raw, form, known)
        if parsed.source == "xlsx":
            found = [e if e.column else e.model_copy(update={"column": _column(e.field)}) for e in found]
        errors += found
        if entry is not None:
            valid.append((row, entry))
    return valid, errors
