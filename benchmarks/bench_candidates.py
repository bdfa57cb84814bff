"""Best-of-N: how often the picked answer is right when one answer is right with p ≈ 0.35.

A scripted OpenAI-compatible endpoint plays the model on examples/verilog-eval-mini: each
answer is right with probability P (in one of two styles) and otherwise carries one of
several different bugs (wrong operator, swapped operands, off-by-one bit, wrong edge, a
missing term, a syntax error, wrong port names). `bench verilog-eval --candidates N` picks
one answer per sample by linting and simulating the candidates on the shared stimulus (the
judge's test and reference are never shown: the endpoint checks every request), then the
judge scores the pick and every candidate.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_candidates.py [--samples 10] [--n 8] [--p 0.35]

Prints the per-sample pass rate (every candidate) and the pass@1 of the picked answer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.scripted_llm import ScriptedLLM  # noqa: E402

HEAD = {
    "and": "module TopModule(input a, input b, output out);\n",
    "mux": "module TopModule(input sel, input [7:0] a, input [7:0] b, output [7:0] out);\n",
    "dff": "module TopModule(input clk, input [7:0] d, output reg [7:0] q);\n",
    "pop": "module TopModule(input [3:0] in, output [2:0] out);\n",
}
RIGHT = {
    "and": ["  assign out = a & b;\n", "  assign out = ~(~a | ~b);\n"],
    "mux": ["  assign out = sel ? b : a;\n", "  assign out = (a & ~{8{sel}}) | (b & {8{sel}});\n"],
    "dff": [
        "  initial q = 8'h0;\n  always @(posedge clk) q <= d;\n",
        "  initial q = 0;\n  always @(posedge clk) begin\n    q <= d[7:0];\n  end\n",
    ],
    "pop": [
        "  assign out = in[0] + in[1] + in[2] + in[3];\n",
        "  assign out = {2'b0, in[0]} + {2'b0, in[1]} + {2'b0, in[2]} + {2'b0, in[3]};\n",
    ],
}
BUGS = {
    "and": [
        "  assign out = a | b;\n",
        "  assign out = a ^ b;\n",
        "  assign out = ~(a & b);\n",
        "  assign out = a;\n",
        "  assign out = a & ;\n",
        "  assign out = b & ~a;\n",
    ],
    "mux": [
        "  assign out = sel ? a : b;\n",
        "  assign out = a | b;\n",
        "  assign out = sel ? b : a & 8'h7f;\n",
        "  assign out = sel ? {b[6:0], 1'b0} : a;\n",
        "  assign out = sel ? b : a\n",
        "  assign out = {a[7:4], b[3:0]};\n",
    ],
    "dff": [
        "  initial q = 8'h0;\n  always @(negedge clk) q <= d;\n",
        "  initial q = 8'h0;\n  always @(posedge clk) q <= ~d;\n",
        "  initial q = 8'h0;\n  always @(posedge clk) q <= {d[6:0], 1'b0};\n",
        "  always @(*) q = d;\n",
        "  always @(posedge clk) q <= d & 8'hfe;\n",
        "  always @(posedge clk q <= d;\n",
    ],
    "pop": [
        "  assign out = in[0] + in[1] + in[2];\n",
        "  assign out = in[0] ^ in[1] ^ in[2] ^ in[3];\n",
        "  assign out = |in;\n",
        "  assign out = in[1] + in[2] + in[3] + 1'b1 - in[0];\n",
        "  assign out = in[0] + in[1] + in[2] + in[3]\n",
        "  assign out = in[3:1];\n",
    ],
}
WRONG_PORTS = {"pop": "module TopModule(input [3:0] x, output [2:0] y);\n  assign y = x[0];\n"}


def kind(prompt: str) -> str:
    for key, word in (
        ("and", "AND gate"),
        ("mux", "multiplexer"),
        ("dff", "D flip-flops"),
        ("pop", "number of 1 bits"),
    ):
        if word in prompt:
            return key
    raise AssertionError("unknown problem: " + prompt[:80])


class Model:
    """Right with probability p, else one of the problem's bugs; counts what it sent."""

    def __init__(self, p: float, seed: int) -> None:
        self.p, self.rng, self.lock = p, random.Random(seed), threading.Lock()
        self.sent = {"right": 0, "wrong": 0}

    def __call__(self, req: dict) -> dict:
        text = json.dumps(req["messages"])
        assert "RefModule" not in text and "Mismatches" not in text, "hidden test shown"
        k = kind(req["messages"][1]["content"])
        with self.lock:
            if self.rng.random() < self.p:
                self.sent["right"] += 1
                body = HEAD[k] + self.rng.choice(RIGHT[k])
            else:
                self.sent["wrong"] += 1
                bugs = BUGS[k] + ([WRONG_PORTS[k]] if k in WRONG_PORTS else [])
                choice = self.rng.choice(bugs)
                body = choice if choice.startswith("module") else HEAD[k] + choice
        return {"content": f"Here it is:\n```verilog\n{body}endmodule\n```"}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=10, help="samples per problem")
    ap.add_argument("--n", type=int, default=8, help="candidates per sample")
    ap.add_argument("--p", type=float, default=0.35, help="chance one answer is right")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    from siliconcrew import api

    model = Model(args.p, args.seed)
    with ScriptedLLM() as srv, tempfile.TemporaryDirectory() as tmp:
        srv.default = model
        srv.honour_n = True
        os.environ.update(
            {
                "OPENAI_BASE_URL": srv.base_url,
                "OPENAI_API_KEY": "sk-scripted",
                "SILICONCREW_MODEL": "scripted-p%.2f" % args.p,
                "SILICONCREW_KB": "off",
            }
        )
        t0 = time.perf_counter()
        res = api.verilog_eval(
            REPO / "examples" / "verilog-eval-mini",
            samples=args.samples,
            jobs=args.jobs,
            candidates=args.n,
            out=Path(tmp) / "out",
            sandbox="local",
        ).model_dump()
        seconds = time.perf_counter() - t0
    picks = len(res["results"])
    right_picks = sum(r["status"] == "pass" for r in res["results"])
    sent = model.sent["right"] / max(1, sum(model.sent.values()))
    print(
        f"best-of-{args.n} on {res['problems']} problems x {args.samples} samples "
        f"({picks} picks, {picks * args.n} candidates), p={args.p}, seed={args.seed}"
    )
    print(f"  answers right as sent by the endpoint: {sent:.3f}")
    print(f"  per-sample pass rate (every candidate, judged): {res['per_sample_pass_rate']:.3f}")
    print(
        f"  pass@1 of the picked answer:                    {res['pass@1']:.3f} "
        f"({right_picks}/{picks})"
    )
    for pid, p in res["per_problem"].items():
        print(f"    {pid:22s} picked right {p['c']}/{p['n']}")
    tied = smaller = 0
    for r in res["results"]:
        right = {i for i, v in enumerate(r["candidates"], 1) if v == "pass"}
        if r["status"] == "pass" or not right:
            continue
        size = max((len(g) for g in r["groups"] if right & set(g)), default=0)
        if size == len(r["groups"][0]):
            tied += 1
        else:
            smaller += 1
    print(
        f"  wrong picks with a right candidate among the {args.n}: {tied + smaller} "
        f"({tied} lost a tie, {smaller} outvoted by a larger wrong group); "
        f"time {seconds:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
