"""Routes: every award form from every kind of proposing unit in the demo trees (a table written
out by hand), the central chain's actors and settings, the demo users behind every step, and
properties over random organisation trees of any depth (hypothesis)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.rules.access import ACCESS_KEY_CODES, PROPOSER_ROLES, access_key
from models.rules.catalogue import HEAD, TOP, AwardFormDef, load_catalogue
from models.rules.org_tree import OrgTree, OrgUnit
from models.rules.routes import ROLE_FOR_STEP, PlannedStep, RouteError, build_tree, compute_route
from models.store.org import OrgFile, load_org
from tests.support.paths import DEPLOY

DEPLOY = DEPLOY
CATALOGUE = load_catalogue(DEPLOY / "award_forms.yaml")
ORG: OrgFile = load_org(DEPLOY / "demo_org.yaml")
IDS = {u.code: i + 1 for i, u in enumerate(ORG.units)}
TREE = build_tree(
    [OrgUnit(IDS[u.code], u.code, u.name, u.kind, u.level, IDS[u.parent] if u.parent else None) for u in ORG.units]
)
FORMS = {
    "XA": ["GIAY_KHEN_XA"],
    "TINH": ["BANG_KHEN_TINH"],
    "HUYEN": ["GIAY_KHEN_HUYEN"],
    "THU_TRUONG": ["GIAY_KHEN_THU_TRUONG"],
    "BO": ["BANG_KHEN_BO"],
    "THU_TUONG": ["BANG_KHEN_THU_TUONG"],
    # The three classes of Huân chương Lao động share one route.
    "HUAN_CHUONG": [
        "HUAN_CHUONG_LAO_DONG_HANG_NHAT",
        "HUAN_CHUONG_LAO_DONG_HANG_NHI",
        "HUAN_CHUONG_LAO_DONG_HANG_BA",
    ],
}


def form(code: str) -> AwardFormDef:
    found = CATALOGUE.get(code)
    assert found is not None, code
    return found


def route(code: str, unit_code: str, tree: OrgTree = TREE) -> list[PlannedStep]:
    return compute_route(form(code), IDS[unit_code], tree)


# ---- the table ----------------------------------------------------------------------------------
# Expected step keys of every award form (the short names above) from every kind of proposing unit
# in the demo trees: Gia Lai (two tiers since 01/07/2025), Yên Bái / Trạm Tấu (three tiers), Đồng
# Tháp, Cần Thơ, Sóc Trăng. None: no route (the unit is not under the deciding authority, or the
# authority has no council).

# fmt: off
ROUTES: dict[str, dict[str, list[str] | None]] = {
    # province, two tiers
    "GL": {
        "XA": None,
        "TINH": ["appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # provincial home affairs
    "GL-SNV": {
        "XA": None,
        "TINH": ["appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # provincial department with a council
    "GL-SGDDT": {
        "XA": None,
        "TINH": ["council:GL-SGDDT-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": ["council:GL-SGDDT-HDTDKT", "sign:GL-SGDDT"],
        "BO": ["council:GL-SGDDT-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:GL-SGDDT-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:GL-SGDDT-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # commune, two tiers
    "GL-BH": {
        "XA": ["council:GL-BH-HDTDKT", "sign:GL-BH"],
        "TINH": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # school under a two-tier commune
    "GL-BH-THCS": {
        "XA": ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "sign:GL-BH"],
        "TINH": ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:GL-BH-THCS-HDTDKT", "council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # village
    "GL-BH-THON1": {
        "XA": ["council:GL-BH-HDTDKT", "sign:GL-BH"],
        "TINH": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # enterprise
    "GL-BH-HTX": {
        "XA": ["council:GL-BH-HDTDKT", "sign:GL-BH"],
        "TINH": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "sign:GL"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:GL-BH-HDTDKT", "appraisal:GL-SNV", "council:GL-HDTDKT", "submit:GL", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # province, three tiers
    "YB": {
        "XA": None,
        "TINH": ["appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # provincial department without a council
    "YB-SGDDT": {
        "XA": None,
        "TINH": ["appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # district
    "YB-TT": {
        "XA": None,
        "TINH": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # district home affairs
    "YB-TT-PNV": {
        "XA": None,
        "TINH": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # district department
    "YB-TT-PGDDT": {
        "XA": None,
        "TINH": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # district agency
    "YB-TT-TTTTVH": {
        "XA": None,
        "TINH": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # district association
    "YB-TT-HKH": {
        "XA": None,
        "TINH": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # commune, three tiers
    "YB-TT-TAXILANG": {
        "XA": ["council:YB-TT-TAXILANG-HDTDKT", "sign:YB-TT-TAXILANG"],
        "TINH": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # township
    "YB-TT-TTTRAMTAU": {
        "XA": ["council:YB-TT-TTTRAMTAU-HDTDKT", "sign:YB-TT-TTTRAMTAU"],
        "TINH": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # school under a three-tier commune
    "YB-TT-TAXILANG-THCS": {
        "XA": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "sign:YB-TT-TAXILANG"],
        "TINH": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # village under a three-tier commune
    "YB-TT-TAXILANG-THON": {
        "XA": ["council:YB-TT-TAXILANG-HDTDKT", "sign:YB-TT-TAXILANG"],
        "TINH": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # enterprise under a township
    "YB-TT-TTTRAMTAU-HTX": {
        "XA": ["council:YB-TT-TTTRAMTAU-HDTDKT", "sign:YB-TT-TTTRAMTAU"],
        "TINH": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB"],
        "HUYEN": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "sign:YB-TT"],
        "THU_TRUONG": None,
        "BO": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:YB-TT-TTTRAMTAU-HDTDKT", "appraisal:YB-TT-PNV", "council:YB-TT-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "submit:YB", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # provincial inspectorate (department)
    "DT-TTT": {
        "XA": None,
        "TINH": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "sign:DT"],
        "HUYEN": None,
        "THU_TRUONG": ["council:DT-TTT-HDTDKT", "sign:DT-TTT"],
        "BO": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # office under a department
    "DT-TTT-VP": {
        "XA": None,
        "TINH": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "sign:DT"],
        "HUYEN": None,
        "THU_TRUONG": ["council:DT-TTT-HDTDKT", "sign:DT-TTT"],
        "BO": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:DT-TTT-HDTDKT", "appraisal:DT-SNV", "council:DT-HDTDKT", "submit:DT", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # urban district
    "CT-NINHKIEU": {
        "XA": None,
        "TINH": ["appraisal:CT-NINHKIEU-PNV", "council:CT-NINHKIEU-HDTDKT", "appraisal:CT-SNV", "council:CT-HDTDKT", "sign:CT"],
        "HUYEN": ["appraisal:CT-NINHKIEU-PNV", "council:CT-NINHKIEU-HDTDKT", "sign:CT-NINHKIEU"],
        "THU_TRUONG": None,
        "BO": ["appraisal:CT-NINHKIEU-PNV", "council:CT-NINHKIEU-HDTDKT", "appraisal:CT-SNV", "council:CT-HDTDKT", "submit:CT", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["appraisal:CT-NINHKIEU-PNV", "council:CT-NINHKIEU-HDTDKT", "appraisal:CT-SNV", "council:CT-HDTDKT", "submit:CT", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["appraisal:CT-NINHKIEU-PNV", "council:CT-NINHKIEU-HDTDKT", "appraisal:CT-SNV", "council:CT-HDTDKT", "submit:CT", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # office under the provincial home affairs
    "ST-SNV-VP": {
        "XA": None,
        "TINH": ["council:ST-SNV-HDTDKT", "appraisal:ST-SNV", "council:ST-HDTDKT", "sign:ST"],
        "HUYEN": None,
        "THU_TRUONG": ["council:ST-SNV-HDTDKT", "sign:ST-SNV"],
        "BO": ["council:ST-SNV-HDTDKT", "appraisal:ST-SNV", "council:ST-HDTDKT", "submit:ST", "appraisal:VN-BGDDT-VTDKT", "sign:VN-BGDDT"],
        "THU_TUONG": ["council:ST-SNV-HDTDKT", "appraisal:ST-SNV", "council:ST-HDTDKT", "submit:ST", "appraisal:VN-BNV-BTDKT", "sign:VN-CP"],
        "HUAN_CHUONG": ["council:ST-SNV-HDTDKT", "appraisal:ST-SNV", "council:ST-HDTDKT", "submit:ST", "appraisal:VN-BNV-BTDKT", "propose:VN-CP", "sign:VN-CTN"],
    },
    # a ministry (no local route)
    "VN-BNV": {
        "XA": None,
        "TINH": None,
        "HUYEN": None,
        "THU_TRUONG": None,
        "BO": None,
        "THU_TUONG": None,
        "HUAN_CHUONG": None,
    },
}
# fmt: on

CASES = [
    pytest.param(unit, code, keys, id=f"{unit}-{code}")
    for unit, row in ROUTES.items()
    for short, keys in row.items()
    for code in FORMS[short]
]


def test_the_table_covers_every_form_and_every_kind_of_unit() -> None:
    assert {c for codes in FORMS.values() for c in codes} == {f.code for f in CATALOGUE.award_forms}
    proposing_kinds = {(TREE[IDS[u]].kind, TREE[IDS[u]].level) for u in ROUTES}
    # Every kind of unit that may propose in the demo trees (councils do not propose).
    demo_kinds = {
        (u.kind, u.level) for u in TREE.values() if u.kind not in {"council", "state", "government", "presidency"}
    }
    assert demo_kinds - proposing_kinds <= {("home_affairs", "central"), ("ministry", "central")}


@pytest.mark.parametrize(("unit", "code", "keys"), CASES)
def test_route_of_every_award_form_from_every_kind_of_unit(unit: str, code: str, keys: list[str] | None) -> None:
    if keys is None:
        with pytest.raises(RouteError):
            route(code, unit)
        return
    steps = route(code, unit)
    assert [s.key for s in steps] == keys
    roles = {"council": "council_secretary", "appraisal": "appraiser"}
    assert [s.role for s in steps] == [roles.get(s.kind, "chairperson") for s in steps]
    assert all(s.unit_name == TREE[s.unit_id].name and s.key.endswith(":" + TREE[s.unit_id].code) for s in steps)


def test_the_routes_that_existed_before_keep_their_keys_and_names() -> None:
    province = route("BANG_KHEN_TINH", "GL-BH-THCS")
    assert [s.name for s in province] == [
        "Hội đồng Thi đua – Khen thưởng Trường THCS Nguyễn Du xét, bỏ phiếu",
        "Hội đồng Thi đua – Khen thưởng xã Biển Hồ xét, bỏ phiếu",
        "Sở Nội vụ tỉnh Gia Lai thẩm định hồ sơ",
        "Hội đồng Thi đua – Khen thưởng tỉnh Gia Lai xét, bỏ phiếu",
        "Chủ tịch UBND tỉnh Gia Lai ký quyết định",
    ]
    assert [s.working_days for s in province] == [10, 10, 25, 10, 5]
    assert [s.working_days for s in route("GIAY_KHEN_XA", "GL-BH-THCS")] == [5, 5, 5]


def test_central_chain_of_the_prime_ministers_certificate() -> None:
    steps = {s.key: s for s in route("BANG_KHEN_THU_TUONG", "YB-TT-TAXILANG")}
    council = steps["council:YB-HDTDKT"]
    assert (council.threshold, council.threshold_basis) == (0.8, "all")  # 80% of ALL members
    assert council.disclosure_working_days == 0
    lower = steps["council:YB-TT-HDTDKT"]
    assert (lower.threshold, lower.threshold_basis, lower.quorum) == (0.5, "present", pytest.approx(2 / 3))
    submit = steps["submit:YB"]
    assert (submit.kind, submit.role, submit.name) == (
        "submit", "chairperson", "Chủ tịch UBND tỉnh Yên Bái ký tờ trình đề nghị cấp trên khen thưởng",
    )  # fmt: skip
    moha = steps["appraisal:VN-BNV-BTDKT"]
    assert (moha.unit_name, moha.working_days, moha.max_supplement_requests) == (
        "Ban Thi đua – Khen thưởng Trung ương", 30, 1,
    )  # fmt: skip
    pm = steps["sign:VN-CP"]
    assert (pm.role, pm.name) == ("chairperson", "Thủ tướng Chính phủ quyết định tặng Bằng khen")


def test_central_chain_of_the_labour_order() -> None:
    steps = route("HUAN_CHUONG_LAO_DONG_HANG_BA", "GL-BH-THCS")
    council = next(s for s in steps if s.key == "council:GL-HDTDKT")
    # The nominee list is published for 10 working days before the provincial council meets.
    assert (council.disclosure_working_days, council.threshold, council.threshold_basis) == (10, 0.8, "all")
    assert all(s.disclosure_working_days == 0 for s in steps if s is not council)
    assert [(s.kind, s.name) for s in steps[-2:]] == [
        ("propose", "Thủ tướng Chính phủ trình Chủ tịch nước"),
        ("sign", "Chủ tịch nước quyết định tặng Huân chương"),
    ]


def test_step_settings_follow_their_kind() -> None:
    for code in ("BANG_KHEN_TINH", "GIAY_KHEN_HUYEN", "HUAN_CHUONG_LAO_DONG_HANG_NHI"):
        for step in route(code, "YB-TT-TAXILANG-THCS"):
            assert step.reminder_working_days == 2
            if step.kind == "council":
                assert step.quorum is not None and step.threshold is not None
                assert 0 < step.threshold <= 1 and step.threshold_basis in {"all", "present"}
            else:
                assert (step.quorum, step.threshold, step.threshold_basis, step.disclosure_working_days) == (
                    None,
                    None,
                    None,
                    0,
                )
            if step.kind == "appraisal":
                assert (step.max_supplement_requests, step.pause_clock_on_supplement) == (1, True)
            else:
                assert (step.max_supplement_requests, step.pause_clock_on_supplement) == (0, False)


def test_head_titles_in_step_names() -> None:
    assert route("GIAY_KHEN_HUYEN", "YB-TT-TAXILANG")[-1].name == "Chủ tịch UBND huyện Trạm Tấu ký quyết định"
    assert route("GIAY_KHEN_THU_TRUONG", "ST-SNV-VP")[-1].name == "Thủ trưởng Sở Nội vụ tỉnh Sóc Trăng ký quyết định"
    assert route("BANG_KHEN_BO", "CT-NINHKIEU")[-1].name == "Bộ trưởng Bộ Giáo dục và Đào tạo ký quyết định"


def test_no_route_messages_are_vietnamese_and_name_the_unit() -> None:
    with pytest.raises(RouteError, match="UBND tỉnh Gia Lai không thuộc cấp có thẩm quyền"):
        route("GIAY_KHEN_XA", "GL")
    with pytest.raises(RouteError, match="Sở Giáo dục và Đào tạo tỉnh Yên Bái chưa có Hội đồng Thi đua – Khen thưởng"):
        route("GIAY_KHEN_THU_TRUONG", "YB-SGDDT")
    with pytest.raises(RouteError, match="Bộ Nội vụ không thuộc một tỉnh, thành phố"):
        route("BANG_KHEN_THU_TUONG", "VN-BNV")
    without_moha = build_tree([v for v in TREE.values() if v.code != "VN-BNV-BTDKT"])
    with pytest.raises(RouteError, match="Bộ Nội vụ không có đơn vị thẩm định"):
        route("BANG_KHEN_THU_TUONG", "GL-BH", without_moha)
    with pytest.raises(RouteError, match="không tồn tại"):
        compute_route(form("BANG_KHEN_TINH"), 999_999, TREE)


def test_a_district_reorganised_away_changes_the_route_not_the_code() -> None:
    # 01/07/2025: Trạm Tấu's communes move under the province; their Bằng khen no longer passes the district.
    district = IDS["YB-TT"]
    moved = build_tree(
        [
            replace(v, parent_id=IDS["YB"]) if v.parent_id == district and v.level == "commune" else v
            for v in TREE.values()
        ]
    )
    assert [s.key for s in route("BANG_KHEN_TINH", "YB-TT-TAXILANG-THCS", moved)] == [
        "council:YB-TT-TAXILANG-THCS-HDTDKT", "council:YB-TT-TAXILANG-HDTDKT", "appraisal:YB-SNV", "council:YB-HDTDKT", "sign:YB",
    ]  # fmt: skip
    with pytest.raises(RouteError):
        route("GIAY_KHEN_HUYEN", "YB-TT-TAXILANG", moved)


# ---- demo users behind every step ---------------------------------------------------------------


def _holders() -> dict[tuple[str, str], set[str]]:
    held: dict[tuple[str, str], set[str]] = {}
    for user in ORG.users:
        for r in user.roles:
            held.setdefault((r.role, r.unit), set()).add(user.username)
    return held


def test_every_step_of_every_demo_route_has_a_demo_user() -> None:
    held = _holders()
    checked = 0
    for unit in TREE.values():
        for f in CATALOGUE.award_forms:
            try:
                steps = compute_route(f, unit.id, TREE)
            except RouteError:
                continue
            for s in steps:
                code = TREE[s.unit_id].code
                assert held.get((s.role, code)), f"{f.code} from {unit.code}: nobody is {s.role} at {code}"
                if s.kind == "council":
                    assert len(held.get(("council_member", code), ())) == 5, f"council {code} needs its members"
                if s.role == "chairperson":
                    assert held.get(("deputy_chairperson", code)), f"no deputy to sign on behalf at {code}"
            checked += 1
    assert checked > 300


def test_every_proposing_unit_in_the_table_has_a_clerk() -> None:
    held = _holders()
    assert [u for u in ROUTES if not held.get(("clerk", u))] == ["VN-BNV"]


def test_every_council_has_five_members_and_a_secretary() -> None:
    held = _holders()
    councils = [u.code for u in ORG.units if u.kind == "council"]
    assert len(councils) >= 30
    for code in councils:
        assert len(held.get(("council_member", code), ())) == 5, code
        assert len(held.get(("council_secretary", code), ())) == 1, code


# ---- properties over random trees ---------------------------------------------------------------

CENTRAL = [
    ("VN", "state", "central", None),
    ("VN-CP", "government", "central", "VN"),
    ("VN-BNV", "ministry", "central", "VN-CP"),
    ("VN-BNV-BTDKT", "home_affairs", "central", "VN-BNV"),
    ("VN-BGDDT", "ministry", "central", "VN-CP"),
    ("VN-BGDDT-VTDKT", "home_affairs", "central", "VN-BGDDT"),
    ("VN-CTN", "presidency", "central", "VN"),
]
GRASSROOTS = ("school", "village", "enterprise")


@st.composite
def org_trees(draw: st.DrawFn) -> dict[int, OrgUnit]:
    """Random organisation trees: one to three provinces of two or three tiers, with or without
    home affairs, councils, departments (with offices), schools, villages and enterprises, at any
    depth, under the central units; unit ids shuffled so that file order means nothing."""
    rows: list[tuple[str, str, str, str | None]] = list(CENTRAL)
    maybe = lambda: draw(st.booleans())  # noqa: E731

    def council(code: str, level: str) -> None:
        if draw(st.integers(0, 4)):
            rows.append((f"{code}-HD", "council", level, code))

    def commune(code: str, parent: str) -> None:
        rows.append((code, "people_committee", "commune", parent))
        council(code, "commune")
        for i in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(GRASSROOTS))
            rows.append((f"{code}-G{i}", kind, "grassroots", code))
            if kind == "school":
                council(f"{code}-G{i}", "grassroots")
                if maybe():  # a deeper unit: a school's branch
                    rows.append((f"{code}-G{i}-B", "school", "grassroots", f"{code}-G{i}"))

    def departments(code: str, level: str) -> None:
        for i in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from(("department", "agency", "association")))
            rows.append((f"{code}-D{i}", kind, level, code))
            council(f"{code}-D{i}", level)
            if maybe():
                rows.append((f"{code}-D{i}-VP", "office", level, f"{code}-D{i}"))

    for p in range(draw(st.integers(1, 3))):
        code = f"P{p}"
        rows.append((code, "people_committee", "province", "VN-CP"))
        if draw(st.integers(0, 5)):
            rows.append((f"{code}-NV", "home_affairs", "province", code))
        council(code, "province")
        departments(code, "province")
        if maybe():  # three tiers
            for d in range(draw(st.integers(1, 2))):
                dc = f"{code}-H{d}"
                rows.append((dc, "people_committee", "district", code))
                if maybe():
                    rows.append((f"{dc}-NV", "home_affairs", "district", dc))
                council(dc, "district")
                departments(dc, "district")
                for c in range(draw(st.integers(0, 2))):
                    commune(f"{dc}-X{c}", dc)
        else:
            for c in range(draw(st.integers(1, 3))):
                commune(f"{code}-X{c}", code)
    ids = list(range(1, len(rows) + 1))
    random.Random(draw(st.integers(0, 2**32))).shuffle(ids)
    by_code = {code: ids[i] for i, (code, *_) in enumerate(rows)}
    return build_tree(
        [
            OrgUnit(by_code[code], code, f"Đơn vị {code}", kind, level, by_code[parent] if parent else None)
            for code, kind, level, parent in rows
        ]
    )


def _ancestors(tree: Mapping[int, OrgUnit], unit_id: int) -> list[int]:
    chain = [unit_id]
    while tree[chain[-1]].parent_id is not None:
        chain.append(tree[chain[-1]].parent_id)  # type: ignore[arg-type]
    return chain


def _anchor(tree: Mapping[int, OrgUnit], step: PlannedStep) -> int:
    """The unit a step belongs to: the unit itself for a head's step, else the parent of the actor."""
    unit = tree[step.unit_id]
    return unit.id if step.role == "chairperson" else unit.parent_id  # type: ignore[return-value]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=org_trees(), data=st.data())
