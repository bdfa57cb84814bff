"""Layout facts and pictures from DEF + cell LEF (engine-independent).

qflow's techs ship cells as LEF only (no cell GDS), so the GDS shows routing but empty cells.
The picture is therefore drawn from the routed DEF with the cell LEF: each placed cell as a
grey box (from the LEF SIZE and the DEF placement), routing and vias in colour (klayout).
`start_png` draws it in a child process (klayout's import and drawing cost ~0.3-0.5 s), so an
engine can start it as soon as the routed DEF exists and collect it after the later stages.
Metrics (instance count and area, die area, utilization) come from the same files, so every
engine that leaves a DEF gets them in LibreLane's names.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_MACRO = re.compile(r"^MACRO\s+(\S+)(.*?)^END\s+\1", re.MULTILINE | re.DOTALL)
_SIZE = re.compile(r"^\s*SIZE\s+([\d.]+)\s+BY\s+([\d.]+)", re.MULTILINE)
_CLASS = re.compile(r"^\s*CLASS\s+(\w+)", re.MULTILINE)
_UNITS = re.compile(r"UNITS\s+DISTANCE\s+MICRONS\s+(\d+)")
_DIE = re.compile(r"DIEAREA\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)")
_COMPONENTS = re.compile(r"^COMPONENTS\s+\d+\s*;(.*?)^END\s+COMPONENTS", re.MULTILINE | re.DOTALL)
_COMP = re.compile(
    r"-\s+(\S+)\s+(\S+)\s+\+\s+(?:PLACED|FIXED)"
    r"\s+\(\s*(-?\d+)\s+(-?\d+)\s*\)\s+(\w+)"
)
FILL_PREFIXES = ("FILL", "DECAP", "TAP", "PHY_")


@dataclass
class Macro:
    width: float
    height: float
    klass: str = "CORE"


@dataclass
class Placement:
    name: str
    macro: str
    x: float
    y: float
    orient: str


def read_lef_macros(lef_paths: list[Path]) -> dict[str, Macro]:
    macros: dict[str, Macro] = {}
    for path in lef_paths:
        text = path.read_text(errors="replace")
        for m in _MACRO.finditer(text):
            body = m.group(2)
            size = _SIZE.search(body)
            klass = _CLASS.search(body)
            if size:
                macros[m.group(1)] = Macro(
                    float(size.group(1)), float(size.group(2)), klass.group(1) if klass else "CORE"
                )
    return macros


def read_def(
    def_path: Path,
) -> tuple[float, tuple[float, float, float, float] | None, list[Placement]]:
    """(units per micron, die box in microns, placed components in microns)."""
    text = def_path.read_text(errors="replace")
    u = _UNITS.search(text)
    units = float(u.group(1)) if u else 1000.0
    d = _DIE.search(text)
    die = tuple(float(v) / units for v in d.groups()) if d else None
    comps: list[Placement] = []
    block = _COMPONENTS.search(text)
    if block:
        for m in _COMP.finditer(block.group(1)):
            comps.append(
                Placement(
                    m.group(1),
                    m.group(2),
                    float(m.group(3)) / units,
                    float(m.group(4)) / units,
                    m.group(5),
                )
            )
    return units, die, comps  # type: ignore[return-value]


def is_filler(macro: str) -> bool:
    return macro.upper().startswith(FILL_PREFIXES)


def layout_metrics(def_path: Path, lef_paths: list[Path]) -> dict[str, float | int | None]:
    macros = read_lef_macros(lef_paths)
    _, die, comps = read_def(def_path)
    cells = [c for c in comps if not is_filler(c.macro)]
    area = sum(macros[c.macro].width * macros[c.macro].height for c in cells if c.macro in macros)
    die_area = (die[2] - die[0]) * (die[3] - die[1]) if die else None
    return {
        "design__instance__count": len(cells),
        "design__instance__count__fill": len(comps) - len(cells),
        "design__instance__area": round(area, 3),
        "design__die__area": round(die_area, 3) if die_area else None,
        "design__instance__utilization": round(area / die_area, 4) if die_area else None,
    }


@contextlib.contextmanager
def _quiet_stdout():
    """klayout's reader prints expected warnings (unmapped LEF purposes) straight to fd 1,
    which would corrupt `--json` output; send them to /dev/null for the read."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def render_png(
    def_path: Path, lef_paths: list[Path], png_path: Path, width: int = 1200, height: int = 900
) -> Path:
    """Draw the routed layout (cells as boxes, metals in colour) to a PNG with klayout."""
    import klayout.db as kdb
    import klayout.lay as klay

    units, _, comps = read_def(def_path)
    macros = read_lef_macros(lef_paths)
    layout = kdb.Layout()
    opt = kdb.LoadLayoutOptions()
    cfg = kdb.LEFDEFReaderConfiguration()
    cfg.lef_files = [str(p) for p in lef_paths]
    cfg.dbu = 1.0 / units
    cfg.produce_cell_outlines = False
    cfg.produce_labels = False
    opt.lefdef_config = cfg
    with _quiet_stdout():
        layout.read(str(def_path), opt)
    top = layout.top_cell()
    cell_layer = layout.layer(999, 0)
    fill_layer = layout.layer(998, 0)
    for c in comps:
        m = macros.get(c.macro)
        if m is None:
            continue
        w, h = (m.height, m.width) if c.orient in ("E", "W", "FE", "FW") else (m.width, m.height)
        box = kdb.DBox(c.x, c.y, c.x + w, c.y + h)
        top.shapes(fill_layer if is_filler(c.macro) else cell_layer).insert(box)

    view = klay.LayoutView()
    for key, value in {
        "background-color": "#ffffff",
        "grid-visible": "false",
        "text-visible": "false",
        "cell-box-visible": "false",
        "ghost-cells-visible": "false",
    }.items():
        view.set_config(key, value)
    view.show_layout(layout, False)
    view.max_hier()
    view.add_missing_layers()
    metal_colors = [0x1F77B4, 0xD62728, 0x2CA02C, 0x9467BD, 0xFF7F0E, 0x8C564B, 0x17BECF]
    it = view.begin_layers()
    while not it.at_end():
        lp = it.current().dup()
        layer, dtype = lp.source_layer, lp.source_datatype
        if layer == 999:  # standard cells
            lp.fill_color, lp.frame_color, lp.dither_pattern = 0xBBBBBB, 0x555555, 3
        elif layer == 998:  # fillers
            lp.fill_color, lp.frame_color, lp.dither_pattern = 0xF4F4F4, 0xCCCCCC, 1
        elif dtype == 1:  # labels
            lp.visible = False
        elif layer % 2 == 0:  # metals (even layer numbers in qflow/magic LEF maps)
            color = metal_colors[(layer // 2) % len(metal_colors)]
            lp.fill_color, lp.frame_color, lp.dither_pattern = color, color, 2
        else:  # vias
            lp.fill_color, lp.frame_color, lp.dither_pattern = 0x000000, 0x000000, 0
        view.set_layer_properties(it, lp)
        it.next()
    view.zoom_fit()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    view.save_image(str(png_path), width, height)
    return png_path


class PngError(RuntimeError):
    """The picture was not drawn; the message is the child's `Type: message` line."""


class PngJob:
    """`render_png` running in a child process; `result()` waits for it and returns the PNG.

    A child and not a thread: klayout holds the GIL while it draws (a thread would stall the
    flow's own bookkeeping), its import stays out of the flow's process, and a crash in it
    cannot take the flow down (a picture must never fail the flow).
    """

    def __init__(
        self, def_path: Path, lef_paths: list[Path], png_path: Path, timeout_s: float = 300.0
    ) -> None:
        import siliconcrew

        self.png_path = png_path
        self.timeout_s = timeout_s
        here = str(Path(siliconcrew.__file__).resolve().parents[1])
        env = {k: v for k, v in os.environ.items() if k != "SILICONCREW_PROFILE"}
        env["PYTHONPATH"] = os.pathsep.join([here, *filter(None, [env.get("PYTHONPATH")])])
        png_path.parent.mkdir(parents=True, exist_ok=True)
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "siliconcrew.engines.layout",
                str(def_path),
                str(png_path),
                *map(str, lef_paths),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )

    def result(self) -> Path:
        """The PNG's path once drawn; PngError (the child's error line) otherwise."""
        try:
            _, err = self._proc.communicate(timeout=self.timeout_s)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            raise PngError(
                f"TimeoutExpired: layout picture not drawn within {self.timeout_s:g} s"
            ) from None
        if self._proc.returncode != 0:
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise PngError(
                lines[-1] if lines else f"ChildProcessError: exit {self._proc.returncode}"
            )
        return self.png_path


def start_png(def_path: Path, lef_paths: list[Path], png_path: Path) -> PngJob:
    """Start drawing the layout picture in the background (see `PngJob`)."""
    return PngJob(def_path, lef_paths, png_path)


if __name__ == "__main__":  # the child of PngJob: DEF, PNG, LEF...
    try:
        render_png(Path(sys.argv[1]), [Path(p) for p in sys.argv[3:]], Path(sys.argv[2]))
    except Exception as exc:
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        sys.exit(1)
