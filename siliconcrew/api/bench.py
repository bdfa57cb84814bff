"""`bench verilog-eval`: the RTL agent on VerilogEval v2 spec-to-rtl problems, judged as
VerilogEval does."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from siliconcrew.api.context import resolve_settings
from siliconcrew.api.results import BenchResult
from siliconcrew.core.errors import UserInputError

if TYPE_CHECKING:
    from siliconcrew.core.settings import Settings


def default_out() -> Path:
    return Path("verilog-eval-results") / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")


def verilog_eval(
    dataset: Path | str,
    *,
    problems: str = "*",
    samples: int = 1,
    jobs: int = 1,
    candidates: int = 1,
    out: Path | str | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: Callable[[Any], None] | None = None,
) -> BenchResult:
    """Run the benchmark; results.json is written in `out` (default ./verilog-eval-results/
    <time>). `progress` gets each judged sample. `candidates` > 1: best-of-N answers per
    sample, picked by simulation (pass@1 is the pick's; `per_sample_pass_rate` every
    candidate's). Needs an LLM endpoint."""
    from siliconcrew.agents.llm import LLMClient
    from siliconcrew.agents.llm_config import load_llm_settings
    from siliconcrew.pipelines.verilog_eval import run_bench
    from siliconcrew.sandbox import open_sandbox

    settings = resolve_settings(settings, sandbox, unsafe_host)
    llm_settings = load_llm_settings(settings.llm)
    if not llm_settings.configured:
        raise UserInputError(
            "the benchmark needs an LLM endpoint",
            "set OPENAI_BASE_URL (or OPENAI_API_KEY) and SILICONCREW_MODEL",
        )
    out = Path(out) if out else default_out()
    out.mkdir(parents=True, exist_ok=True)
    llm = LLMClient(llm_settings, log_dir=out / "llm")
    with open_sandbox(out.resolve(), settings.sandbox) as sb:
        report = run_bench(
            Path(dataset),
            llm,
            sb,
            out.resolve(),
            pattern=problems,
            samples=samples,
            jobs=jobs,
            candidates=candidates,
            progress=progress,
        )
    data = report.to_dict()
    data["llm"] = llm.usage.to_dict()
    (out / "results.json").write_text(json.dumps(data, indent=2))
    result = BenchResult.model_validate(data)
    result._results_path = str(out / "results.json")
    return result