def test_route_properties_on_random_trees(tree: OrgTree, data: st.DataObject) -> None:
    proposers = sorted(u.id for u in tree.values() if u.kind != "council")
    unit_id = data.draw(st.sampled_from(proposers))
    for f in CATALOGUE.award_forms:
        try:
            steps = compute_route(f, unit_id, tree)
        except RouteError:
            _assert_no_route_is_right(f, unit_id, tree)
            continue
        # Stable: the same input gives the same route, whatever the order of the tree's entries.
        assert compute_route(f, unit_id, build_tree(reversed(list(tree.values())))) == steps
        # Never visits a unit twice.
        assert len({s.unit_id for s in steps}) == len(steps)
        # Ends at the deciding authority, with its decision.
        last = tree[steps[-1].unit_id]
        assert steps[-1].kind == "sign" and f.decider.matches(last.level, last.kind)
        # Climbs: the local part belongs to the proposing unit and its ancestors, going up.
        chain = _ancestors(tree, unit_id)
        local = [s for s in steps if s.kind != "sign" or f.climb_to is None]
        local = local[: next((i + 1 for i, s in enumerate(local) if s.kind == "submit"), len(local))]
        positions = [chain.index(_anchor(tree, s)) for s in local]
        assert positions == sorted(positions)
        # Includes every appraisal and every step the catalogue requires, at the right units.
        top = next(u for u in chain if f.top.matches(tree[u].level, tree[u].kind))
        for definition in f.steps:
            if definition.at == TOP:
                anchor = top
            else:
                anchor = next(u.id for u in tree.values() if u.code == definition.at)
            matching = [
                s for s in steps
                if s.kind == definition.kind and _anchor(tree, s) == anchor
                and (definition.actor == HEAD or tree[s.unit_id].kind == definition.actor)
            ]  # fmt: skip
            assert len(matching) == 1, (f.code, definition)
        # Every council passed on the way is in the route.
        for u in chain[: chain.index(top)]:
            for c in tree.values():
                if c.parent_id == u and c.kind == "council":
                    assert any(s.unit_id == c.id for s in steps)


