"""What an exploration leaves in `explore/<id>/`: the trial table (CSV), the Pareto front
(fmax vs die area, PNG drawn with matplotlib's Agg backend: no display needed) and the best
configuration as a design.yaml snippet."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import yaml

from siliconcrew.explore.space import DEFAULT_VALUE

FIGURES = (
    "period_ns",
    "setup_ws_ns",
    "effective_period_ns",
    "fmax_mhz",
    "area_um2",
    "cell_area_um2",
    "cells",
    "drc",
    "lvs_errors",
)


def write_csv(
    path: Path, trials: list[dict[str, Any]], paths: list[str], front: set[str], best: str | None
) -> Path:
    """One row per trial (baseline first): config, figures, status, pareto/best flags."""
    cols = ["trial", "baseline", "status", *paths, *FIGURES, "pareto", "best", "resumed"]
    cols += ["wall_s", "failure", "run_dir"]
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for t in trials:
            cfg, m = t.get("config") or {}, t.get("metrics") or {}
            w.writerow(
                [t["id"], int(bool(t.get("baseline"))), t["status"]]
                + [cfg.get(p, "") for p in paths]
                + ["" if m.get(k) is None else m[k] for k in FIGURES]
                + [int(t["id"] in front), int(t["id"] == best), int(bool(t.get("resumed")))]
                + [t.get("wall_s") or "", t.get("failure") or "", t.get("run_dir") or ""]
            )
    os.replace(tmp, path)
    return path


def write_pareto_png(
    path: Path,
    trials: list[dict[str, Any]],
    front: list[dict[str, Any]],
    best: dict[str, Any] | None,
    title: str,
) -> Path:
    """Counted trials as dots, the front as a line, the baseline as a star, the best ringed;
    failed trials have no figures worth plotting and are counted in the caption."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    ok = [t for t in trials if t["status"] == "ok"]
    failed = len(trials) - len(ok)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    try:
        xs = [t["metrics"]["area_um2"] for t in ok if not t.get("baseline")]
        ys = [t["metrics"]["fmax_mhz"] for t in ok if not t.get("baseline")]
        ax.scatter(xs, ys, s=28, color="#4c72b0", label="trial", zorder=3)
        if front:
            ax.plot(
                [t["metrics"]["area_um2"] for t in front],
                [t["metrics"]["fmax_mhz"] for t in front],
                "-o",
                color="#dd8452",
                ms=4,
                drawstyle="steps-post",
                label="Pareto front",
                zorder=2,
            )
        base = next((t for t in ok if t.get("baseline")), None)
        if base is not None:
            ax.scatter(
                [base["metrics"]["area_um2"]],
                [base["metrics"]["fmax_mhz"]],
                marker="*",
                s=160,
                color="#55a868",
                label="baseline (design.yaml)",
                zorder=4,
            )
        if best is not None:
            ax.scatter(
                [best["metrics"]["area_um2"]],
                [best["metrics"]["fmax_mhz"]],
                s=180,
                facecolors="none",
                edgecolors="#c44e52",
                linewidths=2,
                label="best",
                zorder=5,
            )
        ax.set_xlabel("die area (µm²)")
        ax.set_ylabel("fmax (MHz) = 1000 / (period − setup WS)")
        ax.set_title(title, fontsize=10)
        note = f"{len(ok)} clean trial(s) shown; {failed} failed trial(s) not plotted"
        if not ok:
            ax.text(0.5, 0.5, "no clean trial", ha="center", transform=ax.transAxes)
        ax.annotate(note, (0.01, 0.01), xycoords="figure fraction", fontsize=8, color="#555")
        ax.grid(True, alpha=0.3)
        if ok:
            ax.legend(fontsize=8, loc="best")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        tmp = path.with_name(path.stem + ".tmp.png")
        fig.savefig(tmp, format="png")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
    return path


def snippet(trial_data: dict[str, Any], config: dict[str, Any], header: str, objective: str) -> str:
    """The best config as design.yaml text: each top-level section the config touches, whole
    (as the trial ran it, delay target included), so it can replace the section as is."""
    tops = list(dict.fromkeys(p.split(".")[0] for p in config))
    unset = [p for p, v in config.items() if v is None or v == DEFAULT_VALUE]
    body = {k: trial_data[k] for k in tops if trial_data.get(k) not in (None, {}, [])}
    lines = [f"# {header}", f"# objective: {objective}"]
    lines += [f"# {p}: unset (the default)" for p in unset]
    text = yaml.safe_dump(body, sort_keys=False, default_flow_style=False) if body else ""
    return "\n".join(lines) + "\n" + text
