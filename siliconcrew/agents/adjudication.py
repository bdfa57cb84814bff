"""Testbench adjudication: when an agent-written testbench fails the RTL, which one is wrong?

Pure policy (no tools). Two independent opinions are weighed, CorrectBench-style:

* a second testbench the verification agent writes from the spec alone (it never sees the
  RTL nor the first testbench): passing the RTL is a vote that the first testbench is wrong,
  failing it a vote that the RTL is wrong;
* the first testbench run on the other RTL candidates of best-of-N (when there were any):
  failing every one of at least two is a vote against the testbench (independent designs
  rarely share one bug), passing any of them a vote against the RTL under test.

More votes against the testbench than against the RTL: the testbench is judged wrong and is
rewritten with the reason; the RTL is not touched. Otherwise the RTL is presumed wrong (as
before: the evidence goes to the RTL agent); a tie or no opinion is recorded as undecided.
A golden testbench, the user's contract, is never judged: the answer is always "rtl".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Decision = Literal["testbench", "rtl", "undecided"]


@dataclass
class Adjudication:
    decision: Decision
    reason: str
    second_testbench: bool | None = None  # the independent testbench's verdict on the RTL
    candidates: list[bool] = field(default_factory=list)  # first tb on the other candidates
    golden: bool = False

    @property
    def testbench_wrong(self) -> bool:
        return self.decision == "testbench"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def decide(
    *, golden: bool, second_testbench: bool | None, candidates: list[bool] | None = None
) -> Adjudication:
    cands = list(candidates or [])
    if golden:
        return Adjudication(
            "rtl",
            "the golden testbench is the contract: a failure is the RTL's",
            second_testbench,
            cands,
            golden=True,
        )
    against_tb: list[str] = []
    against_rtl: list[str] = []
    if second_testbench is True:
        against_tb.append("an independent testbench written from the spec passes the RTL")
    elif second_testbench is False:
        against_rtl.append("an independent testbench written from the spec fails it too")
    if len(cands) >= 2 and not any(cands):
        against_tb.append(f"it fails all {len(cands)} other RTL candidates")
    elif any(cands):
        against_rtl.append(f"{sum(cands)} of {len(cands)} other RTL candidates pass it")
    if len(against_tb) > len(against_rtl):
        return Adjudication(
            "testbench",
            "the agent's testbench is judged wrong: " + "; ".join(against_tb),
            second_testbench,
            cands,
        )
    if len(against_rtl) > len(against_tb):
        return Adjudication(
            "rtl",
            "the RTL is judged wrong: " + "; ".join(against_rtl),
            second_testbench,
            cands,
        )
    why = "; ".join(against_tb + against_rtl) or "no independent opinion could be had"
    return Adjudication(
        "undecided",
        f"undecided ({why}): the RTL is presumed wrong",
        second_testbench,
        cands,
    )
