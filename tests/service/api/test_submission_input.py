"""The rows of a unit's list checked as single nominations are, without a server: the schema's limits
and the award form's nominee kinds, each error named by row and field in Vietnamese."""

from __future__ import annotations

from models.rules.catalogue import load_catalogue
from service.api.schemas.submissions import RowError
from service.api.submission_input import check_entry
from tests.support import paths

CATALOGUE = load_catalogue(paths.ROOT / "deploy" / "award_forms.yaml")


def _entry(**nominee: object) -> dict[str, object]:
    return {
        "nominee": {"kind": "individual", "name": "Nguyễn Văn An", **nominee},
        "achievements": "Tốt",
        "criteria": [],
    }


def test_a_kind_the_form_does_not_take_is_refused_as_the_single_create_refuses_it() -> None:
    form = CATALOGUE.get("GIAY_KHEN_THU_TRUONG")
    assert form is not None and "household" not in form.nominee_kinds
    entry, errors = check_entry(7, _entry(kind="household"), form, [])
    assert entry is None
    assert errors == [
        RowError(row=7, field="nominee.kind", detail=f"{form.name} không áp dụng cho đối tượng loại «household».")
    ]


def test_the_schema_limits_of_a_single_nomination_apply_to_each_row() -> None:
    form = CATALOGUE.get("BANG_KHEN_TINH")
    assert form is not None
    entry, errors = check_entry(1, _entry(position="Giáo viên"), form, [])
    assert errors == [] and entry is not None and entry["nominee"]["position"] == "Giáo viên"
    _, errors = check_entry(2, {**_entry(), "achievements": "a" * 20_001, "award_form": "X"}, form, [])
    assert {(e.field, e.detail) for e in errors} == {
        ("achievements", "Tóm tắt thành tích: quá dài."),
        ("award_form", "award_form: trường không được phép."),
    }
    _, errors = check_entry(3, _entry(name="Nguyễn\x00An"), form, [])
    assert [(e.field, e.detail) for e in errors] == [
        ("nominee.name", "Họ và tên / Tên tập thể: chứa ký tự điều khiển không được phép.")
    ]
    _, errors = check_entry(4, "không phải một đối tượng", form, [])
    assert [e.row for e in errors] == [4] and errors[0].detail.endswith("phải là một đối tượng.")
    # Extra details beyond the schema's own rules: a plain Vietnamese message, never pydantic's English.
    _, errors = check_entry(5, _entry(**{f"x{i}": "y" for i in range(25)}), form, [])
    assert [(e.field, e.detail) for e in errors] == [("nominee", "Đối tượng: giá trị không hợp lệ.")]
