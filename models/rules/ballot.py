"""A council's decision rule: quorum and threshold, as a share of all members or of those taking part.

Pure and deterministic, with no database import: the nomination workflow evaluates ballots and
checks a meeting's quorum with it inside its sandbox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PASSED, FAILED, VOID = "passed", "failed", "void"


@dataclass(frozen=True)
class BallotOutcome:
    outcome: str  # passed | failed | void
    needed: int
    base: int
    reason: str


def _at_least(share: float, of: int) -> int:
    # The smallest whole number of members that is at least `share` of `of` (80% of 7 is 6).
    return math.ceil(round(share * of, 9))


def evaluate(
    *, members: int, participants: int, votes_for: int, quorum: float | None, threshold: float, basis: str | None
) -> BallotOutcome:
    quorum_needed = _at_least(quorum, members) if quorum else 0
    if participants < quorum_needed:
        return BallotOutcome(
            VOID,
            quorum_needed,
            members,
            f"Không đủ số thành viên tham gia: {participants}/{members}, cần ít nhất {quorum_needed}.",
        )
    base = members if basis != "present" else participants
    needed = max(1, _at_least(threshold, base))
    # What the needed count is, said as the rules say it: "trên 50%" when it is more than the share
    # (3 of 5), "từ 50% trở lên" when it is exactly the share (2 of 4).
    whom = "tổng số thành viên" if basis != "present" else "số thành viên tham gia"
    pct = f"{round(100 * threshold)}%"
    share = f"trên {pct} {whom}" if needed > threshold * base else f"từ {pct} {whom} trở lên"
    if votes_for >= needed:
        return BallotOutcome(PASSED, needed, base, f"Đạt: {votes_for}/{base} phiếu đồng ý (cần {needed}, {share}).")
    return BallotOutcome(
        FAILED, needed, base, f"Không đạt: {votes_for}/{base} phiếu đồng ý, cần ít nhất {needed} ({share})."
    )
