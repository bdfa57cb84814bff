"""Bad input is one line on stderr (`error: what — how to fix`), exit code 2, no traceback,
and nothing already produced is lost (issue "Containment and trust", items 4 and 8).

Each case goes through the real CLI (a subprocess) on a copy of examples/counter. Most are
refused when design.yaml is loaded, before any sandbox starts, so they are quick.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli

from siliconcrew.core.design import load_design
from siliconcrew.core.errors import UserInputError


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path, monkeypatch):
    """Keep a config file or SILICONCREW_* variables of the host out of these runs."""
    monkeypatch.setenv("SILICONCREW_CONFIG", str(tmp_path / "no-such-config.yaml"))
    for var in ("SILICONCREW_SANDBOX", "SILICONCREW_IMAGE", "SILICONCREW_UNSAFE_HOST"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def design(tmp_path: Path) -> Path:
    """A private copy of examples/counter as a design folder."""
    folder = tmp_path / "counter"
    shutil.copytree(
        EXAMPLES / "counter", folder, ignore=shutil.ignore_patterns("runs", ".siliconcrew")
    )
    return folder


def edit_card(folder: Path, old: str, new: str) -> None:
    card = folder / "design.yaml"
    text = card.read_text()
    assert old in text, f"{old!r} not in design.yaml"
    card.write_text(text.replace(old, new))


def one_line_error(proc) -> str:
    """The stderr of a refused command: exactly one line, starting with 'error:'."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one stderr line, got: {proc.stderr!r}"
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def refused(proc) -> str:
    assert proc.returncode == 2, (
        f"rc={proc.returncode}\n{proc.stdout[-1500:]}\n{proc.stderr[-1500:]}"
    )
    return one_line_error(proc)


def check(folder: Path, *extra: str):
    return run_cli("check", str(folder), "--no-harden", "--sandbox", "local", *extra)


def harden(folder: Path, *extra: str):
    return run_cli(
        "harden", str(folder), "--sandbox", "local", "--max-repairs", "0", *extra, timeout=900
    )


# ------------------------------------------------------------------ item 4: names and paths
def test_top_path_traversal_is_refused_before_anything_is_written(design, tmp_path):
    edit_card(design, "top: counter", 'top: "../../../../elsewhere/escaped"')
    line = refused(harden(design))
    assert "'top'" in line and "not a Verilog identifier" in line
    assert not list(tmp_path.rglob("escaped*"))  # no `<top>.fl` written anywhere
    assert not (design / "runs").exists()


@pytest.mark.parametrize(
    "old,new,where",
    [
        ("top: counter", 'top: "counter;rm -rf x"', "'top'"),
        ("name: counter", 'name: "counter; echo"', "'name'"),
        ("  top: tb_counter", '  top: "tb_counter;x"', "'verification.top'"),
        ("port: clk", 'port: "clk;x"', "'clock.port'"),
    ],
    ids=["top", "name", "verification-top", "clock-port"],
)
def test_names_must_be_verilog_identifiers(design, old, new, where):
    edit_card(design, old, new)
    line = refused(check(design))
    assert where in line and "not a Verilog identifier" in line


def test_escaped_identifier_is_refused_with_a_clear_message(design):
    edit_card(design, "top: counter", 'top: "\\\\count+er "')
    assert "escaped identifier" in refused(check(design))


def test_rtl_file_name_with_a_space_is_refused_at_load(design):
    (design / "rtl" / "counter.v").rename(design / "rtl" / "my counter.v")
    edit_card(design, "rtl: [rtl/counter.v]", 'rtl: ["rtl/my counter.v"]')
    line = refused(check(design))
    assert "my counter.v" in line and "rename" in line
    assert not (design / "runs").exists()


def test_testbench_file_name_with_shell_characters_is_refused(design):
    (design / "tb" / "tb_counter.v").rename(design / "tb" / "tb$counter.v")
    edit_card(design, "testbench: [tb/tb_counter.v]", 'testbench: ["tb/tb$counter.v"]')
    line = refused(check(design))
    assert "'testbench'" in line and "rename" in line


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_rtl_path_must_stay_inside_the_design_folder(design, tmp_path, how):
    outside = tmp_path / "outside.v"
    shutil.copyfile(design / "rtl" / "counter.v", outside)
    if how == "dotdot":
        path = "../outside.v"
    elif how == "absolute":
        path = str(outside)
    else:
        (design / "rtl" / "link.v").symlink_to(outside)
        path = "rtl/link.v"
    edit_card(design, "rtl: [rtl/counter.v]", f"rtl: [{path}]")
    line = refused(check(design))
    assert "outside the design folder" in line and "copy it into the folder" in line


def test_include_dir_outside_the_folder_exits_2(design, tmp_path):
    """A path outside the folder is bad input (2), not a failed check (1)."""
    (tmp_path / "inc").mkdir()
    edit_card(design, "rtl: [rtl/counter.v]", "rtl: [rtl/counter.v]\ninclude_dirs: [../inc]")
    assert "outside the design folder" in refused(check(design))


# ------------------------------------------------------------- item 8: quiet acceptance
def test_unknown_top_level_key_names_the_closest_one(design):
    edit_card(design, "verification:", "verifcation:")
    line = refused(check(design))
    assert "unknown key 'verifcation'" in line and "did you mean 'verification'" in line


def test_unknown_verification_key_is_refused(design):
    edit_card(design, "pass_patterns:", "pass_pattern:")
    line = refused(check(design))
    assert "'verification'" in line and "did you mean 'pass_patterns'" in line


