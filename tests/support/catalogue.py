"""A copy of deploy/ with a catalogue criterion that is an earlier award, for tests of the dossier's
award checks (the seed's own example, on the Prime Minister's Bằng khen, needs a review period)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.support import paths

CRITERION = "TINH-GK"
CRITERION_TEXT = "Đã được tặng Giấy khen của Chủ tịch UBND xã trong 05 năm gần đây."


def deploy_with_award_criterion(directory: Path) -> Path:
    """deploy/ copied into `directory`, its BANG_KHEN_TINH asking of an individual a commune Giấy khen
    awarded within 5 years of the dossier's period (criterion TINH-GK)."""
    deploy = directory / "deploy"
    shutil.copytree(paths.DEPLOY, deploy)
    path = deploy / "award_forms.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    form = next(f for f in raw["award_forms"] if f["code"] == "BANG_KHEN_TINH")
    form["criteria"] = {
        "individual": [
            {"code": "CN-1", "text": "Là cá nhân tiêu biểu."},
            {
                "code": CRITERION,
                "text": CRITERION_TEXT,
                "requires_award": {"award_form": "GIAY_KHEN_XA", "within_years": 5},
            },
        ]
    }
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return deploy
