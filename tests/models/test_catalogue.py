"""The award catalogue as validated data: the shipped file, and mistakes named by file, entry and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.rules.catalogue import CatalogueError, load_catalogue, parse_catalogue
from tests.support.paths import DEPLOY

DEPLOY = DEPLOY
RAW: dict[str, Any] = yaml.safe_load((DEPLOY / "award_forms.yaml").read_text(encoding="utf-8"))
ALL_FORMS = {
    "GIAY_KHEN_XA",
    "GIAY_KHEN_HUYEN",
    "GIAY_KHEN_THU_TRUONG",
    "BANG_KHEN_TINH",
    "BANG_KHEN_BO",
    "BANG_KHEN_THU_TUONG",
    "HUAN_CHUONG_LAO_DONG_HANG_NHAT",
    "HUAN_CHUONG_LAO_DONG_HANG_NHI",
    "HUAN_CHUONG_LAO_DONG_HANG_BA",
}


def _raw() -> dict[str, Any]:
    return copy.deepcopy(RAW)


def _entry(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in raw["award_forms"] if f["code"] == code)


# ---- the shipped catalogue ----------------------------------------------------------------------


def test_every_award_form_of_the_domain_is_in_the_catalogue() -> None:
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    assert {f.code for f in catalogue.award_forms} == ALL_FORMS
    for f in catalogue.award_forms:
        # What the API and the workflow read from every form.
        assert f.name and f.reminder_working_days == 2 and f.revision_working_days == 10
        assert f.nominee_kinds and f.periods and f.steps[-1].kind == "sign"


def test_deciders_and_periods() -> None:
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    deciders = {f.code: (f.decider.level, f.decider.kind) for f in catalogue.award_forms}
    assert deciders["GIAY_KHEN_XA"] == (["commune"], ["people_committee"])
    assert deciders["GIAY_KHEN_HUYEN"] == (["district"], ["people_committee"])
    assert deciders["GIAY_KHEN_THU_TRUONG"] == (["province"], ["department", "home_affairs", "agency"])
    assert deciders["BANG_KHEN_BO"] == (["central"], ["ministry"])
    assert deciders["BANG_KHEN_THU_TUONG"] == (["central"], ["government"])
    assert deciders["HUAN_CHUONG_LAO_DONG_HANG_NHI"] == (["central"], ["presidency"])
    # Huân chương Lao động only at the 2030 final review (the Trạm Tấu plan).
    for grade in ("NHAT", "NHI", "BA"):
        hc = catalogue.get(f"HUAN_CHUONG_LAO_DONG_HANG_{grade}")
        assert hc is not None and hc.periods == ["final_review"] and hc.nominee_kinds == ["individual", "collective"]
    ttg = catalogue.get("BANG_KHEN_THU_TUONG")
    assert ttg is not None and ttg.periods == ["preliminary_review", "final_review"]


def test_council_rules_time_limits_disclosure_and_supplements() -> None:
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    tinh = catalogue.get("BANG_KHEN_TINH")
    assert tinh is not None
    appraisal, council, sign = tinh.steps
    assert (appraisal.actor, appraisal.working_days, appraisal.max_supplement_requests) == ("home_affairs", 25, 1)
    assert appraisal.pause_clock_on_supplement is True
    assert (council.quorum, council.threshold, council.threshold_basis) == (pytest.approx(2 / 3), 0.5, "present")
    assert (sign.actor, sign.working_days) == ("head", 5)
    for code in ("BANG_KHEN_THU_TUONG", "HUAN_CHUONG_LAO_DONG_HANG_NHAT"):
        form = catalogue.get(code)
        assert form is not None
        provincial = next(s for s in form.steps if s.kind == "council")
        assert (provincial.threshold, provincial.threshold_basis) == (0.8, "all")
        assert next((s.kind, s.at) for s in form.steps if s.at != "top") == ("appraisal", "VN-BNV")
    hc = catalogue.get("HUAN_CHUONG_LAO_DONG_HANG_BA")
    assert hc is not None
    assert next(s for s in hc.steps if s.kind == "council").disclosure_working_days == 10
    assert [s.kind for s in hc.steps] == ["appraisal", "council", "submit", "appraisal", "propose", "sign"]


def test_criteria_checklist_per_nominee_kind_from_the_seed_plans() -> None:
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    for f in catalogue.award_forms:
        assert f.criteria is not None and set(f.criteria) == set(f.nominee_kinds), f.code
        for kind, items in f.criteria.items():
            assert items, (f.code, kind)
            assert len({c.code for c in items}) == len(items)
    xa = catalogue.get("GIAY_KHEN_XA")
    assert xa is not None
    communes = [c for c in xa.checklist("collective") if "commune" in c.applies_to]
    assert any("Cộng đồng học tập" in c.text and "25/2023/TT-BGDĐT" in c.text for c in communes)
    enterprises = [c for c in xa.checklist("collective") if "enterprise" in c.applies_to]
    assert any("Đơn vị học tập" in c.text and "24/2023/TT-BGDĐT" in c.text for c in enterprises)
    assert any("Công dân học tập" in c.text for c in xa.checklist("individual"))
    assert any("Gia đình học tập" in c.text for c in xa.checklist("household"))
    assert any("Dòng họ học tập" in c.text for c in xa.checklist("clan"))
    # The API lists the checklist with each form.
    dumped = xa.model_dump(mode="json")
    assert dumped["criteria"]["individual"][0].keys() >= {"code", "text"}
    assert "head_titles" not in dumped


def test_criteria_that_are_earlier_awards() -> None:
    """The shipped example: the Prime Minister's Bằng khen asks of an individual a Bằng khen of a
    ministry or the province at least 5 years before the period; other forms' criteria name no award."""
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    ttg = catalogue.get("BANG_KHEN_THU_TUONG")
    assert ttg is not None
    referring = [c for c in ttg.checklist("individual") if c.requires_award is not None]
    assert [c.code for c in referring] == ["TTG-CN-1"]
    ref = referring[0].requires_award
    assert ref is not None and ref.award_form == ["BANG_KHEN_TINH", "BANG_KHEN_BO"] and ref.at_least_years == 5
    # The defaults are kept beside it (YAML anchors), for every nominee kind of the form.
    xa = catalogue.get("GIAY_KHEN_XA")
    assert xa is not None
    assert [c.code for c in ttg.checklist("individual")[:3]] == [c.code for c in xa.checklist("individual")]
    assert ttg.checklist("collective") == xa.checklist("collective")
    assert all(
        c.requires_award is None for f in catalogue.award_forms if f.code != ttg.code for c in f.checklist("individual")
    )
    # Judged against the dossier's period year: within 5 years and at least 5 years before.
    assert ref.accepts("BANG_KHEN_TINH", 2020, 2025) and ref.accepts("BANG_KHEN_BO", 2015, 2025)
    assert not ref.accepts("BANG_KHEN_TINH", 2021, 2025)  # only 4 years before
    assert not ref.accepts("GIAY_KHEN_XA", 2015, 2025)  # another form
    window = parse_catalogue(
        {**_raw(), "defaults": {**_raw()["defaults"], "criteria": {"individual": [
            {"code": "X-1", "text": "Có Giấy khen", "requires_award": {"award_form": "GIAY_KHEN_XA", "within_years": 5}}
        ]}}},
        "award_forms.yaml",
    ).defaults.criteria["individual"][0].requires_award  # fmt: skip
    assert window is not None and window.award_form == ["GIAY_KHEN_XA"]  # one code is a list of one
    assert window.accepts("GIAY_KHEN_XA", 2020, 2025) and window.accepts("GIAY_KHEN_XA", 2025, 2025)
    assert not window.accepts("GIAY_KHEN_XA", 2019, 2025)  # 6 years before
    assert not window.accepts("GIAY_KHEN_XA", 2026, 2025)  # after the period


