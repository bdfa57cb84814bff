"""Containment: what a hostile design or testbench can do to the host, on every backend.

Each test reproduces an attack that worked on an earlier version (see the "Containment and
trust" issue) and asserts the finding is gone, with a positive control that the attack code
really ran, so a test cannot pass because the probe silently did nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox import open_sandbox
from siliconcrew.tools.base import ToolContext
from siliconcrew.tools.registry import execute, load_registry
from tests.conftest import ALL_MODES, BACKENDS, CLI, DOCKER_SKIP, REQUIRE_DOCKER, settings_for

# The probe a testbench runs through verilator's $system: each line it prints is a finding.
PROBE = r"""#!/bin/sh
echo "PROBE_RAN uid=$(id -u)"
grep '^CapEff' /proc/self/status | sed 's/^/PROBE_/'
head -c 1 /etc/shadow >/dev/null 2>&1 && echo FINDING_SHADOW_READABLE
echo tampered >> "$1" 2>/dev/null && echo FINDING_GOLDEN_TB_WRITABLE
for s in /run/docker.sock /var/run/docker.sock; do
  [ -e "$s" ] && echo "FINDING_DOCKER_SOCKET_VISIBLE $s"
done
python3 - <<'PY'
import socket
for path in ("/run/docker.sock", "/var/run/docker.sock"):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(path)
        s.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
        print("FINDING_DOCKER_API_ANSWERED", s.recv(64)[:12])
    except OSError:
        pass
PY
ls -a "$(dirname "$4")" 2>/dev/null | grep -q "$(basename "$4")" && echo FINDING_HOST_HOME_VISIBLE
cat "$2" 2>/dev/null && echo FINDING_OTHER_WORKSPACE_READABLE
cat "$3" >/dev/null 2>&1 && echo FINDING_PROJECT_READABLE
echo ok > probe-wrote-here.txt && echo PROBE_CAN_WRITE_JOB_DIR
"""

TB = """module tb_probe;
  integer r;
  initial begin
    r = $system("sh ../../../probe.sh ../../../tb/tb_probe.v {other} {project} {home}");
    $display("PROBE_DONE rc=%0d", r);
    $finish;
  end
