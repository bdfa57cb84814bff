"""`siliconcrew` command line. Heavy modules are imported inside commands to keep --help fast."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from siliconcrew import __version__
from siliconcrew.errors import SiliconCrewError, UserInputError

app = typer.Typer(help="SiliconCrew: multi-agent chip design from spec (or RTL) to GDS.",
                  no_args_is_help=True, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
tools_app = typer.Typer(help="List and run EDA tools (built-in and plugins).", no_args_is_help=True)
sandbox_app = typer.Typer(help="Build, check and clean the EDA sandbox.", no_args_is_help=True)
app.add_typer(tools_app, name="tools")
app.add_typer(sandbox_app, name="sandbox")
kb_app = typer.Typer(help="Search and grow the shared knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

SandboxOpt = typer.Option(None, "--sandbox", help="auto | docker | local (default: config, auto)")
UnsafeOpt = typer.Option(False, "--unsafe-host",
                         help="local backend without bubblewrap: runs tools unisolated")
JsonOpt = typer.Option(False, "--json", help="machine-readable JSON on stdout")


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _settings(sandbox: str | None, unsafe_host: bool):
    from siliconcrew.config import load_settings

    if sandbox not in (None, "auto", "docker", "local"):
        raise UserInputError(f"unknown sandbox backend '{sandbox}'", "use auto, docker or local")
    return load_settings(backend=sandbox, unsafe_host=True if unsafe_host else None)


def _load_design(design_dir: Path):
    """load_design, then its warnings on stderr (one line each): before any sandbox starts,
    so bad input is refused at once and stdout stays clean for --json."""
    from siliconcrew.design import design_warnings, load_design

    design, folder = load_design(design_dir)
    err = _console(stderr=True)
    for warning in design_warnings(design, folder):
        err.print(f"[yellow]warning[/]: {warning}", soft_wrap=True, markup=True)
    return design, folder


def _sandbox_factory(settings):
    """ws -> sandbox; a flow engine may ask for another image (e.g. LibreLane's)."""
    from siliconcrew.sandbox import open_sandbox

    def factory(ws: Path, image: str | None = None):
        sandbox_settings = settings.sandbox.model_copy(update={"image": image}) if image \
            else settings.sandbox
        return open_sandbox(ws, sandbox_settings)
    return factory


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="print the version and exit")):
    if version:
        typer.echo(f"siliconcrew {__version__}")
        raise typer.Exit(0)


# --------------------------------------------------------------------------------------- tools
@tools_app.command("list")
def tools_list(as_json: bool = JsonOpt):
    """List registered tools (built-in and plugins) with their input schema."""
    from siliconcrew.tools.registry import load_registry

    reg = load_registry()
    if as_json:
        _print_json({"tools": [{**t.schema(), "origin": reg.origin[n], "read_only": t.read_only}
                               for n, t in sorted(reg.tools.items())],
                     "plugin_errors": [e.__dict__ for e in reg.errors]})
        return
    from rich.table import Table

    table = Table(title="SiliconCrew tools")
    for col in ("name", "origin", "description", "inputs"):
        table.add_column(col)
    for name, tool in sorted(reg.tools.items()):
        props = tool.input_model.model_json_schema().get("properties", {})
        req = set(tool.input_model.model_json_schema().get("required", []))
        inputs = ", ".join(p + ("" if p in req else "?") for p in props)
        table.add_row(name, reg.origin[name], tool.description, inputs)
    con = _console()
    con.print(table)
    for err in reg.errors:
        _console(stderr=True).print(f"[yellow]plugin skipped[/]: {err.entry_point}: {err.error}")


def _read_input(raw: str) -> str:
    if raw.startswith("@"):
        path = Path(raw[1:])
        if not path.is_file():
            raise UserInputError(f"input file '{path}' not found", "use --input @path/to/input.json")
        return path.read_text()
    return raw


