"""Latency-free pipelining: K output register stages that retiming moves into the logic.

When a design's latency may change (design.yaml `timing: {latency: free}`, or its spec says
`Latency: free`), a setup violation that no mapping fixes can be closed by adding register
stages: the top is renamed `<top>__core` and a generated wrapper with the top's name and
ports delays every output by K cycles (the valid output included, cleared by the reset like
the rest), so the testbench, which matches results by the valid handshake, sees the same
stream later. Synthesized with min-delay retiming, the K ranks move back into the logic.

Pure policies only (what is allowed, which port is the valid, the wrapper text): the ladder
decides K and checks every candidate (testbench on the wrapper RTL, sequential
co-simulation against the netlist, the testbench on the gate-level netlist).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from siliconcrew.core.design import Design
from siliconcrew.tools.rtl_ports import ModuleInterface, Port, read_module

CORE_SUFFIX = "__core"
#: `Latency: free` (the evaluation set's spec line), `latency is free`, `pipelining allowed`.
_SPEC_FREE = re.compile(
    r"latency\s*(?::|is)\s*\**\s*(?:free|flexible|not fixed)|pipelining\s+(?:is\s+)?allowed",
    re.IGNORECASE,
)
_SPEC_FIXED = re.compile(r"latency\s*(?::|is)\s*\**\s*fixed", re.IGNORECASE)
_RESET_HIGH = ("rst", "reset", "rst_i", "reset_i", "srst", "clear")
_RESET_LOW = ("rst_n", "rstn", "resetn", "reset_n", "rst_ni", "nrst", "arst_n", "aresetn")


@dataclass
class LatencyPolicy:
    """May the latency change, who said so, and which output marks a result."""

    free: bool
    source: str
    valid: str | None = None


def latency_policy(design: Design, spec_text: str | None) -> LatencyPolicy:
    """design.yaml `timing.latency` decides; when it is not set, the spec's own words do
    (a `fixed` anywhere wins over a `free`: when in doubt the latency is kept)."""
    t = design.timing
    if t.latency is not None:
        return LatencyPolicy(t.latency == "free", "design.yaml timing.latency", t.valid)
    text = spec_text or ""
    if _SPEC_FIXED.search(text):
        return LatencyPolicy(False, "spec: latency fixed", t.valid)
    m = _SPEC_FREE.search(text)
    if m:
        return LatencyPolicy(True, f"spec: '{m.group(0)}'", t.valid)
    return LatencyPolicy(False, "no latency statement (design.yaml timing.latency, spec)")


@dataclass
class PipelinePlan:
    """What a wrapper needs: the interface, the clock, the reset and the valid output."""

    iface: ModuleInterface
    clock: str
    reset: str
    reset_active_low: bool
    reset_async: bool
    valid: str
    notes: list[str] = field(default_factory=list)


def plan_pipeline(
    iface: ModuleInterface, clock: str | None, policy: LatencyPolicy, rtl_text: str
) -> PipelinePlan | str:
    """A plan, or why output pipelining would not be safe (one line)."""
    if not policy.free:
        return f"latency is not free ({policy.source})"
    if iface.parameters:
        return (
            f"the top has parameters ({', '.join(iface.parameters)}): "
            "a wrapper would fix their values"
        )
    if iface.port_errors:
        name, error = next(iter(iface.port_errors.items()))
        return f"port {name} cannot be sized: {error}"
    for p in iface.ports:
        if p.direction not in ("input", "output"):
            return f"port {p.name} is not a plain input or output ({p.direction})"
        if p.decl() is None or p.width <= 0:
            return f"port {p.name} has a type a wrapper cannot redeclare ({p.type})"
    inputs = {p.name: p for p in iface.ports if p.direction == "input"}
    outputs = [p for p in iface.ports if p.direction == "output"]
    if not clock or clock not in inputs:
        return "no clock port (design.yaml clock.port) among the inputs"
    if any("ready" in name.lower() for name in inputs):
        return "a ready input (back-pressure): added stages could not stall"
    valid = policy.valid
    if valid is None:
        named = [p.name for p in outputs if "valid" in p.name.lower() and p.width == 1]
        if len(named) != 1:
            return (
                "no single 1-bit valid output to mark results "
                f"({', '.join(named) or 'none'}; set design.yaml timing.valid)"
            )
        valid = named[0]
    elif valid not in {p.name for p in outputs}:
        return f"timing.valid '{valid}' is not an output of {iface.top}"
    reset = next((n for n in inputs if n.lower() in _RESET_HIGH + _RESET_LOW), None)
    if reset is None:
        return "no reset input (rst, rst_n, ...) to clear the added valid stages"
    low = reset.lower() in _RESET_LOW
    edge = "negedge" if low else "posedge"
    is_async = bool(re.search(rf"@\s*\([^)]*\b{edge}\s+{re.escape(reset)}\b", rtl_text))
    return PipelinePlan(iface, clock, reset, low, is_async, valid)


def rename_module(text: bytes, start: int, end: int, new: str) -> bytes:
    """The RTL with the module name at byte offsets [start, end) replaced by `new`."""
    return text[:start] + new.encode() + text[end:]


def wrapper_verilog(plan: PipelinePlan, stages: int) -> str:
    """Verilog-2005 wrapper: the top's ports; every output delayed `stages` cycles through
    registers the reset clears (the valid's first)."""
    if stages < 1:
        raise ValueError("stages must be >= 1")
    top = plan.iface.top
    ports = plan.iface.ports
    outs = [p for p in ports if p.direction == "output"]
    decl = ",\n".join(f"    {p.direction} wire {p.decl()}{p.name}" for p in ports)
    lines = [
        f"// Generated by siliconcrew timing repair: {stages} output register stage(s) on",
        f"// {top} (latency free); synthesis with retiming moves them into the logic.",
        f"module {top} (\n{decl}\n);",
    ]
    for p in outs:
        lines.append(f"    wire {p.decl()}{p.name}__c;")
    conns = ", ".join(
        f".{p.name}({p.name}__c)" if p.direction == "output" else f".{p.name}({p.name})"
        for p in ports
    )
    lines.append(f"    {top}{CORE_SUFFIX} core ({conns});")
    for p in outs:
        for k in range(1, stages + 1):
            lines.append(f"    reg {p.decl()}{p.name}__s{k};")
    active = f"!{plan.reset}" if plan.reset_active_low else plan.reset
    sens = f"posedge {plan.clock}"
    if plan.reset_async:
        sens += f" or {'negedge' if plan.reset_active_low else 'posedge'} {plan.reset}"
    # valid first: its clear is what keeps a result from before a reset from appearing after
    ordered = sorted(outs, key=lambda p: p.name != plan.valid)
    lines.append(f"    always @({sens}) begin")
    lines.append(f"        if ({active}) begin")
    for p in ordered:
        for k in range(1, stages + 1):
            lines.append(f"            {p.name}__s{k} <= {_zero(p)};")
    lines.append("        end else begin")
    for p in ordered:
        lines.append(f"            {p.name}__s1 <= {p.name}__c;")
        for k in range(2, stages + 1):
            lines.append(f"            {p.name}__s{k} <= {p.name}__s{k - 1};")
    lines.append("        end")
    lines.append("    end")
    for p in outs:
        lines.append(f"    assign {p.name} = {p.name}__s{stages};")
    lines.append("endmodule")
    return "\n".join(lines) + "\n"


def _zero(p: Port) -> str:
    return f"{p.width}'d0" if p.width > 1 else "1'b0"


def stage_counts(max_stages: int) -> list[int]:
    """K tried in order: the fewest added cycles first (each costs latency and flops)."""
    return list(range(1, max(1, max_stages) + 1))


class Pipeliner:
    """Writes the pipelined RTL of a design for a stage count: the top's file with the top
    renamed `<top>__core` and the generated wrapper, under `out_rel` in the design folder
    (a run folder: design files are never changed). Other RTL files are used as they are."""

    def __init__(self, design: Design, folder: Path, out_rel: str, spec_text: str | None) -> None:
        self.design, self.folder, self.out_rel = design, folder, out_rel.rstrip("/")
        self.policy = latency_policy(design, spec_text)

    def plan(self, rtl: list[str]) -> PipelinePlan | str:
        if not self.policy.free:
            return f"latency is not free ({self.policy.source})"
        files = [self.folder / f for f in rtl]
        incs = [self.folder / d for d in self.design.include_dirs]
        iface = read_module(files, self.design.top, include_dirs=incs)
        if isinstance(iface, str):
            return iface
        if iface.file.resolve() not in {f.resolve() for f in files}:
            return f"the top is written in an included file ({iface.file.name}): not renamed"
        if iface.file.read_bytes()[iface.name_start : iface.name_end] != iface.top.encode():
            return "the top's name is not written out (a macro?): it cannot be renamed"
        text = "\n".join((self.folder / f).read_text(errors="replace") for f in rtl)
        return plan_pipeline(iface, self.design.clock.port, self.policy, text)

    def files(self, plan: PipelinePlan, rtl: list[str], stages: int) -> list[str]:
        out = self.folder / self.out_rel / f"stages-{stages}"
        out.mkdir(parents=True, exist_ok=True)
        top_file = plan.iface.file.resolve()
        core = out / top_file.name
        core.write_bytes(
            rename_module(
                top_file.read_bytes(),
                plan.iface.name_start,
                plan.iface.name_end,
                plan.iface.top + CORE_SUFFIX,
            )
        )
        wrapper = out / f"{plan.iface.top}_pipelined.v"
        wrapper.write_text(wrapper_verilog(plan, stages))
        rel = lambda p: p.relative_to(self.folder).as_posix()  # noqa: E731
        kept = [f for f in rtl if (self.folder / f).resolve() != top_file]
        return [*kept, rel(core), rel(wrapper)]