def test_fractions_and_form_level_overrides() -> None:
    raw = _raw()
    raw["defaults"]["council"] = {"quorum": "3/4", "threshold": "2/3", "threshold_basis": "all"}
    _entry(raw, "BANG_KHEN_TINH").update(max_supplement_requests=2, pause_clock_on_supplement=False)
    catalogue = parse_catalogue(raw, "award_forms.yaml")
    tinh = catalogue.get("BANG_KHEN_TINH")
    assert tinh is not None
    assert (tinh.steps[0].max_supplement_requests, tinh.steps[0].pause_clock_on_supplement) == (2, False)
    assert (tinh.steps[1].quorum, tinh.steps[1].threshold) == (0.75, pytest.approx(2 / 3))
    ttg = catalogue.get("BANG_KHEN_THU_TUONG")
    assert ttg is not None and ttg.steps[1].threshold == 0.8  # the step's own rule wins


# ---- mistakes -----------------------------------------------------------------------------------


def _set_step(code: str, index: int, **values: Any) -> Any:
    def mutate(raw: dict[str, Any]) -> None:
        step = dict(_entry(raw, code)["steps"][index])
        step.update(values)
        for key in [k for k, v in values.items() if v is None]:
            del step[key]
        _entry(raw, code)["steps"] = [
            *_entry(raw, code)["steps"][:index],
            step,
            *_entry(raw, code)["steps"][index + 1 :],
        ]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        # unknown level
        (
            lambda r: _entry(r, "GIAY_KHEN_HUYEN")["decider"].update(level="planet"),
            "entry GIAY_KHEN_HUYEN, field decider.level",
        ),
        (
            lambda r: _entry(r, "BANG_KHEN_BO")["climb_to"].update(level=["province", "galaxy"]),
            "entry BANG_KHEN_BO, field climb_to.level.1",
        ),
        # threshold above 1, and other shares
        (_set_step("BANG_KHEN_THU_TUONG", 1, threshold=1.2), "entry BANG_KHEN_THU_TUONG, field steps.1.threshold"),
        (_set_step("BANG_KHEN_TINH", 1, quorum="3/0"), "entry BANG_KHEN_TINH, field steps.1.quorum"),
        (_set_step("BANG_KHEN_TINH", 1, threshold_basis="most"), "entry BANG_KHEN_TINH, field steps.1.threshold_basis"),
        (lambda r: r["defaults"]["council"].update(threshold=0), "entry defaults, field council.threshold"),
        # a step with no actor
        (
            _set_step("HUAN_CHUONG_LAO_DONG_HANG_BA", 3, actor=None),
            "entry HUAN_CHUONG_LAO_DONG_HANG_BA, field steps.3.actor",
        ),
        (
            _set_step("GIAY_KHEN_XA", 1, actor="council"),
            "entry GIAY_KHEN_XA, field steps.1: a sign step is taken by the head",
        ),
        (_set_step("GIAY_KHEN_XA", 0, actor="head"), "entry GIAY_KHEN_XA, field steps.0"),
        (_set_step("GIAY_KHEN_XA", 0, kind="vote"), "entry GIAY_KHEN_XA, field steps.0.kind"),
        (
            _set_step("BANG_KHEN_TINH", 0, disclosure_working_days=10),
            "disclosure_working_days applies to council steps only",
        ),
        (
            _set_step("BANG_KHEN_TINH", 1, max_supplement_requests=3),
            "max_supplement_requests applies to appraisal steps only",
        ),
        (_set_step("BANG_KHEN_TINH", 0, working_days=0), "entry BANG_KHEN_TINH, field steps.0.working_days"),
        (_set_step("BANG_KHEN_TINH", 2, name="{chairman} ký"), "unknown placeholder 'chairman'"),
        # route shapes
        (
            lambda r: _entry(r, "BANG_KHEN_TINH")["steps"].pop(),
            "entry BANG_KHEN_TINH, field (entry): steps: the last step",
        ),
        (
            lambda r: _entry(r, "BANG_KHEN_THU_TUONG").pop("climb_to"),
            "entry BANG_KHEN_THU_TUONG, field (entry): climb_to",
        ),
        (lambda r: _entry(r, "BANG_KHEN_THU_TUONG")["steps"].pop(2), "needs a submit step"),
        (lambda r: _entry(r, "BANG_KHEN_TINH").update(passing=[{"kind": "sign", "actor": "head"}]), "passing.0"),
        (lambda r: _entry(r, "BANG_KHEN_TINH").update(steps=[]), "entry BANG_KHEN_TINH, field steps"),
        # the rest of an entry
        (
            lambda r: _entry(r, "GIAY_KHEN_XA").update(working_days={"vote": 3}),
            "entry GIAY_KHEN_XA, field working_days",
        ),
        (lambda r: _entry(r, "GIAY_KHEN_XA").update(nominee_kinds=[]), "entry GIAY_KHEN_XA, field nominee_kinds"),
        (lambda r: _entry(r, "GIAY_KHEN_XA").update(periods=["annual", "annual"]), "entry GIAY_KHEN_XA, field periods"),
        (lambda r: _entry(r, "BANG_KHEN_BO").update(periods=["sometimes"]), "entry BANG_KHEN_BO, field periods.0"),
        (lambda r: _entry(r, "GIAY_KHEN_XA").pop("name"), "entry GIAY_KHEN_XA, field name"),
        (lambda r: _entry(r, "GIAY_KHEN_XA").update(colour="red"), "entry GIAY_KHEN_XA, field colour"),
        (
            lambda r: _entry(r, "HUAN_CHUONG_LAO_DONG_HANG_NHI").update(
                criteria={"clan": [{"code": "DH-1", "text": "Dòng họ học tập"}]}
            ),
            "entry HUAN_CHUONG_LAO_DONG_HANG_NHI, field criteria",
        ),
        (
            lambda r: r["defaults"]["criteria"]["individual"].append(dict(r["defaults"]["criteria"]["individual"][0])),
            "entry defaults, field criteria: individual: criterion CN-1 is listed twice",
        ),
        (lambda r: r["award_forms"].append(dict(r["award_forms"][0])), "award form GIAY_KHEN_XA is defined twice"),
        # a criterion that is an earlier award
        (
            lambda r: _entry(r, "BANG_KHEN_THU_TUONG")["criteria"]["individual"][3]["requires_award"].update(
                award_form="BANG_KHEN_HUYEN"
            ),
            "entry BANG_KHEN_THU_TUONG, field criteria.individual.TTG-CN-1.requires_award.award_form: "
            "unknown award form 'BANG_KHEN_HUYEN'",
        ),
        (
            lambda r: r["defaults"]["criteria"]["household"][0].update(requires_award={"award_form": ["NO_SUCH"]}),
            "entry defaults, field criteria.household.HGD-1.requires_award.award_form: unknown award form 'NO_SUCH'",
        ),
        (
            lambda r: r["defaults"]["criteria"]["clan"][0].update(
                requires_award={"award_form": "BANG_KHEN_TINH", "within_years": 2, "at_least_years": 3}
            ),
            "entry defaults, field criteria.clan.0.requires_award: at_least_years is more than within_years",
        ),
        (
            lambda r: r["defaults"]["criteria"]["clan"][0].update(
                requires_award={"award_form": "BANG_KHEN_TINH", "within_year": 2}
            ),
            "entry defaults, field criteria.clan.0.requires_award.within_year",
        ),
    ],
)
def test_catalogue_mistakes_name_file_entry_and_field(mutate: Any, message: str) -> None:
    raw = _raw()
    mutate(raw)
    with pytest.raises(CatalogueError) as err:
        parse_catalogue(raw, "deploy/award_forms.yaml")
    assert str(err.value).startswith("deploy/award_forms.yaml: ")
    assert message in str(err.value)


def test_a_mistake_in_a_file_names_its_path(tmp_path: Path) -> None:
    raw = _raw()
    _entry(raw, "BANG_KHEN_THU_TUONG")["steps"][1]["threshold"] = 1.5
    path = tmp_path / "award_forms.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    assert str(err.value).startswith(f"{path}: entry BANG_KHEN_THU_TUONG, field steps.1.threshold: ")
    assert "less than or equal to 1" in str(err.value)
    path.write_text("award_forms: [\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(path)
