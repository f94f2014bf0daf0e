"""Histories recorded from every released version of NominationWorkflow must replay on today's code.

A change that would break running nominations (a new activity, a reordered timer without
`workflow.patched()`) makes this test fail. Record new histories with
`THIDUA_RECORD_HISTORIES=1 pytest tests/workflows` after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from service.temporal.converter import DATA_CONVERTER
from tests.support.paths import HISTORIES
from workflows.nomination import NominationWorkflow

HISTORY_FILES = sorted(HISTORIES.glob("*/*.json"))


def test_histories_are_committed() -> None:
    versions = {p.parent.name for p in HISTORY_FILES}
    assert {"v1", "v2", "v3", "v4", "v5"} <= versions, "recorded histories of a released version are missing"
    assert len([p for p in HISTORY_FILES if p.parent.name == "v1"]) >= 7


@pytest.mark.parametrize("path", HISTORY_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"nomination-{path.stem}", path.read_text(encoding="utf-8"))  # noqa: ASYNC240
    await Replayer(workflows=[NominationWorkflow], data_converter=DATA_CONVERTER).replay_workflow(history)