endmodule
"""


def run_simulate(ctx: ToolContext, inp: dict):
    return execute(load_registry().tools["simulate"], inp, ctx)


def _probe_workspace(tmp_path: Path, home_marker: Path) -> tuple[Path, Path]:
    ws = tmp_path / "ws"
    (ws / "tb").mkdir(parents=True)
    other = tmp_path / "other-project"
    other.mkdir()
    (other / "secret.txt").write_text("OTHER-WORKSPACE-SECRET\n")
    (ws / "probe.sh").write_text(PROBE)
    project = Path(__file__).resolve().parents[2] / "README.md"
    (ws / "tb" / "tb_probe.v").write_text(
        TB.format(other=other / "secret.txt", project=project, home=home_marker)
    )
    return ws, other


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_testbench_probe_finds_nothing(tmp_path, backend):
    """The exact probe from the issue, run by a verilator testbench, on both backends."""
    marker = Path.home() / f".sc-probe-{os.getpid()}-{backend}"  # a file in the host's home
    marker.write_text("x")
    try:
        _probe(tmp_path, backend, marker)
    finally:
        marker.unlink()


def _probe(tmp_path: Path, backend: str, marker: Path) -> None:
    ws, _ = _probe_workspace(tmp_path, marker)
    golden = ws / "tb" / "tb_probe.v"
    before = golden.read_text()
    ctx = ToolContext(
        ws, lambda w: open_sandbox(w, settings_for(backend), quiet=True), protected={golden}
    )
    try:
        r = run_simulate(
            ctx,
            {
                "files": ["tb/tb_probe.v"],
                "top": "tb_probe",
                "simulator": "verilator",
                "timeout_s": 120,
            },
        )
    finally:
        ctx.close()
    log = (ws / r.artifacts["run_log"]).read_text()
    assert "PROBE_RAN" in log and "PROBE_DONE" in log, (r.summary, log)  # the probe ran
    assert "PROBE_CAN_WRITE_JOB_DIR" in log  # ...and could work where it should
    uid = log.split("PROBE_RAN uid=")[1].split()[0]
    assert uid != "0", log
    assert "PROBE_CapEff:\t0000000000000000" in log, log
    findings = [line for line in log.splitlines() if line.startswith("FINDING_")]
    assert findings == [], findings
    assert golden.read_text() == before
    assert "OTHER-WORKSPACE-SECRET" not in log


@pytest.mark.parametrize("backend", ALL_MODES)
def test_fifo_in_place_of_the_log_cannot_hang_the_host(tmp_path, backend):
    ws = tmp_path / "ws"
    ws.mkdir()
    with open_sandbox(ws, settings_for(backend), quiet=True) as sb:
        job = sb.scratch_dir("jobs", "fifo")
        start = time.monotonic()
        res = sb.run(
            [
                "bash",
                "-c",
                "echo ALL TESTS PASSED; for f in logs/cmd-*.log; do "
                "rm -f $f; mkfifo $f; done; ls -l logs",
            ],
            cwd=job,
            timeout_s=10,
        )
        took = time.monotonic() - start
        assert took < 10, took
        assert not res.ok
        assert res.killed_reason and "replaced" in res.killed_reason
        assert "PASSED" not in res.output
        after = sb.run(["echo", "next"], cwd=job)  # the sandbox still works
        assert after.ok and "next" in after.output
        # FIFOs left in the job folder are removed before any host step reads it.
        assert not any(p.is_fifo() for p in job.rglob("*"))


@pytest.mark.parametrize("backend", ALL_MODES)
def test_symlinked_log_is_refused_not_followed(tmp_path, backend):
    ws = tmp_path / "ws"
    ws.mkdir()
    secret = tmp_path / "host-secret.txt"
    secret.write_text("HOST-SECRET-CONTENT\n")
    with open_sandbox(ws, settings_for(backend), quiet=True) as sb:
        job = sb.scratch_dir("jobs", "link")
        res = sb.run(
            [
                "bash",
                "-c",
                f"for f in logs/cmd-*.log; do rm -f $f; "
                f"ln -s {secret} $f; done; ln -s /etc/shadow shadow-link",
            ],
            cwd=job,
            timeout_s=10,
        )
    assert not res.ok and "replaced" in (res.killed_reason or "")
    assert "HOST-SECRET" not in res.output
    assert secret.read_text() == "HOST-SECRET-CONTENT\n"  # never overwritten through the link
    assert not (job / "shadow-link").is_symlink()  # links out of the workspace are removed
    assert any("shadow-link" in n for n in res.notes)


def test_symlinked_run_log_gives_a_result_not_a_traceback(tmp_path):
    """simulate: the testbench swaps its log for a symlink to /etc/shadow (issue item 5)."""
    ws = tmp_path / "ws"
    (ws / "tb").mkdir(parents=True)
    (ws / "tb" / "tb.v").write_text(
        "module tb; integer r; initial begin\n"
        '  r = $system("for f in logs/run-*.log; do rm -f $f; ln -s /etc/shadow $f; done");\n'
        '  $display("TEST PASSED"); $finish; end\nendmodule\n'
    )
    ctx = ToolContext(ws, lambda w: open_sandbox(w, SandboxSettings(backend="local"), quiet=True))
    try:
        r = run_simulate(
            ctx,
            {
                "files": ["tb/tb.v"],
                "top": "tb",
                "simulator": "verilator",
                "pass_patterns": ["TEST PASSED"],
            },
        )
    finally:
        ctx.close()
    assert not r.ok and r.failure == "check", r.summary
    assert "replaced" in r.summary
    assert r.log_path and r.log_path.startswith(".siliconcrew/jobs/")


FLOOD_TB = """module tb;
  integer i;
  initial begin
    for (i = 0; i < {n}; i = i + 1) \
$display("filler line %0d ................................................", i);
    {error}
    for (i = 0; i < {n}; i = i + 1) \
$display("filler line %0d ................................................", i);
    $display("TEST PASSED");
    $finish;
  end
endmodule
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_line_in_the_middle_of_a_flood_fails(
    tmp_path,
    backend,
):
    """A 22 MB log with one ERROR line in the middle must fail (the middle is capped away)."""
    ws = tmp_path / "ws"
    (ws / "tb").mkdir(parents=True)
    n = 180_000  # ~ 2 x 11 MB of filler
    for name, error in (("bad", '$display("ERROR: mismatch at cycle 42");'), ("good", "")):
        (ws / "tb" / f"{name}.v").write_text(FLOOD_TB.format(n=n, error=error))
    ctx = ToolContext(ws, lambda w: open_sandbox(w, settings_for(backend), quiet=True))
    try:
        bad = run_simulate(
            ctx,
            {
                "files": ["tb/bad.v"],
                "top": "tb",
                "pass_patterns": ["TEST PASSED"],
                "timeout_s": 120,
            },
        )
        good = run_simulate(
            ctx,
            {
                "files": ["tb/good.v"],
                "top": "tb",
                "pass_patterns": ["TEST PASSED"],
                "timeout_s": 120,
            },
        )
    finally:
        ctx.close()
    assert bad.metrics["sim__output_bytes"] > 20_000_000
    assert bad.metrics["sim__output_truncated"] is True
    assert not bad.ok, bad.summary
    assert "ERROR: mismatch at cycle 42" in bad.summary
    log = (ws / bad.artifacts["run_log"]).read_text()
    assert "ERROR: mismatch" not in log  # really dropped by the cap: the scan saw it anyway
    assert good.ok, good.summary
    assert any(d.code == "output-truncated" for d in good.diagnostics)