@tools_app.command("run")
def tools_run(
    name: str = typer.Argument(..., help="tool name (see `siliconcrew tools list`)"),
    input_: str = typer.Option(..., "--input", "-i", help="JSON object, or @file.json"),
    workspace: Path = typer.Option(Path("."), "--workspace", "-w",
                                   help="directory that input paths are relative to"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Run one tool directly. Exit code: 0 ok, 1 check failed, 2 bad input, 3 no sandbox."""
    from siliconcrew.tools.base import ToolContext
    from siliconcrew.tools.registry import execute, load_registry, parse_input

    if not workspace.is_dir():
        raise UserInputError(f"workspace '{workspace}' is not a directory", "pass --workspace DIR")
    reg = load_registry()
    tool = reg.get(name)
    raw = _read_input(input_)
    parse_input(tool, raw)  # bad JSON / schema: one-line error before any sandbox starts
    settings = _settings(sandbox, unsafe_host)
    ctx = ToolContext(workspace, _sandbox_factory(settings))
    try:
        with _console(stderr=True).status(f"running {name}…"):
            result = execute(tool, raw, ctx)
    finally:
        ctx.close()
    if result.failure in ("input", "sandbox"):
        # Refused inside the tool (path outside the workspace, missing file, no sandbox): the
        # same one-line `error:` on stderr as input refused before the run.
        sys.stderr.write(f"error: {result.summary}\n")
        if not as_json:
            raise typer.Exit(_exit_code(result))
    if as_json:
        _print_json(result.model_dump())
    else:
        _print_result(result)
    raise typer.Exit(_exit_code(result))


def _exit_code(result) -> int:
    return 0 if result.ok else {"input": 2, "sandbox": 3}.get(result.failure or "", 1)


def _fmt_metric(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _print_result(result) -> None:
    con = _console()
    color = "green" if result.ok else "red"
    con.print(f"[{color}]{'OK' if result.ok else 'FAIL'}[/] {result.tool}: {result.summary}")
    for d in result.diagnostics[:30]:
        where = f"{d.file}:{d.line}" + (f":{d.column}" if d.column else "") if d.file else ""
        sev = {"error": "red", "warning": "yellow"}.get(d.severity, "cyan")
        con.print(f"  [{sev}]{d.severity}[/] {where} {('[' + d.code + ']') if d.code else ''} "
                  f"{d.message}", markup=True, soft_wrap=True)
    if len(result.diagnostics) > 30:
        con.print(f"  … {len(result.diagnostics) - 30} more (use --json)")
    simple = {k: v for k, v in result.metrics.items() if not isinstance(v, (dict, list))}
    if simple:
        con.print("  metrics: " + ", ".join(f"{k}={_fmt_metric(v)}" for k, v in simple.items()))
    for k, v in result.artifacts.items():
        con.print(f"  {k}: {v}")
    if result.log_path:
        con.print(f"  log: {result.log_path}  ({result.backend}, {result.duration_s:.2f} s)")


# ------------------------------------------------------------------------------------- sandbox
@sandbox_app.command("doctor")
def sandbox_doctor(as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt,
                   unsafe_host: bool = UnsafeOpt):
    """Which backend runs tools, the image, each tool's version, and fixes for what is missing."""
    from siliconcrew.sandbox.doctor import run_doctor

    settings = _settings(sandbox, unsafe_host)
    report = run_doctor(settings.sandbox)
    if as_json:
        _print_json(report)
        raise typer.Exit(0 if report["ok"] else 1)
    from rich.table import Table

    con = _console()
    d, loc = report["docker"], report["local"]
    con.print(f"backend in use: [bold]{report['backend'] or 'NONE'}[/] "
              f"(configured: {report['configured_backend']})")
    con.print(f"docker daemon: {'up ' + str(d.get('server_version')) if d['daemon'] else 'down'}; "
              f"image {d['image']}: {d['image_id'] or 'missing'}")
    con.print(f"local: bwrap {'found' if loc['bwrap'] else 'missing'}; host tools missing: "
              f"{', '.join(loc['host_tools_missing']) or 'none'}")
    table = Table(title=f"tools in the {report['backend']} sandbox")
    table.add_column("tool")
    table.add_column("version")
    for k, v in report["tool_versions"].items():
        table.add_row(k, v)
    con.print(table)
    for p in report["problems"]:
        con.print(f"[red]problem[/]: {p['what']} — fix: [bold]{p['fix']}[/]")
    if report["ok"]:
        con.print("[green]sandbox ready[/]")
    raise typer.Exit(0 if report["ok"] else 1)


@sandbox_app.command("build")
def sandbox_build(
    from_registry: bool = typer.Option(False, "--from-registry",
                                       help="build FROM debian:bookworm-slim (needs a registry)"),
    rebuild: bool = typer.Option(False, "--rebuild", help="rebuild even if the image exists"),
    rebuild_base: bool = typer.Option(False, "--rebuild-base", help="re-run debootstrap too"),
    as_json: bool = JsonOpt,
):
    """Build the EDA image offline: debootstrap base + Dockerfile with Debian's EDA tools."""
    from siliconcrew.sandbox.docker_backend import docker_client, image_id
    from siliconcrew.sandbox.image import build_image, build_reason

    settings = _settings(None, False)
    client = docker_client()
    existing = image_id(client, settings.sandbox.image)
    reason = build_reason(client, settings.sandbox.image)  # None: up to date with the recipe
    if existing and reason is None and not (rebuild or rebuild_base):
        info = {"image": settings.sandbox.image, "image_id": existing, "built": False}
        _print_json(info) if as_json else _console().print(
            f"image {settings.sandbox.image} is up to date ({existing[:19]}); --rebuild to redo")
        return
    con = _console(stderr=True)
    with con.status("building the sandbox image…") as status:
        def progress(line: str) -> None:
            status.update(f"building: {line[:100]}")
        info = build_image(settings.sandbox, from_registry=from_registry,
                           rebuild_base=rebuild_base, progress=progress)
    info["built"] = True
    _print_json(info) if as_json else _console().print(
        f"[green]built[/] {info.get('image')} {str(info.get('image_id'))[:19]} "
        f"in {info.get('seconds', 0):.0f} s")


@sandbox_app.command("prune")
def sandbox_prune(all_: bool = typer.Option(False, "--all", help="also remove running ones")):
    """Remove sandbox containers left behind by crashed runs."""
    from siliconcrew.sandbox.docker_backend import docker_client, prune_stale_containers

    n = prune_stale_containers(docker_client(), include_running=all_)
    typer.echo(f"removed {n} container(s)")


# ----------------------------------------------------------------------------------------- run
def _step_printer(err, status, name: str):
    """Progress callback: the running step in the spinner, finished steps as lines."""
    def progress(step: str, state: str) -> None:
        if state == "running":
            status.update(f"{name}: {step}…")
        elif state.startswith("progress: "):  # a long stage's heartbeat
            status.update(f"{name}: {step}… {state[len('progress: '):]}")
        else:
            err.print(f"  {step}: {state}")
    return progress


@app.command("check")
def check_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    no_harden: bool = typer.Option(False, "--no-harden", help="stop after the checks"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="hardening repair attempts"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Deterministic checks (lint → simulate → synthesize → STA → equivalence), then GDS.

    No agents, no LLM: the quick way to check RTL you wrote. Hardening starts only when every
    check passed. Exit code 0 when the checks pass and the layout is signoff clean.
    """
    from siliconcrew.flows.checks import run_checks
    from siliconcrew.tools.registry import load_registry

    design, folder = _load_design(design_dir)
    settings = _settings(sandbox, unsafe_host)
    err = _console(stderr=True)
    with err.status(f"{design.name}: starting sandbox…") as status:
        run = run_checks(design, folder, load_registry(), _sandbox_factory(settings),
                         _step_printer(err, status, design.name))
    report = None
    if run.ok and not no_harden and design.rtl:
        from siliconcrew.flows.harden import harden

        with err.status(f"{design.name}: hardening…") as status:
            report = harden(folder, _sandbox_factory(settings), max_repairs=max_repairs,
                            run_id=run.run_dir.run_id,
                            progress=_step_printer(err, status, design.name))
    ok = run.ok and (report is None or report.status == "ok")
    code = 0 if ok else _check_exit_code(run)
    if as_json:
        data = run.to_dict()
        data["harden"] = report.to_dict() if report else None
        data["ok"] = ok
        _print_json(data)
        raise typer.Exit(code)
    _print_run_table(design.name, run)
    for warning in run.warnings:
        _console().print(f"[yellow]warning[/]: {warning}", soft_wrap=True)
    if report is not None:
        _print_harden(report, None)
    elif not run.ok:
        _console().print("[yellow]hardening skipped: a check failed[/]")
    raise typer.Exit(code)


def _check_exit_code(run) -> int:
    """A failed `check` exits 2 when a step refused its input (e.g. a path outside the
    folder), with that refusal as the `error:` line on stderr, like `tools run`; else 1."""
    for step in run.steps:
        if step.result is not None and step.result.failure == "input":
            sys.stderr.write(f"error: {step.step}: {step.result.summary}\n")
            return 2
    return 1


@app.command("run")
def run_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    engine: Optional[str] = typer.Option(None, "--engine", help="local | librelane"),
    approve: str = typer.Option("auto", "--approve", help="ask: confirm before hardening; "
                                "auto: unattended"),
    max_iterations: int = typer.Option(3, "--max-iterations", help="RTL attempts per run"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="hardening repair attempts"),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", help="LLM token budget"),
    max_cost: Optional[float] = typer.Option(None, "--max-cost", help="LLM budget in USD"),
    resume: Optional[str] = typer.Option(None, "--resume", help="continue run RUN_ID"),
    allow_clock_relax: bool = typer.Option(False, "--allow-clock-relax",
                                           help="if timing repairs cannot close, relax the "
                                                "clock without asking (--approve ask asks)"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """The agent graph: plan → RTL → verify → synthesize/STA/equivalence → harden → report.

    With no LLM configured, designs that have RTL still go to GDS; agents that need an LLM
    are skipped with the reason. Exit code 0 when the run reaches a signoff-clean GDS.
    """
    from siliconcrew.graph.runner import GraphOptions, run_graph

    if approve not in ("ask", "auto"):
        raise UserInputError(f"--approve must be ask or auto, not '{approve}'", "use --approve ask")
    if max_iterations < 1:
        raise UserInputError("--max-iterations must be >= 1", "use 1 or more")
    _load_design(design_dir)  # bad design.yaml: one line before the graph starts
    settings = _settings(sandbox, unsafe_host)
    opts = GraphOptions(engine=engine, approve=approve, max_iterations=max_iterations,
                        max_repairs=max_repairs, max_tokens=max_tokens, max_cost_usd=max_cost,
                        resume=resume, relax_clock=allow_clock_relax)
    err = _console(stderr=True)

    def progress(node: str, outcome: str) -> None:
        err.print(f"  [bold]{node:10s}[/] {outcome}", soft_wrap=True)

    def ask(request: dict):
        if request.get("kind") == "questions":
            if not sys.stdin.isatty():
                return "no answers (no terminal): use your best judgement and say what you assumed"
            err.print(request["question"])
            return typer.prompt("your answers", default="use your best judgement")
        if not sys.stdin.isatty():
            err.print(f"approval needed ({request.get('question')}) but no terminal: declining")
            return False
        return typer.confirm(request.get("question", "continue?"), default=True)

    result = run_graph(design_dir, _sandbox_factory(settings), settings.llm, opts,
                       progress=progress, approve=ask)
    data = result.to_dict()
    code = 0 if data["status"] == "ok" else 1
    if as_json:
        _print_json(data)
        raise typer.Exit(code)
    from rich.table import Table

    con = _console()
    table = Table(title=f"run {data['run_id']} — {data['status']}")
    table.add_column("node")
    table.add_column("outcome")
    table.add_column("time", justify="right")
    for n in data["nodes"]:
        table.add_row(n["node"], str(n["outcome"]), f"{n['duration_s']:.2f} s")
    con.print(table)
    if data.get("reason"):
        con.print(f"reason: {data['reason']}", soft_wrap=True)
    for note in data.get("notes", []):
        con.print(f"note: {note}", soft_wrap=True)
    llm = data["llm"]
    con.print(f"LLM: {llm.get('calls', 0)} calls, {llm.get('prompt_tokens', 0)}+"
              f"{llm.get('completion_tokens', 0)} tokens, ${llm.get('cost_usd', 0):.4f}")
    for key in ("gds", "png"):
        if key in data["artifacts"]:
            con.print(f"{key}: {_short_path(data['artifacts'][key])}", soft_wrap=True)
    con.print(f"run directory: {_short_path(data['run_dir'])}", soft_wrap=True)
    raise typer.Exit(code)


_KEY_METRICS = {
    "lint": ("lint__errors", "lint__warnings"),
    "simulate": ("sim__exit_code",),
    "synthesize": ("design__instance__count", "design__instance__area"),
    "sta": ("timing__setup__ws", "timing__setup__tns", "timing__hold__ws", "clock__fmax_mhz"),
    "equivalence": ("equiv__proven", "equiv__unproven"),
}


def _print_run_table(name: str, run) -> None:
    from rich.table import Table

    table = Table(title=f"{name} — run {run.run_dir.run_id}")
    for col in ("step", "status", "result", "key metrics", "time"):
        table.add_column(col)
    for s in run.steps:
        if s.result is None:
            table.add_row(s.step, "[dim]skipped[/]", s.skipped or "", "", "")
            continue
        r = s.result
        keys = _KEY_METRICS.get(s.step, ())
        metrics = ", ".join(f"{k.split('__', 1)[-1]}={_fmt_metric(r.metrics[k])}"
                            for k in keys if r.metrics.get(k) is not None)
        table.add_row(s.step, "[green]PASS[/]" if r.ok else "[red]FAIL[/]", r.summary, metrics,
                      f"{r.duration_s:.2f} s")
    con = _console()
    con.print(table)
    con.print(f"backend: {run.steps[0].result.backend if run.steps and run.steps[0].result else '?'}"
              f"; run directory: {_short_path(str(run.run_dir.path))}", soft_wrap=True)


# -------------------------------------------------------------------------------------- harden
_HARDEN_METRICS = (
    ("design__instance__count", "cells"), ("design__instance__area", "cell area (µm²)"),
    ("design__die__area", "die area (µm²)"), ("design__instance__utilization", "utilization"),
    ("timing__setup__ws", "setup WS (ns)"), ("timing__setup__tns", "setup TNS (ns)"),
    ("timing__hold__ws", "hold WS (ns)"), ("clock__fmax_mhz", "fmax (MHz)"),
    ("route__failed_nets", "failed nets"), ("route__drc_errors", "route DRC"),
    ("magic__drc_error__count", "magic DRC"), ("design__lvs_error__count", "LVS errors"),
)


@app.command("harden")
def harden_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    engine: Optional[str] = typer.Option(None, "--engine", help="local | librelane "
                                         "(default: design.yaml flow.engine)"),
    from_stage: Optional[str] = typer.Option(None, "--from", help="start at this stage "
                                             "(continues the newest run unless --run)"),
    to_stage: Optional[str] = typer.Option(None, "--to", help="stop after this stage"),
    max_repairs: int = typer.Option(3, "--max-repairs", help="repair attempts (0 = none)"),
    allow_clock_relax: bool = typer.Option(False, "--allow-clock-relax",
                                           help="let repairs lengthen the clock period"),
    run: Optional[str] = typer.Option(None, "--run", help="run id to continue"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Take the design to GDS with a flow engine; classify failures and repair the config.

    Exit codes: 0 signoff clean (GDS, DRC 0, LVS clean), 1 failed, 2 bad input, 3 no sandbox,
    4 stopped before signoff as asked (--to).
    """
    from siliconcrew.flows.harden import harden

    _load_design(design_dir)  # bad design.yaml: one line before any sandbox starts
    settings = _settings(sandbox, unsafe_host)
    err = _console(stderr=True)
    with err.status("hardening: starting…") as status:
        def progress(stage: str, state: str) -> None:
            if state == "running":
                status.update(f"hardening: {stage}…")
            elif state.startswith("progress: "):  # a long stage's heartbeat
                status.update(f"hardening: {stage}… {state[len('progress: '):]}")
            else:
                color = {"ok": "green", "failed": "red", "cached": "cyan"}.get(state, "dim")
                err.print(f"  {stage:11s} [{color}]{state}[/]")
        report = harden(design_dir, _sandbox_factory(settings), engine_name=engine,
                        from_stage=from_stage, to_stage=to_stage, max_repairs=max_repairs,
                        allow_clock_relax=allow_clock_relax, run_id=run, progress=progress)
    code = {"ok": 0, "partial": 4}.get(report.status, 1)
    if as_json:
        _print_json(report.to_dict())
        raise typer.Exit(code)
    _print_harden(report, to_stage)
    raise typer.Exit(code)


def _short_path(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _print_harden(report, to_stage: str | None) -> None:
    from rich.table import Table

    con = _console()
    table = Table(title=f"{report.engine} flow — run {report.run_id}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in _HARDEN_METRICS:
        if report.result.metrics.get(key) is not None:
            table.add_row(label, _fmt_metric(report.result.metrics[key]))
    con.print(table)
    for rep in report.repairs:
        action = rep.get("action")
        if action:
            name = action.get("name") if isinstance(action, dict) else action
            diff = ", ".join(f"{k} {v.get('before', 'unset')}→{v.get('after', 'unset')}"
                             for k, v in (rep.get("config_diff") or {}).items())
            con.print(f"repair {rep.get('attempt')}: {name} ({diff}) → {rep.get('status')}")
    for key in ("gds", "def", "png"):
        if key in report.result.artifacts:
            con.print(f"{key}: {_short_path(report.result.artifacts[key])}", soft_wrap=True)
    if report.status == "ok":
        con.print("[green]signoff clean[/]: GDS written, DRC 0, LVS clean")
    elif report.status == "partial":
        con.print(f"stopped after {to_stage} as asked (no signoff)")
    else:
        failed = report.result.failed_stage
        con.print(f"[red]FAILED[/]{' at ' + failed.name if failed else ''}: "
                  f"{failed.summary if failed else 'signoff not clean'}; class: "
                  f"{', '.join(dict.fromkeys(report.failure_classes)) or 'unknown'}; "
                  f"outcome: {report.outcome}")
        if report.send_back:
            sb = report.send_back
            con.print(f"sent back to [bold]{sb['target']}[/]: {sb.get('message', '')}")
            for line in sb.get("evidence", [])[:5]:
                con.print(f"  evidence: {line}", soft_wrap=True)
        if report.next_action:
            con.print(f"next repair would be: {report.next_action.get('name')} "
                      "(raise --max-repairs)")
        for need in report.permission_needed[:3]:
            con.print(f"would need permission: {need.get('name', need)} (--allow-clock-relax)")

# -------------------------------------------------------------------------------------- timing
@app.command("timing")
def timing_cmd(
    design_dir: Path = typer.Argument(..., help="design folder with design.yaml"),
    clock_period: Optional[float] = typer.Option(None, "--clock-period", min=0.001,
                                                 help="clock period in ns (default: design.yaml)"),
    top_paths: int = typer.Option(5, "--top-paths", min=1, max=100, help="worst paths to explain"),
    report: Optional[Path] = typer.Option(None, "--report",
                                          help="analyse this STA report instead of running STA"),
    netlist_json: Optional[Path] = typer.Option(None, "--netlist-json",
                                                help="with --report: the synthesize netlist.json"),
    repair: bool = typer.Option(False, "--repair",
                                help="try the no-LLM repairs (ABC delay target, gate sizing, "
                                     "prefix adders, retiming), each checked by equivalence + "
                                     "the testbench on the netlist; design files are not changed"),
    allow_clock_relax: bool = typer.Option(False, "--allow-clock-relax",
                                           help="with --repair: if nothing closes timing, "
                                                "relax the clock to what the best netlist meets"),
    max_attempts: int = typer.Option(8, "--max-attempts", min=1, max=100,
                                     help="with --repair: strategies to try at most"),
    target_slack: float = typer.Option(0.0, "--target-slack", min=0, max=100,
                                       help="with --repair: closed means WNS >= this many ns "
                                            "(margin for post-layout wires)"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Timing debug: worst paths, their RTL lines and root causes (no LLM); --repair tries
    synthesis-side fixes.

    Exit code: 0 timing met (or closed by --repair), 1 violated, 2 bad input or malformed
    report, 3 no sandbox.
    """
    if repair:
        from siliconcrew.timing.repair import RepairBudget

        if report is not None:
            raise UserInputError("--repair needs the design, not a --report",
                                 "drop --report (repair re-synthesizes the RTL)")
        _load_design(design_dir)
        _timing_repair(design_dir, clock_period, allow_clock_relax,
                       RepairBudget(max_attempts=max_attempts, target_slack_ns=target_slack),
                       as_json, _settings(sandbox, unsafe_host))
        return
    if allow_clock_relax or target_slack:
        raise UserInputError("--allow-clock-relax/--target-slack only apply with --repair",
                             "add --repair")
    if report is not None:
        from siliconcrew.timing import analyze_report

        if not report.is_file():
            raise UserInputError(f"report '{report}' not found", "give an existing report file")
        if netlist_json is not None and not netlist_json.is_file():
            raise UserInputError(f"netlist json '{netlist_json}' not found",
                                 "give the netlist.json written by synthesize")
        result = analyze_report(report.read_text(errors="replace"), netlist_json=netlist_json,
                                top_paths=top_paths, roots=[design_dir])
    else:
        from siliconcrew.timing import analyze

        _load_design(design_dir)
        settings = _settings(sandbox, unsafe_host)
        with _console(stderr=True).status("timing: synthesize → sta → RTL map…"):
            result = analyze(design_dir, _sandbox_factory(settings), clock_period, top_paths)
    met = bool(result.get("met"))
    if as_json:
        _print_json(result)
        raise typer.Exit(0 if met else 1)
    _print_timing(result)
    raise typer.Exit(0 if met else 1)


def _timing_repair(design_dir: Path, clock_period: float | None, allow_clock_relax: bool,
                   budget, as_json: bool, settings) -> None:
    import yaml
    from rich.table import Table

    from siliconcrew.timing.repair import repair_design

    con = _console(stderr=as_json)
    fig = lambda v: "n/a" if v is None else f"{v:+.3f}"  # noqa: E731

    def show(att) -> None:
        mark = "[green]kept[/]" if att.kept else "[yellow]dropped[/]"
        con.print(f"  {att.strategy:17s} WNS {fig(att.wns_before)} → {fig(att.wns_after)} ns  "
                  f"{mark}: {att.reason} ({att.wall_s:.1f} s)")

    with con.status("timing repair: baseline synthesis + STA, then strategies…"):
        rep = repair_design(design_dir, _sandbox_factory(settings), clock_period_ns=clock_period,
                            budget=budget, allow_clock_relax=allow_clock_relax, on_attempt=show)
    if as_json:
        _print_json({**rep.model_dump(), "iterations": rep.iterations})
        raise typer.Exit(0 if rep.closed else 1)
    table = Table(title=f"timing repair: {rep.design} at {rep.period_ns:g} ns")
    for col in ("strategy", "WNS before", "WNS after", "cells", "kept", "why"):
        table.add_column(col)
    for a in rep.attempts:
        table.add_row(a.strategy, fig(a.wns_before), fig(a.wns_after), str(a.cells or "-"),
                      "yes" if a.kept else "no", a.reason)
    if rep.attempts:
        con.print(table)
    verdict = "[green]closed[/]" if rep.closed else "[red]not closed[/]"
    con.print(f"{verdict}: WNS {fig(rep.wns_before)} → {fig(rep.wns_after)} ns"
              + (f" with {rep.strategy}" if rep.strategy else "") + f"; {rep.stopped}"
              + f" ({rep.iterations} attempts, {rep.wall_s:.1f} s)")
    if rep.recipe:
        con.print("to use it, add to design.yaml:\n" + yaml.safe_dump(
            {"synthesis": {k: v for k, v in rep.recipe.items() if v}}, sort_keys=False).rstrip())
    if rep.final_period_ns != rep.period_ns:
        con.print(f"and set clock.period_ns: {rep.final_period_ns:g}")
    raise typer.Exit(0 if rep.closed else 1)


def _print_timing(result: dict) -> None:
    from rich.table import Table

    con = _console()
    fig = lambda v: "n/a" if v is None else f"{v:g}"  # noqa: E731
    head = f"WNS {fig(result.get('wns'))} ns, TNS {fig(result.get('tns'))} ns"
    if result.get("clock_period_ns"):
        head += f" at {result['clock_period_ns']:g} ns"
    if result.get("met"):
        con.print(f"[green]timing met[/] ({head})")
        return
    if result.get("met") is None:
        con.print(f"[yellow]no setup figures in the report[/] ({head})")
        return
    con.print(f"[red]timing violated[/]: {head}")
    table = Table(title="worst setup paths")
    for col in ("slack", "start → end", "levels", "RTL", "root causes"):
        table.add_column(col)
    for p in result.get("paths", []):
        start = p["start"] + (f" ({p['start_signal']})" if p.get("start_signal") else "")
        end = p["end"] + (f" ({p['end_signal']})" if p.get("end_signal") else "")
        rtl = "\n".join(f"{e['file']}:{e['line']} {e['signal']}" for e in p["rtl"]
                        if e.get("line")) or "-"
        causes = "\n".join(f"{c['class']}: {c['evidence']}" for c in p["causes"]) or "-"
        table.add_row(f"{p['slack']:g}", f"{start}\n→ {end}", str(p.get("levels", "")), rtl,
                      causes)
    con.print(table)


# ------------------------------------------------------------------------------------------ kb
KbOpt = typer.Option(None, "--kb", envvar="SILICONCREW_KB",
                     help="knowledge base path or chroma server URL "
                          "(default ~/.local/share/siliconcrew/kb)")


def _kb(location: str | None, auto_seed: bool = False):
    from siliconcrew.knowledge_base.store import open_kb

    return open_kb(location, auto_seed=auto_seed)


@kb_app.command("search")
def kb_search(query: str = typer.Argument(..., help="error line or question"),
              k: int = typer.Option(5, "-k", min=1, max=100, help="number of hits"),
              collection: Optional[list[str]] = typer.Option(
                  None, "--collection", "-c", help="docs | errors | insights (repeatable)"),
              mode: str = typer.Option("hybrid", "--mode", help="hybrid | vector | lexical"),
              kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Hybrid (vector + BM25) search; an empty store is seeded first."""
    from siliconcrew.knowledge_base.store import KnowledgeBase

    # Refuse a bad query or mode before opening (and maybe seeding, ~40 s) the store.
    KnowledgeBase.clean_query(query)
    if mode not in ("hybrid", "vector", "lexical"):
        raise UserInputError(f"unknown search mode '{mode}'", "use hybrid, vector or lexical")
    store = _kb(kb, auto_seed=True)
    hits = store.search(query, k=k, collections=collection or None, mode=mode)
    if as_json:
        _print_json([h.to_dict() for h in hits])
        return
    con = _console()
    if not hits:
        con.print("no hits")
    for n, h in enumerate(hits, 1):
        con.print(f"[bold]{n}. {h.title}[/]  [dim]{h.collection} · {h.id} · {h.score:.4f}[/]",
                  soft_wrap=True)
        body = h.text.split("\n\n", 1)[-1].strip()
        con.print(body[:600] + ("…" if len(body) > 600 else ""), soft_wrap=True, markup=False)
        con.print()


@kb_app.command("ingest")
def kb_ingest(paths: list[Path] = typer.Argument(..., help="files or folders (md, txt, html, pdf)"),
              collection: Optional[str] = typer.Option(None, "--collection", "-c",
                                                       help="docs | errors (default: docs or "
                                                            "the file's front matter)"),
              kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Add a team's own documents; ingesting a file again replaces its chunks."""
    from siliconcrew.knowledge_base.ingest import ingest_paths

    results = ingest_paths(_kb(kb), paths, collection)
    if as_json:
        _print_json([r.to_dict() for r in results])
        return
    con = _console()
    for r in results:
        if r.status == "ingested":
            enc = f", decoded as {r.encoding}" if r.encoding not in ("utf-8", "binary") else ""
            con.print(f"ingested {r.path}: {r.chunks} chunks → {r.collection}{enc}",
                      soft_wrap=True)
        else:
            con.print(f"[yellow]skipped[/] {r.path}: {r.reason}", soft_wrap=True)


@kb_app.command("list")
def kb_list(collection: str = typer.Option("insights", "--collection", "-c"),
            limit: int = typer.Option(50, "--limit", min=1),
            kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """List entries of a collection (default: insights learned from runs)."""
    hits = _kb(kb).list(collection, limit=limit)
    if as_json:
        _print_json([h.to_dict(with_metadata=True) for h in hits])
        return
    con = _console()
    if not hits:
        con.print(f"{collection}: empty")
    for h in hits:
        extra = ""
        if collection == "insights":
            extra = (f" (run {h.metadata.get('run_id')}, verified "
                     f"{h.metadata.get('times_verified', 1)}x)")
        con.print(f"{h.id}  {h.title}{extra}", soft_wrap=True, markup=False)


@kb_app.command("stats")
def kb_stats(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Entries per collection, sources, size on disk."""
    info = _kb(kb).stats()
    if as_json:
        _print_json(info)
        return
    con = _console()
    con.print(f"knowledge base: {info['location']}", soft_wrap=True)
    for name, n in info["counts"].items():
        con.print(f"  {name:9s} {n:6d} chunks from {info['sources'][name]} sources")
    con.print(f"  size      {info['size_bytes'] / 1e6:.1f} MB")


@kb_app.command("doctor")
def kb_doctor(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Which embedding route is used (nothing is downloaded) and whether the store opens."""
    from siliconcrew.knowledge_base.embedding import doctor

    info = doctor()
    try:
        store = _kb(kb)
        info["store"] = {"location": store.location, "counts": store.counts(), "ok": True}
    except SiliconCrewError as exc:
        info["store"] = {"ok": False, "error": exc.one_line()}
    if as_json:
        _print_json(info)
    else:
        con = _console()
        con.print(f"embedding: {info['model']} via {info['route'] or 'NONE'}"
                  f" (available: {', '.join(info['routes_available']) or 'none'})")
        if not info["ok"]:
            con.print(f"[red]error[/]: {info['error']}", soft_wrap=True)
        st = info["store"]
        con.print(f"store: {st.get('location', '')} {st.get('counts', '')}" if st["ok"]
                  else f"[red]store error[/]: {st['error']}", soft_wrap=True)
    if not info["ok"] or not info["store"]["ok"]:
        raise typer.Exit(1)


@kb_app.command("seed")
def kb_seed(kb: Optional[str] = KbOpt, as_json: bool = JsonOpt):
    """Load (or refresh) the seed corpus shipped with SiliconCrew."""
    from siliconcrew.knowledge_base.ingest import seed

    info = seed(_kb(kb))
    if as_json:
        _print_json(info)
    else:
        _console().print(f"seeded {info['chunks']} chunks from {info['files']} notes "
                         f"({', '.join(f'{k}: {v}' for k, v in info['by_collection'].items())})")


@kb_app.command("reset")
def kb_reset(yes: bool = typer.Option(False, "--yes", "-y", help="do not ask"),
             kb: Optional[str] = KbOpt):
    """Delete every entry (the insights journal is kept as a .bak file)."""
    store = _kb(kb)
    if not yes and not typer.confirm(f"delete everything in {store.location}?"):
        raise typer.Exit(1)
    store.reset()
    _console().print(f"reset {store.location}")


@app.command("chat")
def chat_cmd(
    design_dir: Path = typer.Argument(Path("."), help="design folder with design.yaml"),
    session: Optional[str] = typer.Option(None, "--session", help="resume chat session ID"),
    sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Interactive session: talk to the team (tools run as you watch), /run to go to GDS."""
    from siliconcrew.chat.repl import ChatApp

    settings = _settings(sandbox, unsafe_host)
    app_ = ChatApp(design_dir, settings, _sandbox_factory(settings), session, _console())
    app_.loop()


bench_app = typer.Typer(help="Benchmark the agents on standard datasets.", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("verilog-eval")
def bench_verilog_eval(
    dataset: Path = typer.Argument(..., help="folder of ProbNNN_*_{prompt.txt,ref.sv,test.sv}"),
    problems: str = typer.Option("*", "--problems", help="glob over problem ids, e.g. 'Prob0*'"),
    samples: int = typer.Option(1, "--samples", help="samples per problem (pass@k)"),
    jobs: int = typer.Option(1, "--jobs", help="problems in parallel"),
    out: Optional[Path] = typer.Option(None, "--out", help="results folder "
                                       "(default: ./verilog-eval-results/<time>)"),
    as_json: bool = JsonOpt, sandbox: Optional[str] = SandboxOpt, unsafe_host: bool = UnsafeOpt,
):
    """Run the RTL agent on VerilogEval v2 spec-to-rtl problems; judge them as VerilogEval does."""
    import datetime as _dt

    from siliconcrew.agents.llm import LLMClient
    from siliconcrew.agents.llm_config import load_llm_settings
    from siliconcrew.bench.verilog_eval import run_bench
    from siliconcrew.sandbox import open_sandbox

    settings = _settings(sandbox, unsafe_host)
    llm_settings = load_llm_settings(settings.llm)
    if not llm_settings.configured:
        raise UserInputError("the benchmark needs an LLM endpoint",
                             "set OPENAI_BASE_URL (or OPENAI_API_KEY) and SILICONCREW_MODEL")
    out = out or Path("verilog-eval-results") / _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    llm = LLMClient(llm_settings, log_dir=out / "llm")
    err = _console(stderr=True)

    def progress(res) -> None:
        color = "green" if res.status == "pass" else "red"
        err.print(f"  {res.problem} s{res.sample}: [{color}]{res.status}[/] {res.detail}",
                  soft_wrap=True)

    with open_sandbox(out.resolve(), settings.sandbox) as sb:
        report = run_bench(dataset, llm, sb, out.resolve(), pattern=problems, samples=samples,
                           jobs=jobs, progress=progress)
    data = report.to_dict()
    data["llm"] = llm.usage.to_dict()
    (out / "results.json").write_text(json.dumps(data, indent=2))
    if as_json:
        _print_json(data)
        return
    from rich.table import Table

    table = Table(title=f"VerilogEval — {data['problems']} problems × {samples} samples")
    for col in ("problem", "passed", "failures"):
        table.add_column(col)
    for pid, p in data["per_problem"].items():
        table.add_row(pid, f"{p['c']}/{p['n']}",
                      ", ".join(f"{k}: {v}" for k, v in p["failures"].items()))
    con = _console()
    con.print(table)
    con.print(" ".join(f"{k}={v}" for k, v in data.items() if k.startswith("pass@")) +
              f"; results: {out / 'results.json'}", soft_wrap=True)


@app.command("report")
def report_cmd(
    run_dir: Path = typer.Argument(..., help="a run folder: <design>/runs/<run_id>"),
    open_: bool = typer.Option(False, "--open", help="open it in the browser"),
    as_json: bool = JsonOpt,
):
    """Write (or rewrite) the run's self-contained HTML report: runs/<id>/report.html."""
    from siliconcrew.report import write_report

    if not run_dir.is_dir():
        raise UserInputError(f"run folder '{run_dir}' does not exist", "give <design>/runs/<run_id>")
    path = write_report(run_dir)
    if as_json:
        _print_json({"report": str(path)})
    else:
        _console().print(f"report: {path}", soft_wrap=True)
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())


def _terminate_as_interrupt(signum, frame) -> None:
    """SIGTERM (a batch system, `kill`, a closing terminal) takes the Ctrl-C path: every
    `finally` runs, sandboxes are closed and finished steps stay checkpointed."""
    raise KeyboardInterrupt


def main() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        app()
    except SiliconCrewError as exc:
        sys.stderr.write(f"error: {exc.one_line()}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
