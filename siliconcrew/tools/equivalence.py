"""`equivalence`: prove a synthesized netlist equals its RTL with Yosys' equiv_* passes.

The liberty is read with cell functions (not as blackboxes) so the gate netlist has real
logic; `equiv_simple` + `equiv_induct` then prove matching signals equal. "Unproven" is not
"different": the result says which signals could not be proven so a human or agent can look.

No proof is attempted where its answer would mean nothing: when the RTL drives `z`
(tri-state buses; yosys' SAT models `z` as an unconstrained value and a net with several
drivers as a contradiction, so such a "proof" held for a netlist that drove constant 0),
has inout ports or multiply-driven nets, or when the netlist has tri-state cells (yosys 0.23
reads TBUFX1 as a plain inverter). The verdict then comes from the random co-simulation,
which compares `z` as a value, and says so.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Literal

from pydantic import Field

from siliconcrew.core.names import check_identifier
from siliconcrew.core.params import (
    ParamValue,
    check_parameters,
    chparam_line,
    instance_override,
    unknown_parameter,
)
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.diagnostics import first_errors, parse_yosys
from siliconcrew.tools.equiv_sim import (
    OSU_TRISTATE_CELLS,
    RtlFacts,
    Stimulus,
    analysis_script,
    liberty_tristate_cells,
    netlist_ports,
    netlist_tristate,
    plan_stimulus,
    rename_module,
    rtl_facts,
    testbench,
)
from siliconcrew.tools.sources import (
    TECH_LIBERTY,
    check_defines,
    liberty_inside,
    resolve_dirs,
    resolve_file,
    resolve_sources,
    stage_data_files,
    yosys_include_opts,
)

_PROVEN = re.compile(r"Of those cells (\d+) are proven and (\d+) are unproven")
_FOUND = re.compile(r"Found (\d+) \$equiv cells")
_UNPROVEN = re.compile(r"Unproven \$equiv \S+: (\S+(?: \[\d+\])?) (\S+(?: \[\d+\])?)")


class EquivalenceInput(ToolInput):
    files: list[str] = Field(description="RTL files of the design (gold)")
    netlist: str = Field(description="gate-level netlist to check (gate)")
    top: str
    liberty: str | None = Field(None, description="liberty the netlist was mapped to")
    defines: dict[str, str | int | None] = Field(default_factory=dict)
    include_dirs: list[str] = Field(default_factory=list, description="`include search dirs")
    parameters: dict[str, ParamValue] = Field(
        default_factory=dict,
        description="top-level parameter values the netlist was built "
        "with: the RTL side is elaborated with them too",
    )
    seq_depth: int = Field(5, ge=1, le=50, description="induction depth for sequential logic")
    method: Literal["auto", "formal", "simulation"] = Field(
        "auto",
        description="auto: formal proof, then random simulation if it times out or cannot prove",
    )
    formal_timeout_s: float = Field(60, gt=0, description="time box for the proof in auto mode")
    clock_port: str | None = Field(
        None, description="clock for the simulation (default: clk/clock if present)"
    )
    sim_cycles: int = Field(2000, ge=10, le=1_000_000)
    timeout_s: float = Field(600, gt=0)


class EquivalenceTool(Tool[EquivalenceInput]):
    name = "equivalence"
    description = "Check RTL vs synthesized netlist equivalence (yosys equiv_make/simple/induct)"
    input_model = EquivalenceInput

    def run(self, ctx: ToolContext, inp: EquivalenceInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.top, "top")
        if inp.clock_port:
            check_identifier(inp.clock_port, "clock_port")
        files = resolve_sources(ctx, inp.files)
        check_parameters(inp.parameters)
        netlist = resolve_file(ctx, inp.netlist, "netlist")
        job = ctx.job_dir("equivalence")
        stage_data_files(ctx.workspace, files, job)  # $readmemh in the RTL
        facts = self._rtl_facts(ctx, inp, files, job)
        formal = None
        if inp.method in ("auto", "formal"):
            blockers = (facts.formal_blockers() if facts else []) + self._netlist_blockers(
                ctx, inp, netlist
            )
            if blockers:
                formal = self._not_provable(ctx, inp, blockers, start)
                if inp.method == "formal":
                    return formal
            else:
                budget = inp.formal_timeout_s if inp.method == "auto" else inp.timeout_s
                formal = self._formal(ctx, inp, files, netlist, budget, start, job)
                if formal.ok or inp.method == "formal" or formal.failure == "tool":
                    return formal
        sim = self._simulate(ctx, inp, files, netlist, start, formal, facts)
        if sim is not None:
            return sim
        if formal is not None:  # no cell models for a simulation: the formal verdict stands
            return formal
        # method "simulation" and no simulation possible: a failure that says why
        return self.result(
            ctx,
            ok=False,
            start=start,
            failure="input",
            summary=f"equivalence by simulation needs the cell models of a bundled library "
            f"({', '.join(TECH_LIBERTY)}) and the ports of '{inp.top}' in the "
            "netlist; use method auto or formal",
        )

    def _rtl_facts(
        self, ctx: ToolContext, inp: EquivalenceInput, files, job: Path
    ) -> RtlFacts | None:
        """Clocks, async resets and tri-state drivers of the RTL (one quick yosys `prep`).
        None when yosys cannot read the RTL: the formal step then reports why."""
        defines = " ".join(
            [*(f"-D{d}" for d in check_defines(inp.defines)), *_include_opts(ctx, inp, yosys=True)]
        )
        reads = (
            "\n".join(f'read_verilog -sv {defines} "{ctx.sandbox.inside(f)}"' for f in files)
            + "\n"
            + chparam_line(inp.top, inp.parameters)
        )
        (job / "rtl_facts.ys").write_text(analysis_script(reads, inp.top))
        run = self.exec(
            ctx,
            ["yosys", "-q", "-l", "rtl_facts.log", "rtl_facts.ys"],
            job,
            min(inp.timeout_s, 300),
            "yosys-rtl",
        )
        out = job / "rtl.json"
        if run.exit_code != 0 or run.timed_out or not out.exists():
            return None
        try:
            return rtl_facts(json.loads(out.read_text(errors="replace")), inp.top)
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    @staticmethod
    def _netlist_blockers(ctx: ToolContext, inp: EquivalenceInput, netlist: Path) -> list[str]:
        lib = inp.liberty or "osu018"
        cells: set[str] | frozenset[str] = OSU_TRISTATE_CELLS
        path = Path(TECH_LIBERTY[lib]) if lib in TECH_LIBERTY else ctx.resolve(lib)
        try:
            cells = liberty_tristate_cells(path.read_text(errors="replace"))
        except OSError:
            pass  # the bundled liberty lives in the sandbox image only: the OSU names stand
        found = netlist_tristate(netlist.read_text(errors="replace"), cells)
        if not found:
            return []
        return [
            f"the netlist has tri-state drivers ({', '.join(found)}): yosys 0.23 reads "
            "tri-state cells as plain buffers (their enable is lost), so a proof would "
            "not cover the z state"
        ]

    def _not_provable(
        self, ctx: ToolContext, inp: EquivalenceInput, reasons: list[str], start: float
    ) -> ToolResult:
        diags = [
            Diagnostic(
                severity="error",
                code="tri-state" if "tri-state" in r else "not-provable",
                message=r,
            )
            for r in reasons
        ]
        return self.result(
            ctx,
            ok=False,
            start=start,
            diagnostics=diags,
            failure="check",
            summary="not proven: no formal proof possible — " + reasons[0],
            metrics={
                "equiv__method": "formal",
                "equiv__signals": 0,
                "equiv__proven": 0,
                "equiv__unproven": 0,
                "equiv__formal_skipped": reasons[0],
            },
        )

    def _formal(
        self,
        ctx: ToolContext,
        inp: EquivalenceInput,
        files,
        netlist,
        budget: float,
        start: float,
        job: Path,
    ) -> ToolResult:
        defines = " ".join(
            [*(f"-D{d}" for d in check_defines(inp.defines)), *_include_opts(ctx, inp, yosys=True)]
        )
        sb = ctx.sandbox
        lib = liberty_inside(ctx, inp.liberty)
        reads = "\n".join(f'read_verilog -sv {defines} "{sb.inside(f)}"' for f in files)
        t, n = inp.top, inp.seq_depth
        # The gold side is the RTL elaborated with the parameters the netlist was built with.
        script = f"""{reads}
{chparam_line(t, inp.parameters)}
prep -flatten -top {t}
rename {t} gold
design -stash gold
read_liberty -ignore_miss_func "{lib}"
read_verilog "{sb.inside(netlist)}"
prep -flatten -top {t}
rename {t} gate
design -stash gate
design -copy-from gold -as gold gold
design -copy-from gate -as gate gate
equiv_make gold gate equiv
hierarchy -top equiv
async2sync
equiv_simple -seq {n}
equiv_induct -seq {n}
equiv_status
"""
        (job / "equiv.ys").write_text(script)
        run = self.exec(ctx, ["yosys", "-q", "-l", "equiv.log", "equiv.ys"], job, budget, "yosys")
        log_path = job / "equiv.log"
        text = log_path.read_text(errors="replace") if log_path.exists() else run.output
        artifacts = {"log": ctx.rel(log_path)} if log_path.exists() else {}
        if run.exit_code != 0 or run.timed_out:
            wrong = unknown_parameter(text, inp.top) if inp.parameters else None
            diags = (
                [Diagnostic(severity="error", code="parameter", message=wrong)] if wrong else []
            ) + [
                d
                for d in parse_yosys(text, lambda p: ctx.map_tool_path(p, job))
                if d.severity == "error"
            ] or [
                Diagnostic(
                    severity="error",
                    code="yosys",
                    message=run.killed_reason or f"yosys exit {run.exit_code}",
                )
            ]
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                diagnostics=diags,
                summary="equivalence check could not run: " + first_errors(diags),
                failure="timeout" if run.timed_out else "tool",
                artifacts=artifacts,
            )
        found = _FOUND.findall(text)
        proven = _PROVEN.findall(text)
        total = int(found[-1]) if found else 0
        n_proven, n_unproven = (
            (int(proven[-1][0]), int(proven[-1][1]))
            if proven
            else ((total, 0) if "Equivalence successfully proven" in text else (0, total))
        )
        unproven = _UNPROVEN.findall(text)
        diags = [
            Diagnostic(severity="error", code="not-proven", message=f"could not prove {g} == {h}")
            for g, h in unproven[:50]
        ]
        ok = total > 0 and n_unproven == 0
        if total == 0:
            diags.append(
                Diagnostic(
                    severity="error",
                    code="no-match",
                    message="no matching signals between RTL and netlist",
                )
            )
        summary = (
            f"equivalent: {n_proven}/{total} signals proven"
            if ok
            else f"NOT proven equivalent: {n_unproven} of {total} signals unproven"
            + (f" (first: {unproven[0][0]})" if unproven else "")
        )
        return self.result(
            ctx,
            ok=ok,
            start=start,
            log=run,
            diagnostics=diags,
            summary=summary,
            failure=None if ok else "check",
            artifacts=artifacts,
            metrics={
                "equiv__method": "formal",
                "equiv__signals": total,
                "equiv__proven": n_proven,
                "equiv__unproven": n_unproven,
            },
        )

    def _simulate(
        self,
        ctx: ToolContext,
        inp: EquivalenceInput,
        files,
        netlist,
        start: float,
        formal: ToolResult | None,
        facts: RtlFacts | None,
    ) -> ToolResult | None:
        """Random co-simulation of RTL and netlist with the library's cell models."""
        lib = inp.liberty or "osu018"
        if lib not in TECH_LIBERTY:
            return None
        cells = TECH_LIBERTY[lib].replace(".lib", ".v")
        sb = ctx.sandbox
        job = ctx.job_dir("equivalence-sim")
        stage_data_files(ctx.workspace, files, job)
        text = netlist.read_text(errors="replace")
        ports = netlist_ports(text, inp.top)
        if not ports:
            return None
        stim = plan_stimulus(ports, inp.clock_port, facts)
        gate_top = f"{inp.top}__gate"
        (job / "gate.v").write_text(rename_module(text, inp.top, gate_top))
        (job / "tb.v").write_text(
            testbench(
                inp.top,
                gate_top,
                ports,
                None,
                inp.sim_cycles,
                stimulus=stim,
                gold_params=instance_override(inp.parameters),
            )
        )
        defines = [*(f"-D{d}" for d in check_defines(inp.defines)), *_include_opts(ctx, inp)]
        comp = self.exec(
            ctx,
            [
                "iverilog",
                "-g2012",
                "-o",
                "eq.vvp",
                "-s",
                "sc_equiv_tb",
                *defines,
                *(sb.inside(f) for f in files),
                "gate.v",
                "tb.v",
                cells,
            ],
            job,
            300,
            "compile",
        )
        why_formal = (
            ""
            if formal is None
            else " (formal proof timed out)"
            if formal.failure == "timeout"
            else f" (no formal proof: {formal.metrics['equiv__formal_skipped']})"
            if formal.metrics.get("equiv__formal_skipped")
            else " (formal proof incomplete)"
        )
        if comp.exit_code != 0:
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=comp,
                failure="tool",
                summary="equivalence simulation did not compile: "
                + (comp.output.strip().splitlines() or ["?"])[0][:200],
            )
        run = self.exec(ctx, ["vvp", "-n", "eq.vvp"], job, inp.timeout_s, "run")
        m = re.search(
            r"EQUIV-SIM compared=(\d+) skipped=(\d+) errors=(\d+) x_only=(\d+)", run.output
        )
        if not m:
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                failure="tool",
                summary="equivalence simulation gave no verdict"
                + (f" ({run.killed_reason})" if run.killed_reason else ""),
            )
        compared, skipped, errors, x_only = (int(g) for g in m.groups())
        lines = run.output.splitlines()
        diags = [
            Diagnostic(severity="error", code="mismatch", message=line.strip())
            for line in lines
            if line.startswith("MISMATCH")
        ]
        artifacts = {"testbench": ctx.rel(job / "tb.v"), "run_log": ctx.rel(run.log_path)}
        ok = errors == 0 and x_only == 0 and compared > 0
        if errors:
            m_cycle = re.search(r"cycle (\d+)", diags[0].message) if diags else None
            cycle = int(m_cycle.group(1)) if m_cycle else 0
            replay = self._write_counterexample(
                job, inp, ports, stim, gate_top, cycle, files, cells, ctx
            )
            artifacts.update(replay)
            ios = [p.name for p in ports if p.direction == "inout"]
            if ios:
                diags.append(
                    Diagnostic(
                        severity="info",
                        code="inout",
                        message=f"inout {', '.join(ios)}: the testbench drives the bus weakly with "
                        "the value shown as '(tb)'; a design's own drive wins, so a value "
                        "equal to '(tb)' means that design released the bus (z)",
                    )
                )
            summary = (
                f"NOT equivalent: {errors} mismatches in {inp.sim_cycles} random cycles"
                + (f" — first: {diags[0].message}" if diags else "")
                + f"; replay: sh {replay['counterexample_script']}"
            )
        elif x_only:
            diags += _uninitialised_state(lines, files)
            summary = (
                "not decided: the netlist's outputs are X where the RTL has values "
                f"({x_only} comparisons) — {diags[-1].message}"
            )
        elif ok:
            clocks = f"clocks {', '.join(stim.clock_names)}; " if len(stim.clock_names) > 1 else ""
            tri = (
                "z compared as a value; "
                if any(p.direction == "inout" for p in ports) or (facts and facts.tristate_ports)
                else ""
            )
            summary = (
                f"no mismatch in {inp.sim_cycles} random cycles ({compared} comparisons;"
                f" {clocks}{tri}simulation, not a proof){why_formal}"
            )
        else:
            summary = "not decided: the RTL's outputs stayed X for the whole simulation"
        metrics = {
            "equiv__method": "simulation",
            "equiv__sim_cycles": inp.sim_cycles,
            "equiv__compared": compared,
            "equiv__skipped_x": skipped,
            "equiv__mismatches": errors,
            "equiv__x_only": x_only,
            "equiv__sim_clocks": stim.clock_names,
            "equiv__sim_resets": {k: int(v) for k, v in sorted(stim.resets.items())},
        }
        if formal is not None:
            metrics.update({k: v for k, v in formal.metrics.items() if k != "equiv__method"})
            metrics["equiv__formal"] = formal.summary
        return self.result(
            ctx,
            ok=ok,
            start=start,
            log=run,
            diagnostics=diags,
            summary=summary,
            failure=None if ok else "check",
            metrics=metrics,
            artifacts=artifacts,
        )

    def _write_counterexample(
        self,
        job,
        inp: EquivalenceInput,
        ports,
        stim: Stimulus,
        gate_top: str,
        cycle: int,
        files,
        cells: str,
        ctx: ToolContext,
    ) -> dict[str, str]:
        """The same seeded stimulus cut at the first mismatching cycle, plus the command that
        replays it: evidence a user can run, not just our word that the two differ."""
        tb = job / "counterexample_tb.v"
        tb.write_text(
            testbench(
                inp.top,
                gate_top,
                ports,
                None,
                cycle + 1,
                stimulus=stim,
                gold_params=instance_override(inp.parameters),
            )
        )
        srcs = " ".join(
            [
                *(f"-I{ctx.rel(d)}" for d in resolve_dirs(ctx, inp.include_dirs)),
                *(ctx.rel(f) for f in files),
            ]
        )
        script = job / "replay.sh"
        script.write_text(
            "#!/bin/sh\n# Replays the first RTL/netlist mismatch; run from the design folder.\n"
            f"iverilog -g2012 -s sc_equiv_tb -o /tmp/sc_cex.vvp {srcs} {ctx.rel(job / 'gate.v')} "
            f"{ctx.rel(tb)} {cells} && vvp -n /tmp/sc_cex.vvp\n"
        )
        return {"counterexample": ctx.rel(tb), "counterexample_script": ctx.rel(script)}


