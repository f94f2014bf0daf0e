"""The Excel list of a unit (tờ trình kèm danh sách), read without a database: headers in any accent or
case, kinds in Vietnamese or as codes, dates as Excel dates or text, criteria codes separated by ";",
the example row skipped, and files that are not a list refused with a Vietnamese reason. Also the
letter symbols of the register file."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from models.rules.registers import RegisterError, load_registers, parse_registers
from models.rules.submission_sheet import (
    COLUMNS,
    EXAMPLE_MARK,
    SheetError,
    header_key,
    parse_birth_date,
    read_sheet,
    row_entry,
    split_codes,
    template_xlsx,
)
from tests.support import paths

CHECKLIST = {
    "individual": {"CN-1": "Công dân học tập", "CN-2": "Gia đình học tập"},
    "collective": {"TRUONG-1": "Trường học tập"},
}


def checklist(kind: str) -> dict[str, str]:
    return CHECKLIST.get(kind, {})


def workbook(header: list[str], rows: list[list[Any]], title: str = "Danh sách") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_template_round_trips_with_its_example_row_skipped() -> None:
    data = template_xlsx(
        "Bằng khen của Chủ tịch UBND tỉnh", ["individual", "collective"],
        [("individual", "CN-1", "Công dân học tập"), ("collective", "TRUONG-1", "Trường học tập")], ["CN-1"],
    )  # fmt: skip
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Danh sách"]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    assert ws["A2"].value == EXAMPLE_MARK and ws["B2"].value == "Cá nhân"
    assert [v.formula1 for v in ws.data_validations.dataValidation] == ['"Cá nhân,Tập thể"']
    assert list(wb["Tiêu chuẩn"].iter_rows(min_row=2, values_only=True)) == [
        ("Cá nhân", "CN-1", "Công dân học tập"),
        ("Tập thể", "TRUONG-1", "Trường học tập"),
    ]
    # Only the example: an empty list.
    with pytest.raises(SheetError, match="chưa có đối tượng") as caught:
        read_sheet(data)
    assert caught.value.code == "empty_list"
    ws.append([1, "Cá nhân", "Nguyễn Văn An", None, None, None, "Thành tích", "CN-1"])
    buf = io.BytesIO()
    wb.save(buf)
    rows = read_sheet(buf.getvalue())
    assert [(r.row, r.values["nominee.name"]) for r in rows] == [(3, "Nguyễn Văn An")]


def test_headers_are_matched_whatever_their_accents_case_and_order() -> None:
    assert header_key("Ngày sinh (dd/mm/yyyy)") == "ngay sinh"
    assert header_key("  HỌ VÀ TÊN / TÊN TẬP THỂ ") == "ho va ten ten tap the"
    data = workbook(
        [
            "Tóm tắt thành tích",
            "ho va ten / ten tap the",
            "LOẠI ĐỐI TƯỢNG",
            "Chuc vu",
            "Ngay sinh",
            "Tiêu chuẩn",
            "Ghi chú",
        ],
        [["Giáo viên giỏi", "Trần Thị Bé", "individual", "Giáo viên", datetime(1990, 4, 2), "cn-2;CN-1;cn-2", "x"]],
        title="Sheet1",
    )
    [row] = read_sheet(data)
    entry, errors = row_entry(row, checklist)
    assert errors == []
    assert entry == {
        "nominee": {
            "kind": "individual",
            "name": "Trần Thị Bé",
            "position": "Giáo viên",
            "date_of_birth": "1990-04-02",
        },
        "achievements": "Giáo viên giỏi",
        "criteria": [
            {"code": "CN-2", "text": "Gia đình học tập", "met": True},
            {"code": "CN-1", "text": "Công dân học tập", "met": True},
        ],
    }


def test_rows_say_what_is_wrong_by_row_and_field() -> None:
    header = [c.header for c in COLUMNS]
    data = workbook(
        header,
        [
            [1, "Tập Thể", "Tổ Toán", None, "Trường THCS", None, "Lao động xuất sắc", "TRUONG-1"],
            [],  # an empty line in the middle is no row
            [3, "Người máy", None, None, None, "31/02/1990", None, "CN-1"],
            [4, "Cá nhân", "Lê Văn Cường", None, None, "1985-13-01", "Tốt", "CN-1; CN-7"],
        ],
    )
    rows = read_sheet(data)
    assert [r.row for r in rows] == [2, 4, 5]
    first, errors = row_entry(rows[0], checklist)
    assert errors == [] and first["nominee"] == {"kind": "collective", "name": "Tổ Toán", "workplace": "Trường THCS"}
    _, errors = row_entry(rows[1], checklist)
    assert {(e.row, e.field) for e in errors} == {
        (4, "nominee.kind"), (4, "nominee.name"), (4, "nominee.date_of_birth"), (4, "achievements"),
    }  # fmt: skip
    assert all(any(ch in e.detail for ch in "ạảãáàâăêôơư") for e in errors)  # Vietnamese, for the clerk
    _, errors = row_entry(rows[2], checklist)
    assert [(e.field, "CN-7" in e.detail) for e in errors] == [("nominee.date_of_birth", False), ("criteria", True)]
    assert errors[1].as_dict()["column"] == "Mã tiêu chuẩn đạt (cách nhau bởi ;)"


def test_dates_and_codes() -> None:
    assert parse_birth_date("5/9/1980") == "1980-09-05"
    assert parse_birth_date("05.09.1980") == "1980-09-05"
    assert parse_birth_date("1980-09-05") == "1980-09-05"
    assert parse_birth_date(datetime(1980, 9, 5, 0, 0)) == "1980-09-05"
    assert parse_birth_date("29/02/2023") is None and parse_birth_date("hôm qua") is None
    assert parse_birth_date("01/01/1850") is None
    assert split_codes(" cn-1 ;CN-2;\nCN-1;; ") == ["CN-1", "CN-2"]


def test_files_that_are_no_list_are_refused() -> None:
    with pytest.raises(SheetError) as caught:
        read_sheet(b"not a zip at all")
    assert caught.value.code == "not_xlsx" and "Excel" in str(caught.value)
    # A zip that is no workbook.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "xin chào")
    with pytest.raises(SheetError) as caught:
        read_sheet(buf.getvalue())
    assert caught.value.code == "not_xlsx"
    # A zip that would inflate past the limit (a zip bomb) is refused before it is parsed.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/big.xml", b"\0" * (65 * 1024 * 1024))
    with pytest.raises(SheetError) as caught:
        read_sheet(buf.getvalue())
    assert caught.value.code == "sheet_too_large"
    with pytest.raises(SheetError) as caught:
        read_sheet(workbook(["Tên", "Ghi chú"], [["A", "B"]]))
    assert caught.value.code == "missing_columns"
    with pytest.raises(SheetError, match="thiếu cột: Loại đối tượng") as caught:
        read_sheet(workbook(["Họ và tên", "Thành tích"], [["A", "B"]]))
    rows = [[i, "Cá nhân", f"Người {i}", None, None, None, "Tốt", None] for i in range(6)]
    with pytest.raises(SheetError) as caught:
        read_sheet(workbook([c.header for c in COLUMNS], rows), max_rows=5)
    assert caught.value.code == "too_many_rows" and "hơn 5 dòng" in str(caught.value)


def test_letter_symbols_of_the_register_file() -> None:
    registers = load_registers(paths.ROOT / "deploy" / "registers.yaml")
    assert registers.letter_symbol("GL-BH", "people_committee") == "TTr-UBND"
    assert registers.letter_symbol("GL-BH-THCS", "school") == "TTr-THCSND"  # the unit's own over its kind's
    assert registers.letter_symbol("GL-SNV", "home_affairs") == "TTr-SNV"
    # Not configured: the abbreviation of the unit's decisions, else "TTr" alone.
    bare = parse_registers(
        {"symbols_by_kind": {"people_committee": "QĐ-UBND"}, "default_place": "Hà Nội"}, "registers.yaml"
    )
    assert bare.letter_symbol("X", "people_committee") == "TTr-UBND" and bare.letter_symbol("Y", "village") == "TTr"
    with pytest.raises(RegisterError, match=r"registers.yaml: field letter_symbols_by_kind: school: 'QĐ-NT'"):
        parse_registers(
            {
                "symbols_by_kind": {"x": "QĐ-X"},
                "default_place": "Hà Nội",
                "letter_symbols_by_kind": {"school": "QĐ-NT"},
            },
            "registers.yaml",
        )
    with pytest.raises(RegisterError, match=r"field letter_symbols_by_unit: GL: 'TTr-.*' is longer than 32"):
        parse_registers(
            {
                "symbols_by_kind": {"x": "QĐ-X"},
                "default_place": "Hà Nội",
                "letter_symbols_by_unit": {"GL": "TTr-" + "A" * 40},
            },
            "registers.yaml",
        )
