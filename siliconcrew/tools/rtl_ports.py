"""The one reader of a module's interface from the RTL, and a netlist put back in its port order.

Every place that needs a top's ports (the gate-level simulation's port order, the timing
repair's pipelining wrapper, the shuttle integration harnesses) reads them here, so they all
see the same ports: pyslang (a real SystemVerilog front end) elaborates the top on text only;
nothing of the design runs on the host. The RTL files are read as one compilation unit with
`include search dirs, like iverilog and yosys read them: a macro defined in one file is seen
by the next, an `include resolves next to its file or under include_dirs. Widths are the
elaborated ones (`[WIDTH-1:0]` with design.yaml's parameter values).

Flow engines write netlists whose module header lists ports in their own order (qflow: the
BLIF's inputs, then outputs), while testbenches of real IP often connect the design by
position (`LFSR DUT(out_tb, clk_tb, rst_tb);`): `reorder_module_ports` restores the RTL's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from siliconcrew.core.params import ParamValue, literal

_DIRECTIONS = {"In": "input", "Out": "output", "InOut": "inout", "Ref": "ref"}


@dataclass(frozen=True)
class Port:
    """One port as declared, elaborated.

    `width` is the port's bit count (0 when its type has none: an unpacked array, an
    interface, a type that did not resolve). `msb`/`lsb` are the declared range of a plain
    vector (`[0:7]` gives 0/7), 0/0 for a scalar, None for other types (`integer`, a packed
    struct, `[3:0][1:0]`), which a generated wrapper cannot redeclare as `[msb:lsb]`.
    """

    name: str
    direction: str  # input | output | inout | ref | interface
    width: int
    msb: int | None = None
    lsb: int | None = None
    signed: bool = False
    type: str = ""  # as slang prints it: `logic signed[7:0]`

    def decl(self) -> str | None:
        """`signed [7:0] ` / `` (a scalar): what a wrapper redeclares; None when it cannot."""
        if self.msb is None or self.lsb is None:
            return None
        rng = f"[{self.msb}:{self.lsb}] " if self.width > 1 or self.msb != self.lsb else ""
        return ("signed " if self.signed else "") + rng

    def brief(self) -> dict[str, Any]:
        """name, direction, width: what JSON outputs and prompts show of a port."""
        return {"name": self.name, "direction": self.direction, "width": self.width}


@dataclass
class ModuleInterface:
    """The top's ports in declaration order, its overridable parameters, where its name is
    written (file and byte offsets, to rename it) and the RTL's error diagnostics."""

    top: str
    ports: list[Port]
    # The #( ) list's parameters, in order: the ones a user sets. A body `parameter` (FSM
    # state codes in Verilog-2001 IP) is overridable too, but nobody does: not listed.
    parameters: list[str]
    file: Path
    name_start: int
    name_end: int
    errors: list[str] = field(default_factory=list)  # `file:line: message`, at most 5
    # port name -> the first error inside its declaration (an unknown macro in its range, an
    # undeclared type): its width is then a guess, which no wrapper should be built on
    port_errors: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.ports]


class Elaboration:
    """A pyslang compilation of RTL files as one unit, elaborated with `tops` as the top
    modules (all uninstantiated modules when empty) and `params` overriding theirs."""

    def __init__(
        self,
        files: Sequence[Path],
        tops: Sequence[str] = (),
        params: dict[str, ParamValue] | None = None,
        include_dirs: Sequence[Path] = (),
    ) -> None:
        import pyslang

        self.pyslang = pyslang
        self.sources = pyslang.SourceManager()
        pre = pyslang.parsing.PreprocessorOptions()
        pre.additionalIncludePaths = [str(d) for d in include_dirs]
        opts = pyslang.ast.CompilationOptions()
        if tops:
            opts.topModules = set(tops)
        if params:
            opts.paramOverrides = [f"{k}={literal(v)}" for k, v in params.items()]
        # OSError for a missing or unreadable file (the caller names it): nothing is elaborated.
        self.tree = pyslang.syntax.SyntaxTree.fromFiles(
            [str(f) for f in files], self.sources, pyslang.Bag([pre])
        )
        # The design is untrusted: an `include may not read the host beyond the design's
        # folders (its flow, in the sandbox, could not read it either).
        roots = [Path(f).resolve().parent for f in files] + [
            Path(d).resolve() for d in include_dirs
        ]
        for path in self.files_read():
            if not any(path.resolve().is_relative_to(r) for r in roots):
                raise OSError(
                    1, "an `include outside the RTL's folders and include_dirs", str(path)
                )
        self.compilation = pyslang.ast.Compilation(pyslang.Bag([opts]))
        self.compilation.addSyntaxTree(self.tree)

    def top(self, name: str) -> Any | None:
        """The elaborated top instance called `name`, or None."""
        return next((i for i in self.compilation.getRoot().topInstances if i.name == name), None)

    def errors(self) -> list[tuple[Any, str]]:
        """The error diagnostics: (where in the file, `file:line: message`); no source text
        is quoted (the design is untrusted; these lines may reach a prompt or a report)."""
        engine = self.pyslang.DiagnosticEngine(self.sources)
        out = []
        for d in self.compilation.getAllDiagnostics():
            if d.isError():
                loc = self.sources.getFullyOriginalLoc(d.location)
                file, line = self.where(loc)
                out.append((loc, f"{file.name}:{line}: {engine.formatMessage(d)}"))
        return out

    def where(self, loc: Any) -> tuple[Path, int]:
        """(file, line) of a source location (a macro expansion's: where it was used)."""
        loc = self.sources.getFullyOriginalLoc(loc)
        return Path(self.sources.getFullPath(loc.buffer)), self.sources.getLineNumber(loc)

    def declaration_spans(self, ports: list[Any]) -> list[tuple[Any, int, int] | None]:
        """Each port's declaration in the source (buffer, start, end): the ANSI port with its
        header (`input wire [W-1:0] m`; `n` in `..., m, n` shares m's), or the non-ANSI
        `input [N-1:0] a, b;`. None where it cannot be told."""
        spans: list[tuple[Any, int, int] | None] = []
        previous = None
        for p in ports:
            decl = getattr(getattr(p, "internalSymbol", None), "syntax", None)
            whole = getattr(decl, "parent", None)
            if decl is None or whole is None:
                spans.append(None)
                continue
            start = self.sources.getFullyOriginalLoc(whole.sourceRange.start)
            end = self.sources.getFullyOriginalLoc(whole.sourceRange.end)
            own_header = whole.sourceRange.start.offset != decl.sourceRange.start.offset
            if own_header or previous is None:
                previous = (start.buffer, start.offset, end.offset)
            else:  # no header of its own: the previous port's type and direction
                previous = (previous[0], previous[1], end.offset)
            spans.append(previous)
        return spans

    def files_read(self) -> list[Path]:
        """Every file the parse read: the given ones and the `included ones."""
        paths = (Path(self.sources.getFullPath(b)) for b in self.sources.getAllBuffers())
        return [p for p in paths if p.is_file()]


