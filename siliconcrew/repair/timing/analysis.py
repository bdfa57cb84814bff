"""Deterministic timing analysis: WNS/TNS, worst paths, their RTL lines and ranked root causes.

`analyze` runs the real `synthesize` and `sta` tools on a design (plus a coarse yosys pass for
the RTL operator graph); `analyze_report` reads an existing report (ours, OpenSTA's or
OpenROAD/LibreLane's). Both return `{wns, tns, worst_slack, met, paths: [...], hotspots}`.

Root-cause classes (each with evidence):
  deep_combinational_chain  many logic levels between the registers
  wide_arithmetic           multipliers / adders / comparators / shifters on the path
  high_fanout               a net on the path drives many loads
  long_mux_chain            several multiplexers in series (nested ?:, if/else, case)
  clock_domain_crossing     start and end are clocked by different clocks
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import networkx as nx

from siliconcrew.core.errors import SiliconCrewError, UserInputError
from siliconcrew.repair.timing.rtl_map import (
    ARITH,
    COMPARE,
    MUX,
    OP_TEXT,
    SHIFT,
    PathMapper,
    instance_of,
)
from siliconcrew.tools.sources import yosys_include_opts
from siliconcrew.tools.sta_report import TimingPath, parse_endpoint_table, parse_paths

DEEP_LEVELS = 12  # logic levels that make a chain "deep"
HIGH_FANOUT = 16  # loads on one net
MUX_CHAIN = 3  # muxes in series
WIDE_BITS = 8  # operand width that makes arithmetic "wide"
_ARITH_CELL = re.compile(r"(?i)(xor|xnor|xnr|fa[x_]?\d|ha[x_]?\d|fa\d|ha\d|^fa|^ha|maj|add)")
_MUX_CELL = re.compile(r"(?i)mux")
_NUM = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"


class TimingAnalysisError(SiliconCrewError):
    """The design could not be synthesized or timed (exit 1)."""


# ------------------------------------------------------------------------------ report figures
def _last(pattern: str, text: str) -> float | None:
    found = re.findall(pattern, text, re.MULTILINE)
    return float(found[-1]) if found else None


def _section_value(title: str, text: str) -> float | None:
    """OpenLane 2 one-value sections: '<title>\\n====\\n<corner>: <value>'."""
    m = re.search(
        rf"^{re.escape(title)}\s*\n=+\s*\n(?:=+ .* =+\s*\n)?\S.*?:\s*({_NUM})\s*$",
        text,
        re.MULTILINE,
    )
    return float(m.group(1)) if m else None


def _summary_table(text: str) -> dict[str, float]:
    """LibreLane's rich 'STA summary' box: setup worst slack / TNS of the 'Overall' row."""
    headers: list[str] = []
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("┃"):
            cells = [c.strip() for c in line.strip("┃").split("┃")]
            if not headers:
                headers = cells
            else:
                headers = [f"{h} {c}".strip() for h, c in zip(headers, cells, strict=False)]
        elif line.startswith("│") and headers:
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells and cells[0] == "Overall":
                for h, c in zip(headers, cells, strict=False):
                    if not re.fullmatch(_NUM, c):
                        continue
                    h = h.lower()
                    if "setup" in h and "worst" in h and "slack" in h:
                        out["worst_slack"] = float(c)
                    elif "setup" in h and "tns" in h:
                        out["tns"] = float(c)
                    elif h.startswith("setup") and "violations" in h and "reg" not in h:
                        out["violations"] = float(c)
                    elif "setup vio" in h and "count" in h:
                        out["violations"] = float(c)
                break
    return out


_KNOWN = re.compile(
    r"(?m)^(Startpoint: |wns |tns |worst slack |.*\bslack \((?:MET|VIOLATED)\)"
    r"|Worst (?:Negative )?Slack|Total Negative Slack|Violator List|Clock Skew"
    r"|Endpoint\s+.*Slack|[┃│].*(?:Slack|Violations))"
)


