"""A unit's list of nominees as an Excel sheet (tờ trình kèm danh sách): the template's columns, the
template itself, and reading a filled-in sheet into entries that the API then validates exactly as
it validates one nomination.

Pure: openpyxl over bytes, no database. Headers are matched accent- and case-insensitively (a clerk
retypes "Ho va ten" or "HỌ VÀ TÊN"); kinds are taken in Vietnamese ("Cá nhân") or as codes
("individual"); criteria as the catalogue's codes separated by ";". Rows are Excel's row numbers,
so that an error points at the line the clerk sees.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from models.rules.labels import NOMINEE_KINDS
from models.rules.text import fold, nfc

# The most nominees one list may hold: a province's round brings thousands, in several lists.
MAX_ROWS = 2_000
# An .xlsx is a zip: refuse one that would inflate past this (a "zip bomb") before parsing it.
MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024
SHEET_NAME = "Danh sách"
CRITERIA_SHEET_NAME = "Tiêu chuẩn"
# The template's example row says so in its first column; a sheet that still holds it skips it.
EXAMPLE_MARK = "Ví dụ"
# How many rows of the template carry the kind's drop-down list and the text format of dates.
TEMPLATE_ROWS = MAX_ROWS + 1


class SheetError(ValueError):
    """A file that cannot be read as a list at all; the message is Vietnamese, for the clerk."""

    def __init__(self, detail: str, code: str = "unreadable_sheet") -> None:
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True)
class SheetColumn:
    key: str  # where the value goes in a nominee entry (the field an error names)
    header: str  # the template's Vietnamese header
    aliases: tuple[str, ...] = ()
    width: int = 20
    required: bool = False


COLUMNS: tuple[SheetColumn, ...] = (
    SheetColumn("stt", "STT", ("so thu tu", "tt"), 7),
    SheetColumn("nominee.kind", "Loại đối tượng", ("doi tuong", "loai", "kind"), 16, True),
    SheetColumn(
        "nominee.name",
        "Họ và tên / Tên tập thể",
        ("ho ten", "ho va ten", "ten", "ten tap the", "ten doi tuong", "name"),
        32,
        True,
    ),
    SheetColumn("nominee.position", "Chức vụ", ("chuc danh", "chuc vu chuc danh", "position"), 22),
    SheetColumn(
        "nominee.workplace",
        "Đơn vị công tác / Địa chỉ",
        ("don vi cong tac", "noi cong tac", "dia chi", "don vi", "workplace"),
        32,
    ),
    SheetColumn("nominee.date_of_birth", "Ngày sinh (dd/mm/yyyy)", ("ngay sinh", "ngay thang nam sinh"), 16),
    SheetColumn("achievements", "Tóm tắt thành tích", ("thanh tich", "achievements"), 60, True),
    SheetColumn(
        "criteria", "Mã tiêu chuẩn đạt (cách nhau bởi ;)", ("tieu chuan", "ma tieu chuan", "tieu chuan dat"), 30
    ),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}


@dataclass(frozen=True)
class CellError:
    row: int
    field: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        column = COLUMN_BY_KEY.get(self.field)
        return {
            "row": self.row,
            "field": self.field,
            "detail": self.detail,
            "column": column.header if column else None,
        }


@dataclass
class SheetRow:
    row: int
    values: dict[str, Any] = field(default_factory=dict)


def header_key(text: str) -> str:
    """ "Ngày sinh (dd/mm/yyyy)" -> "ngay sinh": folded, without what is in brackets or punctuation."""
    folded = fold(nfc(text))
    folded = re.sub(r"\([^)]*\)", " ", folded)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


_HEADERS: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.header, *_column.aliases):
        _HEADERS[header_key(_name)] = _column.key


def kind_codes() -> dict[str, str]:
    """Every way a kind may be written (Vietnamese name or code, folded) -> its code."""
    out: dict[str, str] = {}
    for code, name in NOMINEE_KINDS.items():
        out[header_key(name)] = code
        out[header_key(code)] = code
    return out


# ---- the template ---------------------------------------------------------------------------------


def template_xlsx(
    form_name: str,
    kinds: Iterable[str],
    criteria: Iterable[tuple[str, str, str]],
    example_criteria: Iterable[str] = (),
) -> bytes:
    """The list's template for one award form: the header row in Vietnamese, one example row, a
    drop-down of the form's nominee kinds, and a second sheet listing (kind, code, text) criteria."""
    kind_names = [NOMINEE_KINDS.get(k, k) for k in kinds]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_NAME
    ws.append([c.header for c in COLUMNS])
    header_fill = PatternFill("solid", fgColor="DDE7F3")
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    example = {
        "stt": EXAMPLE_MARK,
        "nominee.kind": kind_names[0] if kind_names else "",
        "nominee.name": "Nguyễn Văn An",
        "nominee.position": "Giáo viên",
        "nominee.workplace": "Tổ Toán – Tin",
        "nominee.date_of_birth": "05/09/1980",
        "achievements": f"Hoàn thành xuất sắc nhiệm vụ; đề nghị tặng {form_name} (dòng ví dụ: xoá hoặc để nguyên).",
        "criteria": ";".join(example_criteria),
    }
    ws.append([example[c.key] for c in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(italic=True, color="7F7F7F")
    for index, column in enumerate(COLUMNS, start=1):
        letter = ws.cell(row=1, column=index).column_letter
        ws.column_dimensions[letter].width = column.width
        if column.key == "nominee.date_of_birth":
            # Text (the column's style, no empty cells), so that Excel does not read 05/09/1980 as 9 May
            # in an English locale.
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    if kind_names:
        kind_column = ws.cell(row=1, column=1 + [c.key for c in COLUMNS].index("nominee.kind")).column_letter
        listed = DataValidation(
            type="list",
            formula1='"' + ",".join(kind_names) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Loại đối tượng",
            error="Chọn một loại đối tượng trong danh sách.",
        )
        listed.add(f"{kind_column}2:{kind_column}{TEMPLATE_ROWS}")
        ws.add_data_validation(listed)
    sheet = wb.create_sheet(CRITERIA_SHEET_NAME)
    sheet.append(["Loại đối tượng", "Mã tiêu chuẩn", "Nội dung tiêu chuẩn"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for kind, code, text in criteria:
        sheet.append([NOMINEE_KINDS.get(kind, kind), code, text])
    for letter, width in (("A", 16), ("B", 18), ("C", 100)):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---- reading a filled-in sheet -------------------------------------------------------------------


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise SheetError("Tệp tải lên không phải tệp Excel (.xlsx) hợp lệ.", "not_xlsx") from None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise SheetError(
            f"Tệp Excel khi giải nén vượt quá {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB; hãy chia danh sách.",
            "sheet_too_large",
        )


def read_sheet(data: bytes, max_rows: int = MAX_ROWS) -> list[SheetRow]:
    """The non-empty rows under the header row of the list's sheet ("Danh sách", else the first),
    each with the values of the recognised columns; the example row is left out."""
    _check_archive(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a damaged or foreign file
        raise SheetError(
            "Không đọc được tệp Excel (.xlsx); hãy lưu lại tệp bằng Excel rồi tải lên.", "not_xlsx"
        ) from None
    try:
        ws = wb[SHEET_NAME] if SHEET_NAME in wb.sheetnames else wb.worksheets[0]
        return _rows(ws.iter_rows(values_only=True), max_rows)
    except SheetError:
        raise
    except Exception:
        raise SheetError(
            "Không đọc được tệp Excel (.xlsx); hãy lưu lại tệp bằng Excel rồi tải lên.", "not_xlsx"
        ) from None
    finally:
        wb.close()


def _rows(rows: Iterable[tuple[Any, ...]], max_rows: int) -> list[SheetRow]:
    columns: dict[int, str] | None = None
    out: list[SheetRow] = []
    for number, cells in enumerate(rows, start=1):
        if columns is None:
            if number > 10:
                break
            found = {
                i: _HEADERS[header_key(str(v))]
                for i, v in enumerate(cells)
                if isinstance(v, str) and header_key(v) in _HEADERS
            }
            if "nominee.name" in found.values() and len(set(found.values())) >= 2:
                columns = found
                missing = [c.header for c in COLUMNS if c.required and c.key not in found.values()]
                if missing:
                    raise SheetError(
                        f"Dòng tiêu đề (dòng {number}) thiếu cột: {', '.join(missing)}. Hãy dùng tệp mẫu.",
                        "missing_columns",
                    )
            continue
        values = {key: cells[i] if i < len(cells) else None for i, key in columns.items()}
        if all(_empty(v) for k, v in values.items() if k != "stt"):
            continue
        if header_key(str(values.get("stt") or "")) == header_key(EXAMPLE_MARK):
            continue
        out.append(SheetRow(number, values))
        if len(out) > max_rows:
            raise SheetError(
                f"Danh sách có hơn {max_rows:,} dòng; hãy chia thành nhiều tờ trình.".replace(",", "."),
                "too_many_rows",
            )
    if columns is None:
        raise SheetError(
            "Không tìm thấy dòng tiêu đề (Loại đối tượng, Họ và tên / Tên tập thể, …) trong 10 dòng đầu; hãy dùng tệp mẫu.",
            "missing_columns",
        )
    if not out:
        raise SheetError("Danh sách chưa có đối tượng nào.", "empty_list")
    return out


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return nfc(str(value)).strip()


_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def parse_birth_date(value: Any) -> str | None:
    """A date of birth as Excel gives it (a date, or text dd/mm/yyyy or yyyy-mm-dd) -> "YYYY-MM-DD"; None if not one."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        day = value
    else:
        text = _text(value)
        m = _DAY_MONTH_YEAR.match(text)
        iso = _ISO.match(text)
        try:
            if m:
                day = date(int(m[3]), int(m[2]), int(m[1]))
            elif iso:
                day = date(int(iso[1]), int(iso[2]), int(iso[3]))
            else:
                return None
        except ValueError:
            return None
    if not 1900 <= day.year <= 2100:
        return None
    return day.isoformat()


def split_codes(value: Any) -> list[str]:
    """ "TC-1; tc-2;;TC-1" -> ["TC-1", "TC-2"] (codes are upper case; a line break separates too)."""
    codes = [c.strip().upper() for c in re.split(r"[;\n]", _text(value))]
    return list(dict.fromkeys(c for c in codes if c))


def row_entry(row: SheetRow, checklist: Callable[[str], Mapping[str, str]]) -> tuple[dict[str, Any], list[CellError]]:
    """A sheet row as a nominee entry ({nominee, achievements, criteria}, as the JSON list takes it)
    and what is wrong with it that only the sheet can tell (an unknown kind, date or criterion code).
    `checklist(kind)` gives the award form's criteria for that kind, code -> text."""
    v = row.values
    errors: list[CellError] = []
    nominee: dict[str, Any] = {}
    kind_text = _text(v.get("nominee.kind"))
    kind = kind_codes().get(header_key(kind_text)) if kind_text else None
    if not kind_text:
        errors.append(CellError(row.row, "nominee.kind", "Loại đối tượng: chưa nhập."))
    elif kind is None:
        names = ", ".join(NOMINEE_KINDS.values())
        errors.append(CellError(row.row, "nominee.kind", f"Loại đối tượng «{kind_text}» không có; hãy chọn: {names}."))
    nominee["kind"] = kind or kind_text
    nominee["name"] = _text(v.get("nominee.name"))
    if not nominee["name"]:
        errors.append(CellError(row.row, "nominee.name", "Họ và tên / Tên tập thể: chưa nhập."))
    for key in ("position", "workplace"):
        text = _text(v.get(f"nominee.{key}"))
        if text:
            nominee[key] = text
    born = v.get("nominee.date_of_birth")
    if not _empty(born):
        parsed = parse_birth_date(born)
        if parsed is None:
            errors.append(
                CellError(row.row, "nominee.date_of_birth",
                         f"Ngày sinh «{_text(born)}» không đúng dạng dd/mm/yyyy (ví dụ 05/09/1980).")
            )  # fmt: skip
        else:
            nominee["date_of_birth"] = parsed
    achievements = _text(v.get("achievements"))
    if not achievements:
        errors.append(CellError(row.row, "achievements", "Tóm tắt thành tích: chưa nhập."))
    criteria: list[dict[str, Any]] = []
    codes = split_codes(v.get("criteria"))
    if codes and kind is not None:
        known = checklist(kind)
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors.append(
                CellError(row.row, "criteria",
                         f"Mã tiêu chuẩn {', '.join(unknown)} không có trong danh mục tiêu chuẩn của hình thức khen "
                         f"thưởng này cho đối tượng {NOMINEE_KINDS.get(kind, kind).lower()} (xem trang «{CRITERIA_SHEET_NAME}»).")
            )  # fmt: skip
        criteria = [{"code": c, "text": known[c], "met": True} for c in codes if c in known]
    return {"nominee": nominee, "achievements": achievements, "criteria": criteria}, errors