def _docker_needed() -> None:
    if DOCKER_SKIP and not REQUIRE_DOCKER:
        pytest.skip(DOCKER_SKIP)


def _containers_for(ws: Path) -> list:
    from siliconcrew.sandbox.docker_backend import LABEL, docker_client

    client = docker_client()
    return [
        c
        for c in client.containers.list(all=True, filters={"label": LABEL})
        if c.labels.get(f"{LABEL}.workspace") == str(ws.resolve())
    ]


HOLD_OPEN = """
import sys, time
from pathlib import Path
from siliconcrew.core.settings import SandboxSettings
from siliconcrew.sandbox import open_sandbox
sb = open_sandbox(Path(sys.argv[1]), SandboxSettings(backend="docker",
                  docker_exec_mode=sys.argv[2]), quiet=True)
sb.run(["true"], cwd=sb.scratch_dir("jobs", "x"))
print("READY", flush=True)
sb.run(["sleep", "600"], cwd=sb.scratch_dir("jobs", "y"), timeout_s=700)
"""


@pytest.mark.docker
@pytest.mark.parametrize(
    "mode,sig", [("socket", signal.SIGKILL), ("exec", signal.SIGKILL), ("socket", signal.SIGTERM)]
)
def test_killed_owner_leaves_no_container(tmp_path, mode, sig):
    """kill -9 (or SIGTERM) of the process using the sandbox: its container goes away."""
    _docker_needed()
    ws = tmp_path / "ws"
    ws.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(ws), mode],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.stdout.readline().strip() == "READY"
    assert len(_containers_for(ws)) == 1
    proc.send_signal(sig)
    proc.wait(timeout=30)
    if mode == "exec" and sig == signal.SIGKILL:
        # Nothing in the container can notice: the next sandbox opened reaps the orphan.
        other = tmp_path / "other"
        other.mkdir()
        open_sandbox(other, SandboxSettings(backend="docker"), quiet=True).close()
    deadline = time.monotonic() + 20
    while _containers_for(ws) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert _containers_for(ws) == []