def report_figures(text: str) -> dict:
    """Setup worst slack, WNS (<= 0) and TNS of a report, and where they were read from.

    Raises UserInputError when the text holds nothing a timing report would (wrong file,
    truncated path, binary junk).
    """
    if not _KNOWN.search(text):
        raise UserInputError(
            "not a timing report: no paths, slack or WNS/TNS figures found",
            "give an OpenSTA/OpenROAD report_checks output or a LibreLane .rpt",
        )
    paths = [p for p in parse_paths(text)]
    for i, p in enumerate(paths):
        if p.slack is None and not p.stages:
            raise UserInputError(
                f"timing report path {i + 1} ({p.startpoint.split(' (')[0]}) "
                "is truncated: no stages and no slack",
                "give the complete report_checks output",
            )
    ws = tns = None
    source = None
    # explicit figures, last one wins (OpenROAD logs print before/after)
    wns_line = _last(rf"^wns(?: max)?\s+({_NUM})\s*$", text)
    tns_line = _last(rf"^tns(?: max)?\s+({_NUM})\s*$", text)
    wslack = re.search(rf"report_worst_slack -max.*\n=+\s*\nworst slack\s+({_NUM})", text)
    if wslack:
        ws, source = float(wslack.group(1)), "report_worst_slack"
    if wns_line is not None and ws is None:
        ws, source = wns_line, "report_wns"
    if tns_line is not None:
        tns = tns_line
    sec_ws = _section_value("Worst Slack (Setup)", text)
    sec_wns = _section_value("Worst Negative Slack (Setup)", text)
    sec_tns = _section_value("Total Negative Slack (Setup)", text)
    if ws is None and (sec_ws is not None or sec_wns is not None):
        ws, source = (sec_ws if sec_ws is not None else sec_wns), "openlane sections"
    if tns is None and sec_tns is not None:
        tns = sec_tns
    table = _summary_table(text)
    if ws is None and "worst_slack" in table:
        ws, source = table["worst_slack"], "summary table"
    if tns is None and "tns" in table:
        tns = table["tns"]
    ends = parse_endpoint_table(text)
    if ws is None and ends:
        ws, source = min(e.slack for e in ends), "endpoint table"
        tns = round(sum(min(0.0, e.slack) for e in ends), 4)
    setup_slacks = [
        (p.endpoint, p.slack) for p in paths if p.path_type == "max" and p.slack is not None
    ]
    if ws is None and setup_slacks:
        ws, source = min(s for _, s in setup_slacks), "paths"
        worst_per_end: dict[str, float] = {}
        for end, s in setup_slacks:
            worst_per_end[end] = min(s, worst_per_end.get(end, s))
        tns = round(sum(min(0.0, s) for s in worst_per_end.values()), 4)  # lower bound
    hold = [p.slack for p in paths if p.path_type == "min" and p.slack is not None]
    hmin = re.search(rf"report_worst_slack -min.*\n=+\s*\nworst slack\s+({_NUM})", text)
    if hmin:
        hold.append(float(hmin.group(1)))
    return {
        "worst_slack": ws,
        "wns": None if ws is None else min(0.0, ws),
        "tns": tns if tns is not None else (0.0 if ws is not None and ws >= 0 else None),
        "hold_worst_slack": min(hold) if hold else None,
        "violations": table.get("violations"),
        "source": source,
    }


def net_fanouts(text: str) -> list[dict[str, int]]:
    """Per path (same order as parse_paths): driver pin -> fanout of the net it drives.

    OpenROAD's `-fields {fanout}` prints the fanout on the '(net)' line under the driver pin,
    which `parse_paths` does not read.
    """
    out = []
    for chunk in re.split(r"(?m)^(?=Startpoint: )", text):
        if not chunk.startswith("Startpoint: "):
            continue
        last_pin = None
        fan: dict[str, int] = {}
        for line in chunk.split("data arrival time")[0].splitlines():
            m = re.match(r"^\s*(\d+)\s+(?:" + _NUM + r"\s+)*(\S+) \(net\)\s*$", line)
            if m and last_pin:
                fan[last_pin] = int(m.group(1))
                continue
            p = re.match(rf"^\s*(?:{_NUM}\s+)+[\^v]\s+(\S+)", line)
            if p:
                last_pin = p.group(1)
                fo = re.match(rf"^\s*(\d+)\s+(?:{_NUM}\s+){{3,}}[\^v]", line)
                if fo:  # fanout column on the pin line (our OpenSTA with -fields fanout)
                    fan[last_pin] = int(fo.group(1))
        out.append(fan)
    return out