def _port(p: Any) -> Port:
    direction = _DIRECTIONS.get(str(getattr(p, "direction", "")).rsplit(".", 1)[-1])
    typ = getattr(p, "type", None)
    if direction is None or typ is None:  # an interface port (bus.master b)
        iface = getattr(getattr(p, "interfaceDef", None), "name", "")
        return Port(p.name, "interface", 0, type=str(iface))
    ty = typ.canonicalType
    width = int(ty.bitWidth) if ty.isIntegral else 0
    msb = lsb = None
    if ty.isScalar:
        msb = lsb = 0
    elif ty.isPackedArray and ty.elementType.isScalar:
        msb, lsb = ty.range.left, ty.range.right
    return Port(p.name, direction, width, msb, lsb, bool(ty.isSigned), str(typ))


def read_module(
    files: Sequence[Path],
    top: str,
    params: dict[str, ParamValue] | None = None,
    include_dirs: Sequence[Path] = (),
) -> ModuleInterface | str:
    """The interface of module `top` elaborated as the top (with `params`), or why it
    cannot be told (one line)."""
    try:
        elab = Elaboration(files, [top], params, include_dirs)
    except OSError as exc:
        return f"cannot read {Path(exc.filename or '?').name}: {exc.strerror or exc}"
    inst = elab.top(top)
    if inst is None:
        return f"module {top} not found in the RTL"
    name = inst.body.definition.syntax.header.name
    file, _ = elab.where(name.range.start)
    errors = elab.errors()
    ports = list(inst.body.portList)
    port_errors = {}
    for p, span in zip(ports, elab.declaration_spans(ports), strict=True):
        hit = next(
            (
                text
                for loc, text in errors
                if span and loc.buffer == span[0] and span[1] <= loc.offset <= span[2]
            ),
            None,
        )
        if hit:
            port_errors[p.name] = hit
    return ModuleInterface(
        top=top,
        ports=[_port(p) for p in ports],
        parameters=[s.name for s in inst.body.parameters if s.isPortParam and not s.isLocalParam],
        file=file,
        name_start=name.range.start.offset,
        name_end=name.range.end.offset,
        errors=[text for _, text in errors[:5]],
        port_errors=port_errors,
    )


@dataclass(frozen=True)
class IncludeDirective:
    """One `include as the preprocessor resolved it: the file holding the directive, the
    name written between its quotes, and the file found (beside the includer, else under
    an include dir, in that order: how yosys, pyslang and LibreLane's linter search)."""

    includer: Path
    written: str
    path: Path


def read_includes(
    files: Sequence[Path], include_dirs: Sequence[Path] = ()
) -> list[IncludeDirective]:
    """Every `include of `files` (one compilation unit, no defines set), in the order the
    preprocessor met them, nested ones included; one that resolves to no file is left out
    (lint reports it). Text is parsed only, and nothing here refuses a path: callers that
    copy or run the files judge where they are. OSError for an unreadable source."""
    import pyslang

    sources = pyslang.SourceManager()
    pre = pyslang.parsing.PreprocessorOptions()
    pre.additionalIncludePaths = [str(d) for d in include_dirs]
    tree = pyslang.syntax.SyntaxTree.fromFiles([str(f) for f in files], sources, pyslang.Bag([pre]))
    out = []
    for inc in tree.getIncludeDirectives():
        if not inc.buffer.id:
            continue
        loc = sources.getFullyOriginalLoc(inc.syntax.sourceRange.start)
        out.append(
            IncludeDirective(
                includer=Path(sources.getFullPath(loc.buffer)),
                written=str(inc.path),
                path=Path(sources.getFullPath(inc.buffer.id)),
            )
        )
    return out


def reorder_module_ports(netlist: str, top: str, order: list[str]) -> str | None:
    """The netlist with `module top (...)`'s port list in `order`; None when the names differ.

    Only the header list changes: declarations (`input [7:0] a;`) and the body stay as they
    are, so connections by name are unaffected.
    """
    header = re.compile(r"(\bmodule\s+" + re.escape(top) + r"\s*\()([^;]*?)(\)\s*;)", re.S)
    m = header.search(netlist)
    if not m:
        return None
    current = [p.strip() for p in m.group(2).split(",") if p.strip()]
    if sorted(current) != sorted(order):
        return None
    if current == order:
        return netlist
    return netlist[: m.start(2)] + ", ".join(order) + netlist[m.end(2) :]