def _assert_no_route_is_right(f: AwardFormDef, unit_id: int, tree: Mapping[int, OrgUnit]) -> None:
    """A RouteError only when the unit is not under the authority or a required actor is missing."""
    chain = _ancestors(tree, unit_id)
    tops = [u for u in chain if f.top.matches(tree[u].level, tree[u].kind)]
    if not tops:
        return
    top = tops[0]
    for definition in f.steps:
        anchor = top if definition.at == TOP else next(u.id for u in tree.values() if u.code == definition.at)
        if definition.actor != HEAD and not any(
            c.parent_id == anchor and c.kind == definition.actor for c in tree.values()
        ):
            return
    raise AssertionError(f"{f.code} from {tree[unit_id].code}: a route exists but RouteError was raised")


# ---- the organisation file and its seeding ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("units:\n  - {code: A, name: A, kind: school, level: commune, parent: B}\n"
         "  - {code: B, name: B, kind: school, level: commune, parent: A}\n", "unit A, field parent: the parents form a cycle"),
        ("units:\n  - {code: A, name: A, kind: school, level: commune}\n"
         "  - {code: A, name: A2, kind: school, level: commune}\n", "unit A, field code: listed twice"),
        ("units:\n  - {code: A, name: A, kind: school, level: commune}\n"
         "users:\n  - {username: u1, full_name: U, unit: Z, roles: []}\n", "user u1, field unit: unknown unit 'Z'"),
        ("units:\n  - {code: A, name: A, kind: school, level: commune}\n"
         "users:\n  - {username: u1, full_name: U, unit: A, roles: [{role: deputy_mayor, unit: A}]}\n",
         "user u1, field roles: unknown role 'deputy_mayor'"),
    ],
)  # fmt: skip
def test_org_file_mistakes_are_named(tmp_path: Path, text: str, message: str) -> None:
    from models.store.org import OrgFileError

    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OrgFileError) as err:
        load_org(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_a_unit_may_come_before_its_parent(tmp_path: Path) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(
        "units:\n  - {code: C, name: C, kind: council, level: province, parent: P}\n"
        "  - {code: P, name: P, kind: people_committee, level: province}\n",
        encoding="utf-8",
    )
    assert [u.code for u in load_org(path).units] == ["C", "P"]


def test_seed_brings_an_older_demo_database_in_line_and_then_changes_nothing(owner_database_url: str) -> None:
    from sqlalchemy import create_engine, func, select, update
    from sqlmodel import col

    from models.db.engine import sqlalchemy_url
    from models.store.org import DEMO_PASSWORD, seed_org
    from models.tables import AwardForm, RoleAssignment, Unit, User

    def units(conn: Any) -> list[Any]:
        return list(conn.execute(select(Unit.__table__).order_by(col(Unit.id))).all())  # type: ignore[attr-defined]

    def counts(conn: Any) -> list[int]:
        return [conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (Unit, User, RoleAssignment)]

    engine = create_engine(sqlalchemy_url(owner_database_url))  # the seed runs as the owner
    try:
        with engine.begin() as conn:
            before, counted = units(conn), counts(conn)
            # A database seeded before the central level existed: the province had no parent.
            conn.execute(update(Unit).where(col(Unit.code) == "GL").values(parent_id=None))
            assert seed_org(conn, ORG, DEMO_PASSWORD) == (0, 0)
            assert units(conn) == before
            by_id = {row.id: row for row in before}
            gl = next(row for row in before if row.code == "GL")
            assert by_id[gl.parent_id].code == "VN-CP"
            assert seed_org(conn, ORG, DEMO_PASSWORD) == (0, 0)
            assert units(conn) == before and counts(conn) == counted
            usernames = set(conn.execute(select(col(User.username))).scalars())
            assert {u.username for u in ORG.users} <= usernames
            members = conn.execute(
                select(func.count())
                .select_from(RoleAssignment)
                .join(Unit, col(Unit.id) == col(RoleAssignment.unit_id))
                .where(col(RoleAssignment.role) == "council_member", col(Unit.code) == "YB-HDTDKT")
            ).scalar_one()
            assert members == 5
            admin = conn.execute(
                select(col(RoleAssignment.subtree), col(Unit.code))
                .join(Unit, col(Unit.id) == col(RoleAssignment.unit_id))
                .join(User, col(User.id) == col(RoleAssignment.user_id))
                .where(col(User.username) == "admin", col(RoleAssignment.role) == "admin")
            ).all()
            assert [tuple(r) for r in admin] == [(True, "VN")]
            levels = dict(conn.execute(select(col(AwardForm.code), col(AwardForm.decider_level))).all())
            assert levels["GIAY_KHEN_THU_TRUONG"] == "province" and levels["HUAN_CHUONG_LAO_DONG_HANG_BA"] == "central"
    finally:
        engine.dispose()


def test_the_proposer_roles_are_no_step_and_every_step_role_has_an_access_key() -> None:
    """Lists test a clerk's or administrator's grant on the proposing unit alone, and a step role's on
    `nominations.access_keys` (service/queries/visibility.py): both hold only while no step is the
    proposer's and every step role (and a council's members) has a code of its own."""
    step_roles = set(ROLE_FOR_STEP.values()) | {"council_member"}
    assert not step_roles & PROPOSER_ROLES
    assert step_roles <= set(ACCESS_KEY_CODES)
    codes = list(ACCESS_KEY_CODES.values())
    assert len(set(codes)) == len(codes) and all(0 < c < 16 for c in codes)
    assert access_key("appraiser", 7) != access_key("chairperson", 7) and access_key("clerk", 7) is None