def _clock(point: str) -> str | None:
    m = re.search(r"clocked by (\S+?)\)", point)
    return m.group(1) if m else None


# ------------------------------------------------------------------------------ causes
def _logic_cells(path: TimingPath) -> list[tuple[str, str]]:
    """(instance, cell type) of each combinational cell on the path, in order."""
    start = instance_of(path.stages[0].pin)[0] if path.stages else None
    end = instance_of(path.stages[-1].pin)[0] if path.stages else None
    cells: list[tuple[str, str]] = []
    for s in path.stages:
        inst, port = instance_of(s.pin)
        if port is None or s.cell is None or inst in (start, end):
            continue
        if not cells or cells[-1][0] != inst:
            cells.append((inst, s.cell))
    return cells


def path_causes(
    path: TimingPath, rtl: list[dict], fanouts: dict[str, int], mapper: PathMapper | None
) -> list[dict]:
    causes: list[dict] = []
    logic = _logic_cells(path)
    levels = len(logic)
    delay = (path.stages[-1].arrival - path.stages[0].arrival) if path.stages else 0.0
    if levels >= DEEP_LEVELS:
        causes.append(
            {
                "class": "deep_combinational_chain",
                "score": round(levels / DEEP_LEVELS, 2),
                "evidence": f"{levels} logic levels between start and end "
                f"({delay:.3g} ns of data delay, "
                f"{delay / max(levels, 1):.3g} ns per level)",
            }
        )
    ops = [e for e in rtl if e.get("op") in ARITH | COMPARE | SHIFT]
    arith_cells = [c for _i, c in logic if _ARITH_CELL.search(c)]
    wide = [e for e in ops if e.get("width", 0) >= WIDE_BITS or e["op"] == "$mul"]
    if wide:
        desc = ", ".join(
            f"{e['width']}-bit {OP_TEXT.get(e['op'], e['op'])} "
            f"({e['signal']}) at {e['file']}:{e['line']}"
            for e in wide[:4]
        )
        score = 1.0 + sum(1.5 if e["op"] in ("$mul", "$div", "$mod") else 0.5 for e in wide)
        causes.append(
            {
                "class": "wide_arithmetic",
                "score": round(score, 2),
                "evidence": desc
                + (f"; {len(arith_cells)} XOR/adder cells on the path" if arith_cells else ""),
            }
        )
    elif levels and len(arith_cells) >= 4 and len(arith_cells) >= levels / 4:
        causes.append(
            {
                "class": "wide_arithmetic",
                "score": round(len(arith_cells) / levels + 0.5, 2),
                "evidence": f"{len(arith_cells)} of {levels} cells are XOR/adder cells "
                "(carry/partial-product logic)",
            }
        )
    worst_fo = None
    for s in path.stages[:-1]:
        fo = fanouts.get(s.pin) or s.fanout or (mapper.stage_fanout(s.pin) if mapper else None)
        if fo and (worst_fo is None or fo > worst_fo[1]):
            worst_fo = (s.pin, fo)
    if worst_fo and worst_fo[1] >= HIGH_FANOUT:
        sig = None
        if mapper is not None:
            sig = mapper.point_signal(instance_of(worst_fo[0])[0], True)[0]
        causes.append(
            {
                "class": "high_fanout",
                "score": round(worst_fo[1] / HIGH_FANOUT, 2),
                "evidence": f"{worst_fo[0]}{f' ({sig})' if sig else ''} drives {worst_fo[1]} loads",
            }
        )
    muxes = [e for e in rtl if e.get("op") in MUX]
    mux_cells = [c for _i, c in logic if _MUX_CELL.search(c)]
    if len(muxes) >= MUX_CHAIN:
        lines = sorted({f"{e['file']}:{e['line']}" for e in muxes})
        causes.append(
            {
                "class": "long_mux_chain",
                "score": round(len(muxes) / MUX_CHAIN, 2),
                "evidence": f"{len(muxes)} multiplexers in series (" + ", ".join(lines[:5]) + ")",
            }
        )
    elif len(mux_cells) >= MUX_CHAIN:
        causes.append(
            {
                "class": "long_mux_chain",
                "score": round(len(mux_cells) / MUX_CHAIN, 2),
                "evidence": f"{len(mux_cells)} mux cells on the path",
            }
        )
    c1, c2 = _clock(path.startpoint), _clock(path.endpoint)
    if c1 and c2 and c1 != c2:
        causes.append(
            {
                "class": "clock_domain_crossing",
                "score": 10.0,
                "evidence": f"launched by {c1}, captured by {c2}: needs a synchronizer "
                "or a false/multicycle path, not logic optimisation",
            }
        )
    if not causes:
        causes.append(_fallback_cause(path, rtl, levels, delay))
    specific = [c["class"] for c in causes if c["class"] in ("wide_arithmetic", "long_mux_chain")]
    for c in causes:  # the depth is the symptom when an RTL construct explains it
        if c["class"] == "deep_combinational_chain" and specific:
            c["score"] = round(c["score"] / 2, 2)
            c["evidence"] += f" (largely from the {' and '.join(specific)})"
    causes.sort(key=lambda c: -c["score"])
    return causes


