"""`cocotb_run`: run a cocotb (Python) testbench in the sandbox with cocotb's own runner.

cocotb's `runner.test()` does not raise when a test fails: the verdict is in the JUnit
`results.xml` it writes, which is read back here into tests, failures and each failure's
message. The runner script is generated into the job folder and runs with the sandbox's
python3 (cocotb 2.1 is in the EDA image); the local backend needs cocotb for the system
python, and says so in one line when it is missing.
"""

from __future__ import annotations

import json
import shutil
import time
import xml.etree.ElementTree as ET

from pydantic import Field

from siliconcrew.core.errors import SandboxUnavailable, UserInputError
from siliconcrew.core.names import check_identifier
from siliconcrew.tools.base import Diagnostic, Tool, ToolContext, ToolInput, ToolResult
from siliconcrew.tools.sources import resolve_file, resolve_sources

PROBE = "import cocotb, cocotb_tools.runner; print(cocotb.__version__)"
RUNNER = """\
import json, os, sys
os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
from cocotb_tools.runner import get_runner
cfg = json.load(open("cocotb_run.json"))
runner = get_runner(cfg["simulator"])
runner.build(sources=cfg["sources"], hdl_toplevel=cfg["toplevel"], build_dir="sim_build",
             timescale=tuple(cfg["timescale"]), always=True, includes=cfg["includes"])
runner.test(hdl_toplevel=cfg["toplevel"], test_module=cfg["test_module"],
            test_dir=cfg["test_dir"], build_dir="sim_build", results_xml=cfg["results_xml"],
            extra_env={"PYTHONDONTWRITEBYTECODE": "1"})
"""


class CocotbRunInput(ToolInput):
    sources: list[str] = Field(description="HDL files (design + HDL toplevel), workspace-relative")
    toplevel: str = Field(description="HDL toplevel module the Python test drives")
    test_module: str = Field(description="the cocotb test file (.py), workspace-relative")
    simulator: str = Field("icarus", description="cocotb simulator name (icarus here)")
    timescale: tuple[str, str] = ("1ns", "1ps")
    include_dirs: list[str] = Field(default_factory=list)
    timeout_s: float = Field(300, gt=0, le=24 * 3600)


def parse_results(xml_text: str) -> tuple[int, list[dict[str, str]]]:
    """(tests run, failures) from cocotb's JUnit results.xml; a failure is {test, message}."""
    root = ET.fromstring(xml_text)
    tests, failures = 0, []
    for case in root.iter("testcase"):
        tests += 1
        for tag in ("failure", "error"):
            for bad in case.findall(tag):
                msg = (bad.get("message") or bad.text or tag).strip()
                failures.append({"test": case.get("name") or "?", "message": msg[:2000]})
    return tests, failures


class CocotbRunTool(Tool[CocotbRunInput]):
    name = "cocotb_run"
    description = "Run a cocotb (Python) testbench with icarus; tests, failures and messages"
    input_model = CocotbRunInput
    agents = ("verification",)

    def run(self, ctx: ToolContext, inp: CocotbRunInput) -> ToolResult:
        start = time.perf_counter()
        check_identifier(inp.toplevel, "toplevel")
        if inp.simulator != "icarus":
            raise UserInputError(
                f"cocotb simulator '{inp.simulator}' is not available in the sandbox",
                "use simulator: icarus",
            )
        files = resolve_sources(ctx, inp.sources)
        test = resolve_file(ctx, inp.test_module, "test module")
        if test.suffix != ".py":
            raise UserInputError(
                f"test module '{inp.test_module}' is not a .py file", "give test.py"
            )
        sb = ctx.sandbox
        job = ctx.job_dir("cocotb")
        probe = self.exec(ctx, ["python3", "-c", PROBE], job, 60, "probe")
        if probe.exit_code != 0:
            raise SandboxUnavailable(
                f"cocotb is not importable by the {sb.name} sandbox's python3",
                "rebuild the EDA image (siliconcrew sandbox build) for docker; for the local "
                "backend: pip install --break-system-packages cocotb==2.1.0 for /usr/bin/python3",
            )
        # The test's folder (the module and the data files beside it, e.g. vectors) is copied
        # into the job: the simulator runs there and writes its dumps and results.xml, and
        # the design folder stays read-only to the sandbox.
        test_dir = job / "test"
        test_dir.mkdir()
        budget = 64 * 1024 * 1024
        for f in sorted(test.parent.iterdir()):
            if f.is_file() and not f.is_symlink() and f.stat().st_size <= budget:
                shutil.copyfile(f, test_dir / f.name)
                budget -= f.stat().st_size
        sb.make_tree_writable(test_dir)
        cfg = {
            "simulator": inp.simulator,
            "sources": [sb.inside(f) for f in files],
            "toplevel": inp.toplevel,
            "test_module": test.stem,
            "test_dir": sb.inside(test_dir),
            "results_xml": sb.inside(job / "results.xml"),
            "timescale": list(inp.timescale),
            "includes": [sb.inside(ctx.resolve(d)) for d in inp.include_dirs],
        }
        (job / "cocotb_run.json").write_text(json.dumps(cfg, indent=1))
        (job / "cocotb_run.py").write_text(RUNNER)
        run = self.exec(ctx, ["python3", "cocotb_run.py"], job, inp.timeout_s, "cocotb")
        results = job / "results.xml"
        artifacts = {"log": ctx.rel(run.log_path)}
        if not results.is_file():
            why = "timed out" if run.timed_out else f"exit code {run.exit_code}, no results.xml"
            tail = (run.output.strip().splitlines() or [why])[-1]
            return self.result(
                ctx,
                ok=False,
                start=start,
                log=run,
                summary=f"cocotb did not run the tests ({why}): {tail[:200]}",
                diagnostics=[Diagnostic(code="cocotb", message=tail[:500])],
                failure="timeout" if run.timed_out else "check",
                artifacts=artifacts,
            )
        artifacts["results_xml"] = ctx.rel(results)
        tests, failures = parse_results(results.read_text(errors="replace"))
        ok = tests > 0 and not failures
        diags = [
            Diagnostic(code="cocotb-fail", message=f"{f['test']}: {f['message']}") for f in failures
        ]
        if tests == 0:
            diags.append(Diagnostic(code="cocotb", message="results.xml lists no test"))
        summary = (
            f"cocotb: {tests} test(s) passed"
            if ok
            else f"cocotb: {len(failures)} of {tests} test(s) failed"
            + (f": {failures[0]['message'].splitlines()[0][:200]}" if failures else "")
        )
        return self.result(
            ctx,
            ok=ok,
            start=start,
            log=run,
            summary=summary,
            diagnostics=diags,
            failure=None if ok else "check",
            artifacts=artifacts,
            metrics={"cocotb__tests": tests, "cocotb__failures": len(failures)},
        )