def test_unknown_flow_key_is_refused_but_options_stay_free(design):
    edit_card(design, "flow: {engine: qflow, pdk: osu018}", "flow: {engine: qflow, pdkk: osu018}")
    assert "did you mean 'pdk'" in refused(check(design))
    edit_card(design, "pdkk: osu018", "pdk: osu018, options: {initial_density: 0.6}")
    d, _ = load_design(design)
    assert d.flow.options == {"initial_density": 0.6}


@pytest.fixture
def read_only(tmp_path: Path, design: Path):
    """`design` seen through a real read-only bind mount (root ignores permission bits)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a read-only bind mount needs root")
    view = tmp_path / "ro-view"
    view.mkdir()
    if (
        subprocess.run(["mount", "--bind", str(design), str(view)], capture_output=True).returncode
        != 0
    ):
        pytest.skip("mount --bind is not permitted here")
    try:
        if (
            subprocess.run(
                ["mount", "-o", "remount,bind,ro", str(view)], capture_output=True
            ).returncode
            != 0
        ):
            pytest.skip("cannot remount read-only here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], capture_output=True)


@pytest.mark.parametrize("command", [("check", "--no-harden"), ("harden",), ("timing",)])
def test_read_only_design_folder_is_one_line(read_only, design, command):
    proc = run_cli(*command, str(read_only), "--sandbox", "local")
    line = refused(proc)
    assert "not writable" in line and "runs/" in line and "make it writable" in line
    assert sorted(p.name for p in design.iterdir()) == ["design.yaml", "rtl", "spec.md", "tb"]


@pytest.mark.parametrize("command", [("check", "--no-harden"), ("harden",)])
def test_huge_clock_period_is_refused_by_every_command(design, command):
    edit_card(design, "period_ns: 10", "period_ns: 1e12")
    proc = run_cli(*command, str(design), "--sandbox", "local", timeout=900)
    line = refused(proc)
    assert "'clock.period_ns'" in line and "1000000" in line


@pytest.mark.parametrize(
    "flow,needle",
    [
        ("{engine: qflow, pdk: osu999}", "the qflow engine has no PDK 'osu999'"),
        ("{engine: librelane, pdk: osu018}", "the librelane engine has no PDK 'osu018'"),
        ("{engine: librelane, pdk: tsmc65}", "the librelane engine has no PDK 'tsmc65'"),
    ],
)
def test_unknown_pdk_is_refused_at_load(design, flow, needle):
    edit_card(design, "flow: {engine: qflow, pdk: osu018}", f"flow: {flow}")
    assert needle in refused(check(design))


def test_old_engine_name_local_is_read_as_qflow_with_a_warning(design):
    """`local` named both the qflow engine and a sandbox backend; the engine is now `qflow`,
    the old name still loads (a warning saying what to write) and is unknown nowhere else."""
    edit_card(design, "flow: {engine: qflow, pdk: osu018}", "flow: {engine: local, pdk: osu018}")
    d, _ = load_design(design)
    assert d.flow.engine == "qflow"
    proc = check(design, "--no-harden", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert any("old name" in w and "engine: qflow" in w for w in warnings), proc.stderr
    edit_card(design, "flow: {engine: local, pdk: osu018}", "flow: {engine: qfloww, pdk: osu018}")
    assert "unknown flow engine 'qfloww'" in refused(check(design))


@pytest.mark.parametrize("pdk", ["sky130A", "gf180mcuD", "ihp-sg13g2"])
def test_librelane_pdks_are_accepted(design, pdk):
    edit_card(
        design, "flow: {engine: qflow, pdk: osu018}", f"flow: {{engine: librelane, pdk: {pdk}}}"
    )
    d, _ = load_design(design)
    assert d.flow.pdk == pdk


def test_missing_spec_with_rtl_is_a_warning(design):
    (design / "spec.md").unlink()
    proc = check(design, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1 and "spec.md" in warnings[0] and "not found" in warnings[0]
    json.loads(proc.stdout)  # stdout stays clean JSON


def test_missing_spec_without_rtl_is_an_error(design):
    (design / "spec.md").unlink()
    shutil.rmtree(design / "rtl")
    edit_card(design, "rtl: [rtl/counter.v]\n", "")
    line = refused(check(design))
    assert "spec.md" in line and "no rtl" in line
    with pytest.raises(UserInputError, match="spec"):
        load_design(design)


def test_kb_search_empty_query_is_refused_before_seeding(tmp_path):
    kb = tmp_path / "kb"
    for query in ("", "   "):
        proc = run_cli("kb", "search", query, "--kb", str(kb), timeout=120)
        assert "empty query" in refused(proc)
    assert not kb.exists()  # the store was not opened, let alone seeded


def test_report_survives_binary_bytes_in_the_trace(tmp_path):
    run = tmp_path / "counter" / "runs" / "20260101-000000-abcd"
    run.mkdir(parents=True)
    (run / "trace.jsonl").write_bytes(
        b'{"ts": "2026-01-01T00:00:00.000+00:00", "event": "run_start"}\n'
        b"\xff\xfe\x00\x01 binary garbage\n"
        b"[1, 2]\n"
        b'{"ts": "2026-01-01T00:00:01.000+00:00", "event": "run_end"}\n'
    )
    proc = run_cli("report", str(run), "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    html = Path(json.loads(proc.stdout)["report"]).read_text()
    assert "2 events, 2 unreadable lines skipped" in html
    assert "run_start" in html and "run_end" in html


def test_harden_from_without_an_earlier_run_is_input(design):
    proc = harden(design, "--from", "lvs")
    line = refused(proc)
    assert "no earlier hardening run to continue" in line
    assert "run harden without --from first" in line
    assert not (design / "runs").exists()  # no empty run folder left behind