#: A path of at most this many logic levels that still fails is short: its period is near
#: what the library's flops alone need.
SHORT_LEVELS = 4


def _fallback_cause(path: TimingPath, rtl: list[dict], levels: int, delay: float) -> dict:
    """Every violating path gets a named cause. When no RTL construct explains it, say what the
    path is: a short one (the clock target is near the flops' own clock-to-Q + setup), or the
    control logic (enable/select/compare) that feeds a register's load mux, with its lines."""
    slack = path.slack or 0.0
    ops = [e for e in rtl if e.get("op") not in ("start", "end")]
    where = sorted({f"{e['file']}:{e['line']}" for e in ops})
    what = ", ".join(dict.fromkeys(OP_TEXT.get(e["op"], e["op"].lstrip("$")) for e in ops))
    launch = (path.stages[1].arrival - path.stages[0].arrival) if len(path.stages) > 1 else 0.0
    if levels <= SHORT_LEVELS:
        return {
            "class": "period_near_cell_floor",
            "score": 1.0,
            "evidence": f"only {levels} logic level(s) ({delay:.3g} ns of data delay, "
            f"{launch:.3g} ns of it the launching flop's clock-to-Q) and still "
            f"{-slack:.3g} ns short: the clock target is near what this "
            "library's flops and gates can do — relax the clock or pipeline "
            "the logic around"
            + (f" {', '.join(where[:3])}" if where else "")
            + (f" ({what})" if what else ""),
        }
    return {
        "class": "control_logic",
        "score": 0.8,
        "evidence": f"{levels} logic levels of control/selection logic"
        + (f" ({what})" if what else "")
        + (f" at {', '.join(where[:4])}" if where else "")
        + ": precompute the condition a cycle earlier or register it",
    }


# ------------------------------------------------------------------------------ assembly
def _short(point: str) -> str:
    return point.split(" (")[0]


