"""`siliconcrew sandbox doctor`: which backend would run, and what is missing with its fix."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from siliconcrew.core.errors import SandboxUnavailable
from siliconcrew.core.settings import SandboxSettings

HOST_TOOLS = {  # binary -> Debian package that provides it
    "iverilog": "iverilog",
    "vvp": "iverilog",
    "verilator": "verilator",
    "yosys": "yosys",
    "sta": "opensta",
    "magic": "magic",
    "netgen-lvs": "netgen-lvs",
    "qflow": "qflow",
    "graywolf": "graywolf",
    "qrouter": "qrouter",
    "g++": "g++",
    "make": "make",
}
EXPECTED_IN_SANDBOX = (
    "iverilog",
    "verilator",
    "yosys",
    "sta",
    "qflow",
    "magic",
    "netgen-lvs",
    "qflow-tech-osu018",
)


def _docker_status(settings: SandboxSettings) -> dict:
    from siliconcrew.sandbox.docker_backend import docker_client, image_id

    info: dict = {"daemon": False, "image": settings.image, "image_id": None}
    try:
        client = docker_client(timeout=3)
    except SandboxUnavailable as exc:
        info["error"] = exc.message
        info["fix"] = exc.hint
        return info
    info["daemon"] = True
    info["server_version"] = client.version().get("Version")
    info["image_id"] = image_id(client, settings.image)
    if info["image_id"] is None:
        info["error"] = f"image '{settings.image}' not found"
        info["fix"] = "siliconcrew sandbox build"
    return info


def _local_status(settings: SandboxSettings) -> dict:
    missing = sorted({pkg for binary, pkg in HOST_TOOLS.items() if shutil.which(binary) is None})
    info = {
        "bwrap": shutil.which("bwrap"),
        "unsafe_host": settings.unsafe_host,
        "host_tools_missing": missing,
    }
    if missing:
        info["fix"] = "apt-get install " + " ".join(missing)
    if not info["bwrap"]:
        info["error"] = "bubblewrap (bwrap) not installed"
        info["fix"] = "apt-get install bubblewrap" + (f" {' '.join(missing)}" if missing else "")
    return info


def run_doctor(settings: SandboxSettings) -> dict:
    from siliconcrew.core.rundir import VERSION_PROBE, parse_version_probe
    from siliconcrew.sandbox import open_sandbox

    report: dict = {
        "configured_backend": settings.backend,
        "docker": _docker_status(settings),
        "local": _local_status(settings),
        "problems": [],
    }
    for part in ("docker", "local"):
        if report[part].get("error"):
            report["problems"].append(
                {"what": f"{part}: {report[part]['error']}", "fix": report[part].get("fix")}
            )
    with tempfile.TemporaryDirectory(prefix="siliconcrew-doctor-") as tmp:
        try:
            with open_sandbox(Path(tmp), settings, quiet=True) as sb:
                report["backend"] = sb.name
                report["sandbox"] = sb.describe()
                probe = sb.run(["bash", "-c", VERSION_PROBE], timeout_s=60, log_name="versions")
                versions = parse_version_probe(probe.output)
        except SandboxUnavailable as exc:
            report["backend"] = None
            report["problems"].append({"what": exc.message, "fix": exc.hint})
            versions = {}
    report["tool_versions"] = versions
    for tool in EXPECTED_IN_SANDBOX:
        v = versions.get(tool)
        if report["backend"] and (v is None or v in ("missing", "") or "missing" in v):
            fix = (
                "siliconcrew sandbox build --rebuild"
                if report["backend"] == "docker"
                else f"apt-get install {HOST_TOOLS.get(tool, tool)}"
            )
            report["problems"].append(
                {"what": f"{tool} missing in the {report['backend']} sandbox", "fix": fix}
            )
    report["ok"] = report["backend"] is not None and not any(
        "missing in the" in p["what"] for p in report["problems"]
    )
    return report
