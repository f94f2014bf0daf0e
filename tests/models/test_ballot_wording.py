"""How a council's result states the share it needed: "trên 50%" only when the count needed is more."""

from __future__ import annotations

import pytest

from models.rules.ballot import evaluate


@pytest.mark.parametrize(
    ("members", "votes_for", "threshold", "expected"),
    [
        (5, 3, 0.5, "Đạt: 3/5 phiếu đồng ý (cần 3, trên 50% tổng số thành viên)."),
        (4, 1, 0.5, "Không đạt: 1/4 phiếu đồng ý, cần ít nhất 2 (từ 50% tổng số thành viên trở lên)."),
        (5, 4, 0.8, "Đạt: 4/5 phiếu đồng ý (cần 4, từ 80% tổng số thành viên trở lên)."),
        (7, 6, 0.8, "Đạt: 6/7 phiếu đồng ý (cần 6, trên 80% tổng số thành viên)."),
    ],
)
def test_the_share_is_worded_as_the_count_needed_is(
    members: int, votes_for: int, threshold: float, expected: str
) -> None:
    outcome = evaluate(
        members=members, participants=members, votes_for=votes_for, quorum=None, threshold=threshold, basis=None
    )
    assert outcome.reason == expected
