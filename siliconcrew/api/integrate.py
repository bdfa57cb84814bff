"""`integrate`: wrap a design for a shuttle harness (Caravel or Tiny Tapeout) and check it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from siliconcrew.api.context import (
    ProgressFn,
    WarningFn,
    load_checked_design,
    resolve_settings,
    sandbox_factory,
)
from siliconcrew.api.results import IntegrateResult

if TYPE_CHECKING:
    from siliconcrew.core.cancel import CancelToken
    from siliconcrew.core.settings import Settings


def integrate(
    target: str,
    design_dir: Path | str,
    *,
    base: int | str | None = None,
    sandbox: str | None = None,
    unsafe_host: bool = False,
    settings: Settings | None = None,
    progress: ProgressFn | None = None,
    on_warning: WarningFn | None = None,
    cancel: CancelToken | None = None,
    decode_base: int | None = None,
) -> IntegrateResult:
    """Write `runs/<id>/integrate/<target>/` (a folder for the harness repository) and run
    the checks that can run here. `ok` when every check that ran passed. `base` (caravel: the
    Wishbone bridge's address) may be written as text ("0x30001000"). `decode_base` is for
    tests: the bridge then decodes another base than the documented one."""
    from siliconcrew.core.errors import UserInputError
    from siliconcrew.core.rundir import RunDir
    from siliconcrew.steps.integrate import TARGETS, IntegrateInput, IntegrateStep
    from siliconcrew.tools.registry import load_registry
    from siliconcrew.tools.run_context import RunContext

    if target not in TARGETS:
        raise UserInputError(f"unknown integration target '{target}'", "use caravel or tinytapeout")
    base = parse_address(base)
    design, folder = load_checked_design(Path(design_dir), on_warning)
    settings = resolve_settings(settings, sandbox, unsafe_host)
    run_dir = RunDir(folder)
    ctx = RunContext(
        llm=_llm_client(settings, run_dir),
        design=design,
        folder=folder,
        run_dir=run_dir,
        registry=load_registry(),
        sandbox_factory=sandbox_factory(settings, cancel),
    )
    try:
        run_dir.event("run_start", flow="integrate", design=design.name, target=target)
        step = IntegrateStep()
        res = step.run(
            ctx, IntegrateInput(target=target, base=base, decode_base=decode_base), progress
        )
        data = {
            "run_id": run_dir.run_id,
            "run_dir": str(run_dir.path),
            "target": target,
            "folder": res.outputs["folder"],
            "ok": res.ok,
            "steps": [
                {
                    "step": r.name,
                    "skipped": r.skipped,
                    "result": r.result.model_dump() if r.result else None,
                }
                for r in res.runs
            ],
            "register_map": res.outputs.get("register_map"),
            "pinout": res.outputs.get("pinout"),
            "trace_samples": res.outputs.get("trace_samples", 0),
            "mapping": res.outputs.get("mapping"),
            "mapping_note": res.outputs.get("mapping_note"),
            "include_files": res.outputs.get("include_files", []),
        }
        run_dir.write_json("results.json", data)
        run_dir.event("run_end", ok=res.ok)
    except UserInputError as exc:
        # The run folder then says why it holds no harness (too many pins for a tile, ...).
        run_dir.event("run_end", ok=False, refused=exc.message, fix=exc.hint)
        raise
    finally:
        ctx.close()
    return IntegrateResult.model_validate(data)


def parse_address(value: int | str | None) -> int | None:
    """An address given as a number or as text in any Python base (0x30000000, 805306368)."""
    if value is None or isinstance(value, int):
        return value
    from siliconcrew.core.errors import UserInputError

    try:
        return int(value, 0)
    except ValueError:
        raise UserInputError(
            f"base '{value}' is not a number", "give an address such as 0x30000000"
        ) from None


def _llm_client(settings, run_dir):
    """The configured endpoint's client (the integration agent proposes the pin mapping), or
    None: without one the deterministic mapping is used."""
    from siliconcrew.agents.llm import LLMClient
    from siliconcrew.agents.llm_config import load_llm_settings

    llm = load_llm_settings(settings.llm)
    if not llm.configured:
        return None
    return LLMClient(llm, trace=run_dir.event, log_dir=run_dir.path / "llm")