#: `reg [2:0] state = 0;` / `logic x = 1'b0;`: a variable's declaration initialiser (acts like
#: an `initial` block in simulation, means nothing to synthesis). Nets (`wire x = a & b;`) are
#: continuous assignments, not initialisers.
_DECL_INIT = re.compile(
    r"^[ \t]*(?:reg|logic|bit|integer)\b(?:[ \t]+(?:signed|unsigned))?"
    r"(?:[ \t]*\[[^\]]*\])*[ \t]*([A-Za-z_]\w*)[ \t]*=[^=]",
    re.M,
)


def _include_opts(ctx: ToolContext, inp: EquivalenceInput, yosys: bool = False) -> list[str]:
    """`-I<dir>` (in-sandbox paths) for design.yaml's include_dirs: the RTL is read by yosys
    and compiled by iverilog here exactly as lint, simulate and synthesize read it."""
    dirs = resolve_dirs(ctx, inp.include_dirs)
    if yosys:
        return yosys_include_opts(ctx, dirs)
    return [f"-I{ctx.sandbox.inside(d)}" for d in dirs]


def _strip_comments(text: str) -> str:
    """Verilog source without // and /* */ comments (so commented-out code is not read)."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def _uninitialised_state(lines: list[str], files) -> list[Diagnostic]:
    """Why the netlist is X where the RTL is not, with the fix."""
    first = next((ln.strip() for ln in lines if ln.startswith("XONLY")), "")
    uses_initial = False
    initialisers: list[str] = []
    for f in files:
        try:
            text = _strip_comments(f.read_text(errors="replace"))
        except OSError:
            continue
        if re.search(r"^\s*initial\b(?![^\n]*\$(readmem|display|dump|monitor))", text, re.M):
            uses_initial = True
        initialisers += [m.group(1) for m in _DECL_INIT.finditer(text)]
    if uses_initial:
        message = (
            "the RTL gives registers values in `initial` blocks; silicon has no initial "
            "values, so the netlist starts X — reset those registers instead"
        )
    elif initialisers:
        names = ", ".join(dict.fromkeys(initialisers[:4]))
        message = (
            f"the RTL gives registers values where they are declared ({names} = ...); "
            "silicon has no initial values, so the netlist starts X — reset those "
            "registers instead"
        )
    else:
        message = (
            "registers the random stimulus never reset stay X in the netlist (the RTL "
            "simulation starts them known) — give them a reset that does not depend "
            "on other inputs, or check with the design's own testbench"
        )
    return [
        Diagnostic(
            severity="error",
            code="uninitialised-state",
            message=message + (f" ({first})" if first else ""),
        )
    ]