def build_result(
    text: str, mapper: PathMapper | None = None, top_paths: int = 5, paths_text: str | None = None
) -> dict:
    """Figures from `text`, worst setup paths (from `paths_text`, default `text`) analysed."""
    figs = report_figures(text)
    ptext = paths_text if paths_text is not None else text
    all_paths = parse_paths(ptext)
    fans = net_fanouts(ptext)
    indexed = [
        (p, p.slack, fans[i] if i < len(fans) else {})
        for i, p in enumerate(all_paths)
        if p.path_type == "max" and p.slack is not None
    ]
    indexed.sort(key=lambda psf: psf[1])
    ws = figs["worst_slack"]
    met = ws is not None and ws >= 0 and not (figs.get("violations") or 0)
    graph = nx.DiGraph()
    out_paths: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for path, slack, fan in indexed:
        if slack >= 0 and not out_paths and met:
            break  # timing met: nothing to explain
        if slack >= 0:
            continue
        key = (path.startpoint, path.endpoint)
        if key in seen:
            continue
        seen.add(key)
        mapped = mapper.map_path(path.startpoint, path.endpoint) if mapper else {"rtl": []}
        rtl = mapped["rtl"]
        causes = path_causes(path, rtl, fan, mapper)
        nodes: list[str] = []
        for e in rtl:
            node = f"{e['signal']}@{e['file']}:{e['line']}" if e.get("line") else e["signal"]
            data = graph.nodes.get(node)
            if data is None:
                graph.add_node(
                    node,
                    paths=0,
                    worst_slack=path.slack,
                    **{k: e.get(k) for k in ("file", "line", "signal", "op")},
                )
                data = graph.nodes[node]
            data["paths"] += 1
            data["worst_slack"] = min(data["worst_slack"], path.slack)
            if nodes and nodes[-1] != node:
                graph.add_edge(nodes[-1], node)
            nodes.append(node)
        out_paths.append(
            {
                "start": _short(path.startpoint),
                "end": _short(path.endpoint),
                "start_signal": mapped.get("start_signal"),
                "end_signal": mapped.get("end_signal"),
                "clock": _clock(path.endpoint),
                "slack": path.slack,
                "arrival": path.arrival,
                "required": path.required,
                "levels": len(_logic_cells(path)),
                "rtl": [{k: e.get(k) for k in ("file", "line", "signal", "op")} for e in rtl],
                "causes": causes,
            }
        )
        if len(out_paths) >= top_paths:
            break
    if ws is None:  # no slack figure: fall back on a violation count or the paths seen
        vio = figs.get("violations")
        met = (vio == 0) if vio is not None else (False if out_paths else None)
    hotspots = sorted(
        (
            {
                "signal": d.get("signal"),
                "file": d.get("file"),
                "line": d.get("line"),
                "op": d.get("op"),
                "paths": d["paths"],
                "worst_slack": d["worst_slack"],
                "fan_in": graph.in_degree(n),
                "fan_out": graph.out_degree(n),
            }
            for n, d in graph.nodes(data=True)
            if d.get("op") not in ("start", "end")
        ),
        key=lambda h: (-h["paths"], h["worst_slack"]),
    )[:5]
    return {
        "wns": figs["wns"],
        "tns": figs["tns"],
        "worst_slack": ws,
        "met": met,
        "hold_worst_slack": figs["hold_worst_slack"],
        "figures_from": figs["source"],
        "paths": out_paths,
        "hotspots": hotspots,
        "graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
    }


def analyze_report(
    report_text: str,
    netlist_json: Path | None = None,
    rtl_json: Path | None = None,
    netlist_v: Path | None = None,
    top: str | None = None,
    top_paths: int = 5,
    roots: list[Path] | None = None,
) -> dict:
    """Analyse an existing report; RTL mapping only as far as the netlists given allow."""
    mapper = None
    if netlist_json is not None or rtl_json is not None:
        try:
            mapper = PathMapper.load(netlist_json, rtl_json, netlist_v, top, roots)
        except (OSError, ValueError) as exc:
            raise UserInputError(
                f"cannot read the netlist json: {exc}".splitlines()[0],
                "give the netlist.json written by synthesize",
            ) from exc
    return build_result(report_text, mapper, top_paths)


_RTL_SCRIPT = """{reads}
hierarchy -check -top {top}
proc
flatten
opt_expr
opt_clean
write_json rtl.json
"""


def analyze(
    design_dir: Path,
    sandbox_factory,
    clock_period_ns: float | None = None,
    top_paths: int = 5,
    registry=None,
    rtl: list[str] | None = None,
    recipe=None,
) -> dict:
    """Synthesize, run STA and analyse the design in `design_dir` (design.yaml); `rtl`
    overrides design.yaml's files (e.g. what the RTL agent wrote). Opens its own sandbox:
    a run that already has one calls `analyze_design`."""
    from siliconcrew.core.design import load_design
    from siliconcrew.core.workspace import SCRATCH_DIR, make_writable_dir
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import execute, load_registry

    design, folder = load_design(Path(design_dir))
    reg = registry or load_registry(include_plugins=False)
    make_writable_dir(folder / SCRATCH_DIR, folder)  # the tools' job folders go there
    ctx = ToolContext(folder, sandbox_factory)
    try:
        return analyze_design(
            design,
            folder,
            ctx,
            lambda n, i: execute(reg.get(n), i, ctx),
            clock_period_ns=clock_period_ns,
            top_paths=top_paths,
            rtl=rtl,
            recipe=recipe,
        )
    finally:
        ctx.close()


