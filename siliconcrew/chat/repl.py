"""The terminal loop: slash commands, streamed replies, tool calls shown as they happen."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from siliconcrew import api
from siliconcrew.chat.session import ChatSession
from siliconcrew.render.kb import hits_brief
from siliconcrew.render.progress import node_printer
from siliconcrew.render.prompts import approver, line_text, line_yes_no, tool_approver
from siliconcrew.render.runs import llm_usage, run_line
from siliconcrew.render.tools import tool_names

HELP = """/run  /status  /plan  /files  /diff  /kb QUERY  /tools  /timing [repair]  \
/integrate caravel|tinytapeout [BASE]
/approve [ask|auto]  /undo  /cost  /save  /quit — anything else goes to the model"""

CHAT_TOOLS = ["lint", "simulate", "synthesize", "sta", "equivalence", "read_file", "write_file"]


class ChatApp:
    def __init__(
        self, folder: Path, settings, sandbox_factory, session_id: str | None, console: Console
    ) -> None:
        from siliconcrew.agents.llm_config import load_llm_settings
        from siliconcrew.core.design import load_design

        self.design, self.folder = load_design(folder)
        self.settings = settings
        self.sandbox_factory = sandbox_factory
        self.session = ChatSession(self.folder, session_id)
        self.con = console
        self.llm_settings = load_llm_settings(settings.llm)
        self.llm = None
        self._ctx = None
        if self.llm_settings.configured:
            from siliconcrew.agents.llm import LLMClient

            self.llm = LLMClient(self.llm_settings, log_dir=self.session.dir / "llm")

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def ctx(self):
        if self._ctx is None:
            from siliconcrew.tools.base import ToolContext

            self._ctx = ToolContext(
                self.folder,
                self.sandbox_factory,
                protected={self.folder / t for t in self.design.golden_files()},
            )
        return self._ctx

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
        self.session.save()

    def latest_run(self) -> Path | None:
        runs = sorted(
            p
            for p in (self.folder / "runs").glob("*/results.json")
            if not p.parent.name.startswith("chat-")
        )
        return runs[-1].parent if runs else None

    # -- the loop -------------------------------------------------------------------------------
    def loop(self) -> None:
        c = self.con
        c.print(f"[bold]SiliconCrew chat[/] — {self.design.name} (session {self.session.id})")
        if self.llm is None:
            c.print(
                "no LLM configured: slash commands work; set OPENAI_BASE_URL (or "
                "OPENAI_API_KEY) and SILICONCREW_MODEL to talk to a model"
            )
        c.print(HELP, markup=False)  # `[repair]` is text, not a style
        while True:
            try:
                line = input("sc> ")
            except EOFError:
                break
            except KeyboardInterrupt:
                c.print("(interrupted; /quit to leave)")
                continue
            line = line.strip()
            if not line:
                continue
            self.session.log("engineer", line)
            if line.startswith("/"):
                if self.command(line) == "quit":
                    break
            else:
                self.ask(line)
            self.session.save()
        self.close()
        c.print(f"session saved: {self.session.id} (resume with --session {self.session.id})")

    def ask(self, text: str) -> None:
        if self.llm is None:
            self.con.print(
                "no LLM configured: set OPENAI_BASE_URL (or OPENAI_API_KEY) and "
                "SILICONCREW_MODEL; slash commands still work (/tools, /run...)"
            )
            return
        from siliconcrew.agents.llm import LLMError
        from siliconcrew.agents.tooling import tool_specs
        from siliconcrew.tools.registry import load_registry

        self.session.messages.append({"role": "user", "content": text})
        registry = load_registry(external=True)
        # built-in chat tools plus every plugin tool (and configured MCP servers' tools) open
        # to the planner
        names = CHAT_TOOLS + sorted(
            n for n in registry.tools if n not in CHAT_TOOLS and registry.origin[n] != "builtin"
        )

        approve = tool_approver(lambda: self.session.approve)
        specs = tool_specs(registry, self.ctx, names, agent="planner", approve=approve)

        def on_delta(piece: str) -> None:
            sys.stdout.write(piece)
            sys.stdout.flush()

        def on_tool(name: str, args: dict | None, result: str) -> None:
            brief = json.dumps(args)[:160] if args is not None else "(bad arguments)"
            try:
                res = json.loads(result)
            except ValueError:
                res = {}
            # escaped: a tool's text (an external server's above all) is not markup, and
            # "[external lab]" must show as written
            self.con.print(
                f"\n[cyan]tool {escape(name)}[/] {escape(brief)} → "
                f"{escape(str(res.get('summary') or res.get('error') or ''))}",
                soft_wrap=True,
            )
            if name == "write_file" and res.get("ok"):
                self.session.record_change(res.get("artifacts") or {})

        try:
            out = self.llm.run_tools(
                "planner",
                self.session.messages,
                specs,
                stream=True,
                on_delta=on_delta,
                on_tool=on_tool,
            )
        except LLMError as exc:
            self.con.print(f"[red]LLM error[/]: {exc.one_line()}")
            self.session.messages.pop()
            return
        sys.stdout.write("\n")
        self.session.messages = out.messages
        self.session.log("assistant", out.content)

    def command(self, line: str) -> str | None:
        name, _, arg = line[1:].partition(" ")
        c = self.con
        if name in ("quit", "exit", "q"):
            return "quit"
        if name == "help":
            c.print(HELP, markup=False)  # `[repair]` is text, not a style
        elif name == "tools":
            tool_names(c, api.list_tools())
        elif name == "files":
            for f in self.session.files():
                c.print(f"  {f}")
        elif name == "diff":
            c.print(self.session.diff(), markup=False, highlight=False)
        elif name == "undo":
            c.print(self.session.undo())
        elif name == "approve":
            if arg.strip() in ("ask", "auto"):
                self.session.approve = arg.strip()
            c.print(f"approval for gated steps: {self.session.approve}")
        elif name == "cost":
            u = (
                self.llm.usage.to_dict()
                if self.llm
                else {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0}
            )
            c.print(llm_usage(u))
        elif name == "save":
            c.print(f"saved {self.session.save()}")
        elif name == "kb":
            self._kb(arg)
        elif name in ("status", "plan"):
            run = self.latest_run()
            if run is None:
                c.print("no run yet: /run starts one")
            elif name == "status":
                data = json.loads((run / "results.json").read_text())
                c.print(
                    f"run {run.name}: {data.get('status')} "
                    + (f"— {data.get('reason')}" if data.get("reason") else ""),
                    soft_wrap=True,
                )
            else:
                plan = run / "plan.json"
                c.print(plan.read_text() if plan.exists() else "that run has no plan", markup=False)
        elif name == "run":
            self._run()
        elif name == "timing":
            self._timing(arg.strip() == "repair")
        elif name == "integrate":
            self._integrate(arg.split())
        else:
            c.print(f"unknown command /{name}; {HELP}", markup=False)
        return None

    def _timing(self, repair: bool) -> None:
        """Worst paths → RTL lines → causes; `/timing repair` also tries the no-LLM repairs
        (design files are not changed; the recipe to keep is printed)."""
        from siliconcrew.core.errors import SiliconCrewError
        from siliconcrew.render import timing as render

        c = self.con
        try:
            if repair:
                rep = api.timing_repair(
                    self.folder, settings=self.settings, on_attempt=render.attempt_printer_brief(c)
                )
                render.repair_brief(c, rep)
                return
            res = api.timing(self.folder, top_paths=3, settings=self.settings)
        except SiliconCrewError as exc:
            c.print(f"[red]timing[/]: {exc}")
            return
        render.timing_brief(c, res)

    def _integrate(self, args: list[str]) -> None:
        """/integrate caravel|tinytapeout [BASE]: the CLI's `integrate` (the wrapper folder
        under runs/<id>/integrate/<target>/ and its checks), with its table."""
        from siliconcrew.core.errors import SiliconCrewError
        from siliconcrew.render.integrate import integrate_result
        from siliconcrew.render.progress import step_printer

        c = self.con
        if len(args) not in (1, 2):
            c.print("usage: /integrate caravel|tinytapeout [BASE]")
            return
        if self._ctx is not None:  # the step opens its own sandbox
            self._ctx.close()
            self._ctx = None
        try:
            with c.status(f"{self.design.name}: integrate…") as status:
                result = api.integrate(
                    args[0],
                    self.folder,
                    base=args[1] if len(args) > 1 else None,
                    settings=self.settings,
                    progress=step_printer(c, status, self.design.name),
                )
        except SiliconCrewError as exc:
            c.print(f"[red]integrate[/]: {escape(exc.one_line())}", soft_wrap=True)
            return
        integrate_result(c, self.design.name, result)
        self.session.log("integrate", json.dumps({"run_id": result.run_id, "ok": result.ok}))

    def _kb(self, query: str) -> None:
        if not query.strip():
            self.con.print("usage: /kb QUERY")
            return
        try:
            hits = api.kb_search(query, k=3)
        except Exception as exc:
            self.con.print(f"knowledge base unavailable: {exc}")
            return
        hits_brief(self.con, hits)

    def _run(self) -> None:
        """/run: the whole graph through the API, with the CLI's progress lines and approval
        gates read as lines (chat owns the terminal)."""
        if self._ctx is not None:  # the run opens its own sandbox
            self._ctx.close()
            self._ctx = None
        result = api.run(
            self.folder,
            approve=self.session.approve,
            settings=self.settings,
            progress=node_printer(self.con),
            approver=approver(self.con, yes_no=line_yes_no, text=line_text, need_terminal=False),
        )
        run_line(self.con, result)
        self.session.log("run", json.dumps({"run_id": result.run_id, "status": result.status}))
