"""SiliconCrew's operations API: the one layer under every front door.

The CLI, chat, the MCP server and the batch runner call these functions and render what they
return. Each takes plain arguments (a design folder, options, callbacks for progress where the
work is long) and returns a typed result whose `model_dump()` is the CLI's `--json` output.
Bad input raises `UserInputError` (one line: what is wrong — how to fix it; the CLI exits 2);
a missing sandbox raises `SandboxUnavailable` (exit 3). Nothing here prints.

    from siliconcrew import api
    res = api.check("examples/counter", harden=False)
    res.ok, res.exit_code, res.model_dump()
"""

from siliconcrew.api.bench import verilog_eval
from siliconcrew.api.checks import check
from siliconcrew.api.context import load_settings, sandbox_factory
from siliconcrew.api.design import check_design_data, design_info
from siliconcrew.api.hardening import harden, harden_plan
from siliconcrew.api.integrate import integrate
from siliconcrew.api.kb import (
    kb_doctor,
    kb_ingest,
    kb_list,
    kb_location,
    kb_reset,
    kb_search,
    kb_seed,
    kb_stats,
)
from siliconcrew.api.reports import report
from siliconcrew.api.results import (
    ApiResult,
    BenchResult,
    CheckResult,
    CheckStep,
    DesignInfo,
    DoctorResult,
    HardenResult,
    ImageBuildResult,
    IngestItem,
    IngestResults,
    IntegrateResult,
    KbDoctorResult,
    KbHit,
    KbHits,
    KbSeedResult,
    KbStats,
    PruneResult,
    ReportResult,
    RunResult,
    TimingRepairResult,
    TimingResult,
    ToolCallResult,
    ToolInfo,
    ToolList,
)
from siliconcrew.api.runs import run
from siliconcrew.api.sandbox import build_image, doctor, prune
from siliconcrew.api.timing_debug import timing, timing_repair
from siliconcrew.api.tools import call_tool, list_tools
from siliconcrew.core.cancel import Cancelled, CancelToken
from siliconcrew.core.errors import SandboxUnavailable, SiliconCrewError, UserInputError

__all__ = [
    "check",
    "run",
    "harden",
    "harden_plan",
    "integrate",
    "check_design_data",
    "timing",
    "timing_repair",
    "call_tool",
    "list_tools",
    "kb_search",
    "kb_ingest",
    "kb_list",
    "kb_stats",
    "kb_doctor",
    "kb_seed",
    "kb_reset",
    "kb_location",
    "doctor",
    "build_image",
    "prune",
    "report",
    "verilog_eval",
    "design_info",
    "load_settings",
    "sandbox_factory",
    "ApiResult",
    "BenchResult",
    "CheckResult",
    "CheckStep",
    "DesignInfo",
    "DoctorResult",
    "HardenResult",
    "ImageBuildResult",
    "IngestItem",
    "IngestResults",
    "IntegrateResult",
    "KbDoctorResult",
    "KbHit",
    "KbHits",
    "KbSeedResult",
    "KbStats",
    "PruneResult",
    "ReportResult",
    "RunResult",
    "TimingRepairResult",
    "TimingResult",
    "ToolCallResult",
    "ToolInfo",
    "ToolList",
    "SiliconCrewError",
    "UserInputError",
    "SandboxUnavailable",
    "CancelToken",
    "Cancelled",
]