def analyze_design(
    design,
    folder: Path,
    ctx,
    run_tool,
    *,
    clock_period_ns: float | None = None,
    top_paths: int = 5,
    rtl: list[str] | None = None,
    recipe=None,
) -> dict:
    """The analysis on an in-memory design with an open tool context: `run_tool(name, input)`
    makes the tool calls (traced by the caller), `ctx.sandbox` runs the RTL-graph yosys pass."""
    from siliconcrew.tools.design_calls import sta_input, synthesize_input

    if rtl:
        design = design.model_copy(update={"rtl": list(rtl)})
    if not design.rtl:
        raise UserInputError(f"{design.name}: no RTL in design.yaml", "list the RTL under 'rtl:'")
    period = clock_period_ns or design.clock.period_ns
    lib = design.check_liberty()
    syn = run_tool("synthesize", synthesize_input(design, recipe=recipe))
    if not syn.ok:
        raise TimingAnalysisError(
            f"{design.name}: {syn.summary}", "fix the RTL first (`siliconcrew check`)"
        )
    sta_in = sta_input(
        design, syn.artifacts["netlist"], period, paths=min(100, max(top_paths * 4, 10))
    )
    constraints = {k: sta_in[k] for k in ("input_delay_ns", "clock_uncertainty_ns")}
    sta = run_tool("sta", sta_in)
    if not sta.ok and sta.failure != "check":
        err = UserInputError if sta.failure == "input" else TimingAnalysisError
        raise err(f"{design.name}: {sta.summary}", "see the sta report")
    report = ctx.resolve(sta.artifacts["report"]).read_text(errors="replace")
    base = {
        "design": design.name,
        "clock_period_ns": period,
        "clock_port": design.clock.port,
        "liberty": lib,
        "report": sta.artifacts["report"],
        "io_delay_ns": constraints["input_delay_ns"],
        "clock_uncertainty_ns": constraints["clock_uncertainty_ns"],
        "fmax_mhz": sta.metrics.get("clock__fmax_mhz"),
    }
    if not sta.metrics.get("timing__endpoints"):
        return {
            **base,
            "wns": None,
            "tns": None,
            "worst_slack": None,
            "met": True,
            "note": "no constrained timing paths",
            "paths": [],
            "hotspots": [],
        }
    job = ctx.job_dir("timing")
    sb = ctx.sandbox
    incs = " ".join(yosys_include_opts(ctx, [ctx.resolve(d) for d in design.include_dirs]))
    reads = "\n".join(f'read_verilog -sv {incs} "{sb.inside(ctx.resolve(f))}"' for f in design.rtl)
    (job / "rtl.ys").write_text(_RTL_SCRIPT.format(reads=reads, top=design.top))
    run = sb.run(
        ["yosys", "-q", "-l", "rtl.log", "rtl.ys"], cwd=job, timeout_s=600, log_name="yosys-rtl"
    )
    rtl_json = job / "rtl.json" if run.exit_code == 0 and (job / "rtl.json").exists() else None
    mapper = PathMapper.load(
        ctx.resolve(syn.artifacts["netlist_json"]),
        rtl_json,
        ctx.resolve(syn.artifacts["netlist"]),
        design.top,
        [folder],
    )
    sections = dict(re.findall(r"(?ms)^=== (\w+) ===\n(.*?)(?=^=== |\Z)", report))
    result = build_result(
        sections.get("setup_end", "") + "\n" + sections.get("setup_paths", ""),
        mapper,
        top_paths,
        paths_text=sections.get("setup_paths", ""),
    )
    return {**base, **result, "rtl_graph": rtl_json is not None}
