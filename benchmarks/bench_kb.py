"""Knowledge-base retrieval quality and speed.

    .venv/bin/python benchmarks/bench_kb.py [--filler 10000] [--json out.json] [--store DIR]

1. Quality: a fresh store seeded with the shipped corpus; each query below (real tool error lines
   and engineer questions) has the anchors of the entries that answer it. Prints recall@1,
   recall@3 and MRR (over the top 10) for lexical, vector and hybrid search.
2. Speed: synthetic filler chunks are added until the store holds --filler chunks; prints the
   ingest rate, hybrid/vector/lexical query p50/p95 and the store size on disk. Each timed query
   starts with an empty query-embedding cache (a new question); "hybrid repeat" times the same
   queries again with their embeddings cached (an agent asking about the same error line).
   --store DIR keeps the speed store in DIR and reuses it on the next run (no re-ingest), which
   turns a run of several minutes into well under one.
Nothing is downloaded: the offline MiniLM route is used (the package weights, run by
onnxruntime from an export cached in the store, or by torch).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from siliconcrew.knowledge_base.chunking import Chunk  # noqa: E402
from siliconcrew.knowledge_base.ingest import seed  # noqa: E402
from siliconcrew.knowledge_base.store import KnowledgeBase  # noqa: E402

# (query, expected anchors: any of them counts as a hit)
EVAL: list[tuple[str, tuple[str, ...]]] = [
    # --- iverilog
    ("tb_counter.v:14: error: Unknown module type: counter", ("iverilog-unknown-module-type",)),
    ("*** These modules were missing: fifo referenced 1 times.", ("iverilog-unknown-module-type",)),
    (
        "top.v:20: error: Unable to bind wire/reg/memory `data_q' in `top'",
        ("iverilog-unable-to-bind",),
    ),
    (
        "alu.v:14: error: reg result; cannot be driven by primitives or continuous assignment.",
        ("iverilog-reg-continuous-assign",),
    ),
    ("fsm.v:30: error: state is not a valid l-value in top.u_fsm.", ("iverilog-not-valid-lvalue",)),
    (
        "warning: Port 2 (b) of adder expects 8 bits, got 4. Padding 4 high bits of the port.",
        ("iverilog-port-padding",),
    ),
    ("iverilog syntax error on always_ff and logic keywords", ("iverilog-sv-keywords-need-g2012",)),
    ("top.v:2: Include file defs.vh not found", ("iverilog-include-not-found",)),
    (
        "warning: macro WIDTH undefined (and assumed null) at this point.",
        ("iverilog-macro-undefined",),
    ),
    (
        "warning: Some design elements have no explicit time unit and/or time precision.",
        ("iverilog-timescale-missing",),
    ),
    ("my vvp simulation never finishes and hangs forever", ("vvp-simulation-hangs",)),
    ("why are the DUT outputs x in my icarus simulation", ("vvp-outputs-x",)),
    ("error: 'count' has already been declared in this scope.", ("iverilog-already-declared",)),
    # --- verilator
    (
        "%Warning-WIDTHEXPAND: alu.v:12:18: Operator ASSIGNW expects 8 bits on the Assign RHS, but "
        "Assign RHS's VARREF 'a' generates 4 bits.",
        ("verilator-widthexpand",),
    ),
    (
        "%Warning-WIDTHTRUNC: cnt.v:9:13: Operator ASSIGNDLY expects 4 bits on the Assign RHS, but "
        "Assign RHS's ADD generates 32 bits.",
        ("verilator-widthtrunc",),
    ),
    ("%Warning-UNUSEDSIGNAL: top.v:5:17: Signal is not used: 'dbg'", ("verilator-unusedsignal",)),
    ("%Warning-UNDRIVEN: top.v:8:16: Signal is not driven: 'valid_q'", ("verilator-undriven",)),
    (
        "%Warning-LATCH: fsm.v:20:3: Latch inferred for signal 'fsm.next_state' (not all control "
        "paths of combinational always assign a value)",
        ("verilator-latch",),
    ),
    (
        "%Warning-BLKSEQ: shift.v:14:12: Blocking assignment '=' in sequential logic process",
        ("verilator-blkseq",),
    ),
    (
        "%Warning-COMBDLY: dec.v:11:9: Non-blocking assignment '<=' in combinational logic process",
        ("verilator-combdly",),
    ),
    (
        "%Warning-MULTIDRIVEN: top.v:30:5: Signal has multiple driving blocks with different "
        "clocking: 'count'",
        ("verilator-multidriven",),
    ),
    (
        "%Warning-CASEINCOMPLETE: alu.v:16:5: Case values incompletely covered (example pattern 0x3)",
        ("verilator-caseincomplete",),
    ),
    (
        "%Warning-UNOPTFLAT: top.v:12:16: Signal unoptimizable: Circular combinational logic: "
        "'top.carry'",
        ("verilator-unoptflat",),
    ),
    (
        "%Error-NEEDTIMINGOPT: tb.v:14:5: Use --timing or --no-timing to specify how timing "
        "controls should be handled",
        ("verilator-needtimingopt", "cocotb-verilator-timing"),
    ),
    (
        "%Warning-PINMISSING: top.v:40:7: Instance has missing pin: 'rst_n'",
        ("verilator-pinmissing",),
    ),
    (
        "%Error: top.v:20:3: Cannot find file containing module: 'fifo'",
        ("verilator-cannot-find-module",),
    ),
    (
        "%Warning-DECLFILENAME: alu_top.v:1:8: Filename 'alu_top' does not match MODULE name: 'alu'",
        ("verilator-declfilename",),
    ),
    (
        "%Error-PROCASSWIRE: top.v:15:7: Procedural assignment to wire, perhaps intended var",
        ("verilator-procasswire", "iverilog-not-valid-lvalue"),
    ),
    (
        "%Warning-CASEX: dec.v:8:5: Suggest casez (with ?'s) in place of casex (with X's)",
        ("verilator-casex",),
    ),
    ("%Error: Exiting due to 3 warning(s)", ("verilator-exiting-due-to-warnings",)),
    (
        "%Warning-IMPLICIT: top.v:22:20: Signal definition not found, creating implicitly: 'carry_o'",
        ("verilator-implicit", "iverilog-implicit-wire"),
    ),
    # --- yosys
    (
        "Latch inferred for signal `\\fsm.\\next_state' from process `\\fsm.$proc$fsm.v:20$5'",
        ("yosys-latch-inferred", "verilator-latch", "librelane-inferred-latches"),
    ),
    (
        "Warning: multiple conflicting drivers for top.\\count [0]:",
        ("yosys-multiple-conflicting-drivers",),
    ),
    ("Warning: Wire top.\\ready is used but has no driver.", ("yosys-no-driver",)),
    (
        "ERROR: Module `\\fifo' referenced in module `\\top' in cell `\\u_fifo' is not part of the "
        "design.",
        ("yosys-module-not-part-of-design",),
    ),
    ("Found and reported 3 problems.", ("yosys-check-problems",)),
    (
        "Warning: Replacing memory \\mem with list of registers. See top.v:12",
        ("yosys-memory-to-registers",),
    ),
    (
        "ERROR: Multiple edge sensitive events found for this signal!",
        ("yosys-multiple-edge-events",),
    ),
    (
        "Warning: Yosys has only limited support for tri-state logic at the moment.",
        ("yosys-tristate",),
    ),
    (
        "Warning: Resizing cell port top.u_add.b from 4 bits to 8 bits.",
        ("yosys-resizing-cell-port",),
    ),
    ("ERROR: ABC: execution of command failed: return code 134.", ("yosys-abc-failed",)),
    # --- OpenSTA / qflow
    (
        "Warning: top.v line 12, module NAND2X1 not found. Creating black box for U5.",
        ("sta-black-box",),
    ),
    ("report_checks prints No paths found.", ("sta-no-paths-found",)),
    ("Warning: There are 4 unclocked register/latch pins.", ("sta-unclocked-registers",)),
    (
        "Warning: set_input_delay relative to a clock defined on the same port/pin not allowed.",
        ("sta-input-delay-clock-port",),
    ),
    (
        "how do I read slack in an OpenSTA report_checks path report",
        ("opensta-report-reading", "sta-setup-violated"),
    ),
    ("graywolf failed with exit status 1", ("qflow-graywolf-failed",)),
    ("Final: Failed net routes: 7", ("qflow-qrouter-failed-routes",)),
    ("Design fails LVS with 3 errors.", ("qflow-lvs-fails",)),
    ("Synthesis flow stopped due to error condition.", ("qflow-synthesis-stopped",)),
    ("what are the stages of a qflow run", ("qflow-stages",)),
    # --- OpenROAD / LibreLane
    (
        "[ERROR GPL-0302] Use a higher -density or re-floorplan with a larger core area. Given "
        "target density: 0.45 Suggested target density: 0.62",
        ("gpl-0302",),
    ),
    ("[ERROR GPL-0301] Utilization 131.200 % exceeds 100%.", ("gpl-0301",)),
    ("[ERROR DPL-0036] Detailed placement failed.", ("dpl-0036",)),
    (
        "[ERROR PPL-0024] Number of IO pins (212) exceeds maximum number of available positions "
        "(160).",
        ("ppl-0024",),
    ),
    (
        "[ERROR GRT-0116] Global routing finished with congestion. Check the congestion regions in "
        "the DRC Report.",
        ("grt-0116",),
    ),
    ("[INFO DRT-0199]   Number of violations = 14.", ("drt-violations",)),
    ("[INFO ANT-0002] Found 3 net violations.", ("antenna-violations",)),
    ("[WARNING RSZ-0062] Unable to repair all setup violations.", ("rsz-0062",)),
    ("[WARNING RSZ-0066] Unable to repair all hold violations.", ("rsz-0066",)),
    (
        "Setup violations found in the following corners: * max_ss_100C_1v60",
        ("librelane-setup-violations",),
    ),
    ("Netlists do not match.", ("lvs-netlists-do-not-match", "qflow-lvs-fails")),
    (
        "which variable sets the core utilisation in LibreLane, FP_CORE_UTIL?",
        ("librelane-config-variables", "gpl-0301"),
    ),
    ("design__max_slew_violation__count is 12 after routing", ("max-slew-cap-fanout",)),
    ("Segmentation fault (core dumped) in the detailed routing step", ("flow-tool-crash",)),
    # --- cocotb / RTL / timing questions
    ("cocotb runner.test does not fail although the tests failed", ("cocotb-runner-no-raise",)),
    (
        "AttributeError: 'HierarchyObject' object has no attribute 'valid_o'",
        ("cocotb-attribute-error-handle",),
    ),
    ("ValueError: Unresolvable bit in binary string: 'x'", ("cocotb-unresolved-value",)),
    (
        "how do I fix a critical path that is too long for the clock period",
        ("timing-pipelining", "sta-setup-violated", "timing-restructuring"),
    ),
    (
        "should I use blocking or non-blocking assignments in a clocked always block",
        ("pitfall-blocking-nonblocking", "rtl-blocking-in-sequential", "verilator-blkseq"),
    ),
    ("synchronous vs asynchronous reset style", ("pitfall-reset-styles", "rtl-reset-style")),
    (
        "a net with huge fanout is slow, how to buffer it",
        ("timing-fanout-buffering", "max-slew-cap-fanout"),
    ),
    (
        "signed comparison gives the wrong result for negative numbers",
        ("rtl-signedness", "pitfall-signedness"),
    ),
    ("crossing a signal between two clock domains", ("rtl-cdc",)),
]


def evaluate(kb: KnowledgeBase) -> dict[str, dict[str, float]]:
    out = {}
    for mode in ("lexical", "vector", "hybrid"):
        r1 = r3 = mrr = 0.0
        misses = []
        for q, expected in EVAL:
            hits = kb.search(q, k=10, mode=mode)
            anchors = [h.id.rsplit("#", 1)[-1] for h in hits]
            rank = next((i for i, a in enumerate(anchors) if a in expected), None)
            if rank is not None:
                r1 += rank == 0
                r3 += rank < 3
                mrr += 1.0 / (rank + 1)
            if rank is None or rank >= 3:
                misses.append((q[:70], expected[0], anchors[:3]))
        n = len(EVAL)
        out[mode] = {"recall@1": r1 / n, "recall@3": r3 / n, "mrr": mrr / n, "misses@3": misses}
    return out


WORDS = (
    "clock reset fifo adder pipeline register buffer router placement density timing slack "
    "netlist cell macro power grid strap antenna diode via metal layer track congestion "
    "corner liberty parasitic extraction testbench assertion coverage latch mux decoder "
    "counter shifter multiplier divider memory bank arbiter handshake valid ready"
).split()


def filler(n: int, start: int, rng: random.Random) -> list[Chunk]:
    out = []
    for i in range(start, start + n):
        title = f"Team note {i}: {rng.choice(WORDS)} {rng.choice(WORDS)}"
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(60, 140)))
        src = f"filler:{i // 20}.md"
        out.append(
            Chunk(
                f"{src}#n{i}",
                f"{title}\n\n{body}",
                {
                    "source": src,
                    "title": title,
                    "anchor": f"n{i}",
                    "collection": "docs",
                    "origin": "bench",
                },
            )
        )
    return out


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def speed(kb: KnowledgeBase, args: argparse.Namespace, report: dict) -> None:
    rng = random.Random(7)
    total = sum(kb.counts().values())
    need = max(0, args.filler - total)
    start0 = kb.count("docs")  # filler ids continue after the ones a kept store has
    t0 = time.perf_counter()
    batch = 1000
    for start in range(0, need, batch):
        kb.add_chunks(filler(min(batch, need - start), start0 + start, rng), replace_sources=False)
    dt = time.perf_counter() - t0
    total = sum(kb.counts().values())
    if need:
        report["ingest"] = {
            "chunks": need,
            "s": round(dt, 1),
            "chunks_per_s": round(need / dt, 1) if dt else None,
        }
        print(
            f"\ningest: {need} filler chunks in {dt:.1f} s = {need / max(dt, 1e-9):.0f} "
            f"chunks/s (embedding + chroma + BM25 rebuild, batches of {batch})"
        )
    else:
        print(f"\nreusing {args.store} ({total} chunks, no ingest)")
    queries = [q for q, _ in EVAL]

    def forget() -> None:  # a new question: no cached query embedding
        cache = getattr(kb, "_qcache", None)
        if cache is not None:
            cache.clear()

    lat: dict[str, list[float]] = {"hybrid": [], "vector": [], "lexical": [], "hybrid repeat": []}
    for name in lat:
        mode = name.split()[0]
        kb.search(queries[0], k=5, mode=mode)  # warm
        for i in range(args.queries):
            q = queries[i % len(queries)]
            if name != "hybrid repeat":
                forget()
            t = time.perf_counter()
            kb.search(q, k=5, mode=mode)
            lat[name].append((time.perf_counter() - t) * 1000)
    report["latency_ms"] = {
        m: {"p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2)} for m, v in lat.items()
    }
    print(
        f"query latency at {total} chunks ({args.queries} queries, k=5, "
        f"{os.cpu_count()}-core CPU, load average {os.getloadavg()[0]:.1f}):"
    )
    for m, v in report["latency_ms"].items():
        print(f"  {m:13s} p50 {v['p50']:7.2f} ms   p95 {v['p95']:7.2f} ms")
    # embedding share of a hybrid query
    t = time.perf_counter()
    for q in queries[:50]:
        kb.embedding([q])
    report["embed_query_ms"] = round((time.perf_counter() - t) * 1000 / 50, 2)
    print(f"  (embedding one query alone: {report['embed_query_ms']:.2f} ms)")
    quality_big = evaluate(kb)
    report["quality_at_scale"] = {
        m: {k: v for k, v in q.items() if k != "misses@3"} for m, q in quality_big.items()
    }
    print(f"quality with {total} chunks:")
    for mode, q in report["quality_at_scale"].items():
        print(
            f"  {mode:8s} recall@1 {q['recall@1']:.3f} recall@3 {q['recall@3']:.3f} "
            f"MRR {q['mrr']:.3f}"
        )
    size = kb.size_bytes()
    report["store"] = {"chunks": total, "bytes": size}
    print(f"store size on disk: {size / 1e6:.1f} MB for {total} chunks")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--filler", type=int, default=10000, help="total chunks for the speed part")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", help="write the figures here")
    ap.add_argument("--store", help="keep the speed store here and reuse it on later runs")
    args = ap.parse_args()
    report: dict = {"queries": len(EVAL)}
    with tempfile.TemporaryDirectory(prefix="bench-kb-") as tmp:
        t0 = time.perf_counter()
        kb = KnowledgeBase(tmp)
        kb.embedding.load()
        report["model_load_s"] = round(time.perf_counter() - t0, 2)
        report["embedding_backend"] = getattr(kb.embedding, "backend", "torch")
        t0 = time.perf_counter()
        info = seed(kb)
        report["seed"] = {"chunks": info["chunks"], "s": round(time.perf_counter() - t0, 2)}
        quality = evaluate(kb)
        print(
            f"retrieval quality on {len(EVAL)} queries (seed corpus, {info['chunks']} chunks, "
            f"embedding by {report['embedding_backend']})"
        )
        print(f"{'mode':8s} {'recall@1':>9s} {'recall@3':>9s} {'MRR':>6s}")
        for mode, q in quality.items():
            print(f"{mode:8s} {q['recall@1']:9.3f} {q['recall@3']:9.3f} {q['mrr']:6.3f}")
        for q, exp, got in quality["hybrid"]["misses@3"]:
            print(f"  hybrid miss@3: {q!r} expected {exp}, got {got}")
        report["quality"] = quality
        if args.store:
            kb = KnowledgeBase(args.store)
            if kb.is_empty():
                seed(kb)
        speed(kb, args, report)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=2, default=str)
    return 0 if report["quality"]["hybrid"]["recall@3"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
