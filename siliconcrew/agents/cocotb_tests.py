"""Verification agent, cocotb flavour: with no golden test and `verification: {own_testbench:
cocotb}`, the agent writes a cocotb (Python) test from the spec and runs it on the RTL.

Like the agent's Verilog testbench it is judged apart (marked agent-written: a failure may be
the test's fault, and the evidence says so). A test module that cocotb cannot run (a Python
error, no test collected) is rewritten once with the error, as a testbench that does not
compile is.
"""

from __future__ import annotations

from typing import Any

from siliconcrew.tools.run_context import RunContext

COCOTB_SYSTEM = """You are a verification engineer. Write a cocotb 2.x test module (Python) for
the Verilog module described; the simulator is Icarus Verilog and the HDL toplevel is {top}.
Rules: `import cocotb`, `from cocotb.clock import Clock`, `from cocotb.triggers import
RisingEdge, FallingEdge, Timer`; decorate every test with `@cocotb.test()`; start a clock with
`cocotb.start_soon(Clock(dut.<clk>, 10, unit="ns").start())` if the design has one; apply reset
first; drive inputs on the falling edge and check outputs after the rising edge against a
reference model written in Python; use plain `assert actual == expected, f"..."` with the
values in the message. Answer with the whole file in ONE ```python block."""


def run_own_cocotb(ctx: RunContext, rtl_files: list[str], plan: dict[str, Any]) -> dict[str, Any]:
    """No golden test: the agent writes tb/test_sc_<top>.py and cocotb runs it on the RTL."""
    from siliconcrew.agents.codeblocks import code_blocks
    from siliconcrew.agents.planner import spec_text

    d = ctx.design
    module = f"test_sc_{d.top}"
    path = f"tb/{module}.py"
    feedback = ""
    res = None
    for _ in range(2):  # a module cocotb cannot run is rewritten once, with the error
        if feedback or not (ctx.folder / path).is_file():
            rtl = "\n".join((ctx.folder / f).read_text(errors="replace") for f in rtl_files)[:20000]
            reply = ctx.llm.chat(
                "verification",
                [
                    {"role": "system", "content": COCOTB_SYSTEM.format(top=d.top)},
                    {
                        "role": "user",
                        "content": f"Spec:\n{spec_text(ctx)}\n\nPorts/plan:\n{plan}\n\n"
                        f"RTL under test:\n```verilog\n{rtl}\n```{feedback}",
                    },
                ],
            )
            blocks = [b for b in code_blocks(reply.content, ("python", "py")) if "cocotb" in b]
            if not blocks:
                return _skipped("the model wrote no usable cocotb test")
            wrote = ctx.tool("verify", "write_file", {"path": path, "content": blocks[0]})
            if not wrote.ok:
                return _skipped(f"own cocotb test could not be written: {wrote.summary}")
        res = ctx.tool(
            "verify",
            "cocotb_run",
            {
                "sources": list(rtl_files),
                "toplevel": d.top,
                "test_module": path,
                "include_dirs": d.include_dirs,
                "timeout_s": max(d.verification.timeout_s, 120),
            },
        )
        if _test_ran(res):
            break
        feedback = (
            "\n\nYour previous cocotb test did not run (no test passed or failed):\n"
            + "\n".join(x.message for x in res.diagnostics[:5])[:2000]
        )
    else:
        return _skipped(f"own cocotb test {path} does not run after a rewrite")
    assert res is not None
    out: dict[str, Any] = {
        "ok": res.ok,
        "summary": f"agent-written cocotb test {path}: {res.summary}",
        "agent_written": True,
        "testbench": path,
    }
    if not res.ok:
        lines = ["(agent-written cocotb test: the test itself may be wrong)", res.summary]
        lines += [x.message[:600] for x in res.diagnostics[:6]]
        out["evidence"] = "\n".join(dict.fromkeys(lines))[:4000]
    return out


def _test_ran(res) -> bool:
    """True when cocotb ran at least one test to a verdict (pass or assertion failure)."""
    return bool(res.metrics.get("cocotb__tests"))


def _skipped(why: str) -> dict[str, Any]:
    return {
        "ok": True,
        "skipped": why,
        "summary": f"{why} (functional verification skipped)",
        "agent_written": True,
    }