def test_sigterm_of_cli_is_handled_like_ctrl_c(tmp_path):
    """`tools run` under SIGTERM exits promptly through the normal clean-up path (no traceback)."""
    ws = tmp_path / "ws"
    (ws / "tb").mkdir(parents=True)
    (ws / "tb" / "t.v").write_text("module t; reg x = 0; always #1 x = ~x; endmodule\n")
    env = {**os.environ, "SILICONCREW_SANDBOX": "local"}
    proc = subprocess.Popen(
        [
            *CLI,
            "tools",
            "run",
            "simulate",
            "-w",
            str(ws),
            "--input",
            '{"files": ["tb/t.v"], "top": "t", "timeout_s": 300}',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (proc.returncode, out, err)
    assert "Traceback" not in err
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", "vvp -n sim.vvp"], capture_output=True, text=True)
    # Only this test's simulation counts (its cwd is in this workspace): other simulations on
    # the machine (a parallel run, a benchmark) are not ours to judge.
    ours = [pid for pid in left.stdout.split() if str(ws) in _cwd_of(pid)]
    assert ours == [], "the simulation outlived the CLI"


def _cwd_of(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:  # it ended meanwhile, or is not ours to inspect
        return ""


@pytest.mark.docker
@pytest.mark.parametrize("mode", ["socket", "exec"])
def test_sandbox_usable_after_fork_bombs_and_memory_hogs(tmp_path, mode):
    """20 rounds of abuse; after each the next command runs within seconds (issue item 7)."""
    _docker_needed()
    ws = tmp_path / "ws"
    ws.mkdir()
    s = SandboxSettings(backend="docker", docker_exec_mode=mode, mem_limit_mb=256, pids_limit=64)
    with open_sandbox(ws, s, quiet=True) as sb:
        job = sb.scratch_dir("jobs", "abuse")
        for i in range(20):
            attack = (
                ":(){ :|:& };: ; sleep 1"
                if i % 2 == 0
                else 'python3 -c "a = bytearray(1024*1024*1024)"'
            )
            sb.run(["bash", "-c", attack], cwd=job, timeout_s=20)
            start = time.monotonic()
            after = sb.run(["echo", f"round-{i}"], cwd=job, timeout_s=20)
            took = time.monotonic() - start
            assert after.ok and f"round-{i}" in after.output, (i, after)
            assert took < 10, (i, took)


# ------------------------------------------------------------------ data files beside the sources
ROM_V = """module rom(input clk, input [1:0] addr, output reg [7:0] data);
  reg [7:0] mem [0:3];
  initial $readmemh("rom.hex", mem);
  always @(posedge clk) data <= mem[addr];
endmodule
"""
ROM_TB = """module tb_rom;
  reg clk = 0; reg [1:0] addr = 0; wire [7:0] data; integer fd, i, errors = 0, v;
  reg [7:0] expected [0:3];
  rom dut(clk, addr, data);
  always #5 clk = ~clk;
  initial begin
    $readmemh("tb/expected.hex", expected);
    fd = $fopen("vectors.txt", "r");
    if (fd == 0) begin $display("ERROR: cannot open vectors.txt"); $finish; end
    for (i = 0; i < 4; i = i + 1) begin
      v = $fscanf(fd, "%d\\n", addr);
      @(negedge clk); @(negedge clk);
      if (data !== expected[addr]) begin errors = errors + 1; \
$display("ERROR: addr %0d got %h", addr, data); end
    end
    if (errors == 0) $display("TEST PASSED");
    $finish;
  end
endmodule
"""


def test_testbench_finds_data_files_next_to_it(tmp_path, tool_ctx):
    ws = tmp_path / "rom"
    (ws / "rtl").mkdir(parents=True)
    (ws / "tb").mkdir()
    (ws / "rtl" / "rom.v").write_text(ROM_V)
    (ws / "rtl" / "rom.hex").write_text("11\n22\n33\n44\n")
    (ws / "tb" / "tb_rom.v").write_text(ROM_TB)
    (ws / "tb" / "expected.hex").write_text("11 22 33 44\n")
    (ws / "tb" / "vectors.txt").write_text("3\n0\n2\n1\n")
    r = execute(
        load_registry().tools["simulate"],
        {"files": ["rtl/rom.v", "tb/tb_rom.v"], "top": "tb_rom", "pass_patterns": ["TEST PASSED"]},
        tool_ctx(ws),
    )
    assert r.ok, (r.summary, r.diagnostics)
    assert set(r.metrics["sim__data_files"]) >= {"rtl/rom.hex", "tb/expected.hex", "tb/vectors.txt"}


FORGER = """
module forger;
  integer fd;
  initial begin
    // From gl_sim/ (netlist run) and gl_sim/rtl/ (RTL run): try to replace what the host
    // reads after the gate-level stage (the GDS, a signoff log) and to drop a file beside.
    fd = $fopen("../layout/counter.gds", "w"); if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
    fd = $fopen("../../layout/counter.gds", "w"); \
if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
    fd = $fopen("../log/drc.log", "w"); if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
    fd = $fopen("../../log/drc.log", "w"); if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
    fd = $fopen("../forged.txt", "w"); if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
    fd = $fopen("../../forged.txt", "w"); if (fd) begin $fwrite(fd, "FORGED"); $fclose(fd); end
  end
endmodule
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_gate_level_testbench_cannot_forge_the_flow_outputs(tmp_path, backend):
    """The gate-level stage runs the design's own testbench beside the finished layout: the
    flow folder is sealed first, so the GDS and logs the user gets are the flow's, and a
    continued run (--from) can still write there."""
    import json
    import shutil

    from tests.conftest import EXAMPLES, run_cli

    design = tmp_path / "counter"
    shutil.copytree(EXAMPLES / "counter", design, ignore=shutil.ignore_patterns("runs"))
    (design / "tb" / "forger.v").write_text(FORGER)
    card = design / "design.yaml"
    text = card.read_text().replace("tb/tb_counter.v", "tb/tb_counter.v, tb/forger.v")
    assert "forger.v" in text, text
    card.write_text(text)
    # The forger is a second top-level module: iverilog elaborates it beside the testbench.
    text = (design / "tb" / "tb_counter.v").read_text()
    (design / "tb" / "tb_counter.v").write_text(
        text.replace("module tb_counter;", "module tb_counter;\n  forger f();")
    )
    sandbox = "docker" if backend == "docker" else "local"
    proc = run_cli("harden", str(design), "--json", "--sandbox", sandbox, timeout=900)
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["status"] == "ok", proc.stderr[-2000:]
    flow_dir = Path(data["flow_dir"])
    assert b"FORGED" not in Path(data["artifacts"]["gds"]).read_bytes()
    assert "FORGED" not in (flow_dir / "log" / "drc.log").read_text()
    assert not (flow_dir / "forged.txt").exists()
    proc = run_cli(
        "harden",
        str(design),
        "--json",
        "--sandbox",
        sandbox,
        "--from",
        "lvs",
        "--run",
        data["run_id"],
        timeout=900,
    )
    again = json.loads(proc.stdout)
    assert proc.returncode == 0 and again["status"] == "ok", proc.stderr[-2000:]
    assert {s["name"]: s["status"] for s in again["stages"]}["lvs"] == "ok"
