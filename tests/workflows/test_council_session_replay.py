"""Histories recorded from every released version of CouncilSessionWorkflow must replay on today's
code (record them with `THIDUA_RECORD_HISTORIES=1 pytest tests/service/api/test_council_sessions.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from service.temporal.converter import DATA_CONVERTER
from tests.support.paths import HISTORIES
from workflows.council_session import CouncilSessionWorkflow

SESSION_HISTORIES = sorted((HISTORIES / "council_sessions").glob("*/*.json"))


def test_session_histories_are_committed() -> None:
    assert {p.stem for p in SESSION_HISTORIES} >= {"meeting", "electronic"}


@pytest.mark.parametrize("path", SESSION_HISTORIES, ids=lambda p: f"{p.parent.name}/{p.stem}")
async def test_replay(path: Path) -> None:
    history = WorkflowHistory.from_json(f"council-session-{path.stem}", path.read_text(encoding="utf-8"))  # noqa: ASYNC240
    await Replayer(workflows=[CouncilSessionWorkflow], data_converter=DATA_CONVERTER).replay_workflow(history)
