"""Build the EDA sandbox image without a container registry.

Why this exists: the machines SiliconCrew targets often reach a Debian mirror and PyPI but no
container registry, so `FROM debian:bookworm-slim` cannot be pulled. Instead we make the base
ourselves: `debootstrap --variant=minbase` from the host's own Debian mirror, tar the root and
import it as `BASE_IMAGE`; the recipe (`image/Dockerfile`, package data) then builds `FROM` it
with host networking (the daemon may run with `--bridge=none`). Where a registry is reachable,
`from_registry=True` skips all that and builds from `debian:bookworm-slim`.

Everything talks to the daemon through the `docker` SDK (the CLI on these hosts may lack
buildx); only debootstrap and tar run as subprocesses.

The built image carries the sha256 of the Dockerfile as a label, so callers (setup.sh, the
`sandbox build` command) can tell a stale image from a current one without rebuilding.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path
from typing import Callable, Iterable

from siliconcrew.core.errors import SiliconCrewError
from siliconcrew.core.settings import BASE_IMAGE, SandboxSettings

DOCKERFILE = Path(__file__).parent / "image" / "Dockerfile"
REGISTRY_BASE = "debian:bookworm-slim"
SUITE = "bookworm"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
RECIPE_LABEL = "org.siliconcrew.recipe-sha256"
BASE_LABEL = "org.siliconcrew.base"
# A build streams for minutes and apt can stay silent for a while: the SDK's default 60 s read
# timeout would abort a healthy build.
BUILD_TIMEOUT_S = 3600.0

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    pass


def recipe_sha256() -> str:
    """sha256 of the Dockerfile; stored as a label so a changed recipe means a rebuild."""
    return hashlib.sha256(DOCKERFILE.read_bytes()).hexdigest()


def image_status(client, name: str) -> dict | None:
    """{id, created, size, recipe_sha256} of image `name`, or None when it does not exist."""
    import docker.errors

    try:
        attrs = client.images.get(name).attrs
    except docker.errors.ImageNotFound:
        return None
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return {
        "id": attrs.get("Id"),
        "created": attrs.get("Created"),
        "size": attrs.get("Size"),
        "recipe_sha256": labels.get(RECIPE_LABEL),
    }


def build_reason(client, name: str) -> str | None:
    """Why image `name` needs (re)building, or None when it exists and matches the recipe."""
    status = image_status(client, name)
    if status is None:
        return "image missing"
    if status["recipe_sha256"] != recipe_sha256():
        return "Dockerfile changed since the image was built"
    return None


# --- mirror discovery -------------------------------------------------------------------------


def _sources_files(etc: Path) -> list[Path]:
    files = [etc / "sources.list"] if (etc / "sources.list").is_file() else []
    d = etc / "sources.list.d"
    if d.is_dir():
        files += sorted(p for p in d.iterdir() if p.suffix in (".list", ".sources") and p.is_file())
    return files


def _entries(path: Path) -> Iterable[tuple[str, str, list[str], list[str]]]:
    """(type, uri, suites, components) for each source in a one-line or deb822 file."""
    text = path.read_text(errors="replace")
    if path.suffix == ".sources":
        for para in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            key = None
            for line in para.splitlines():
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                if line[0] in " \t" and key:  # continuation line
                    fields[key] += " " + line.strip()
                    continue
                key, _, value = line.partition(":")
                key = key.strip().lower()
                fields[key] = value.strip()
            if fields.get("enabled", "yes").lower() == "no":
                continue
            for typ in fields.get("types", "").split():
                for uri in fields.get("uris", "").split():
                    yield (
                        typ,
                        uri,
                        fields.get("suites", "").split(),
                        fields.get("components", "").split(),
                    )
    else:
        for line in text.splitlines():
            line = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
            if len(line) >= 3:
                yield line[0], line[1], [line[2]], line[3:]


def debian_mirror(etc: Path = Path("/etc/apt")) -> str:
    """The host's Debian archive URI: debootstrap must use the mirror this host can reach.

    Picks the first `deb` entry with component `main` for the bookworm suite itself; failing
    that, the first plain (non -updates/-security) suite with `main` that is not a security
    archive; failing that, deb.debian.org.
    """
    candidates: list[tuple[str, list[str]]] = []
    for path in _sources_files(etc):
        try:
            for typ, uri, suites, comps in _entries(path):
                if typ != "deb" or "main" not in comps or "security" in uri:
                    continue
                if not re.match(r"^(https?|ftp|file)://", uri):
                    continue
                candidates.append((uri.rstrip("/"), suites))
        except OSError:
            continue
    for uri, suites in candidates:
        if SUITE in suites:
            return uri
    for uri, suites in candidates:
        if any(re.fullmatch(r"[a-z]+", s) for s in suites):
            return uri
    return FALLBACK_MIRROR


# --- base image -------------------------------------------------------------------------------


def _run_streamed(argv: list[str], progress: Progress, what: str, hint: str) -> None:
    """Run argv, passing each output line to progress; raise with the last lines on failure."""
    tail: deque[str] = deque(maxlen=20)
    try:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except FileNotFoundError as exc:
        raise SiliconCrewError(f"{argv[0]} is not installed", hint) from exc
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        if line:
            tail.append(line)
            progress(line)
    rc = proc.wait()
    if rc != 0:
        errors = [t for t in tail if t.startswith(("E:", "W:", "tar:"))] or list(tail)
        last = errors[-1] if errors else "(no output)"
        raise SiliconCrewError(f"{what} failed (exit {rc}): {last}", hint)


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve()) + "/"
    try:
        lines = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return []
    return [
        m for m in (ln.split()[1] for ln in lines if len(ln.split()) > 1) if m.startswith(prefix)
    ]


def _remove_tree(path: Path, progress: Progress) -> None:
    """Delete the debootstrap root, but never through a mount (a failed debootstrap can leave
    /proc or /sys mounted inside it, and rmtree would walk into the host's)."""
    for mount in sorted(_mounts_under(path), reverse=True):
        subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
    left = _mounts_under(path)
    if left:
        progress(f"warning: leaving {path} in place, still mounted: {', '.join(left)}")
        return
    shutil.rmtree(path, ignore_errors=True)


def build_base(client, progress: Progress = _noop, *, tag: str = BASE_IMAGE) -> str:
    """debootstrap a minimal Debian into a temp dir and import it as `tag`; returns its id."""
    hint_pkg = "apt-get install debootstrap, or use --from-registry where a registry is reachable"
    if shutil.which("debootstrap") is None:
        raise SiliconCrewError("debootstrap is not installed", hint_pkg)
    if os.geteuid() != 0:
        raise SiliconCrewError(
            "building the base image needs root (debootstrap creates a root filesystem)",
            "run it with sudo, or use --from-registry",
        )
    mirror = debian_mirror()
    # /var/tmp rather than /tmp: /tmp is often a small tmpfs mounted nodev, which breaks the
    # device nodes debootstrap creates.
    workdir = Path(
        tempfile.mkdtemp(
            prefix="siliconcrew-base-", dir="/var/tmp" if os.path.isdir("/var/tmp") else None
        )
    )
    root, tarball = workdir / "root", workdir / "root.tar"
    try:
        progress(f"debootstrap {SUITE} from {mirror} into {root}")
        _run_streamed(
            ["debootstrap", "--variant=minbase", SUITE, str(root), mirror],
            progress,
            "debootstrap",
            f"check that {mirror} is reachable (apt-get update works?), or use --from-registry",
        )
        progress("packing the root filesystem")
        # To a file rather than a pipe so a tar failure is seen before anything is imported:
        # an import fed by a broken pipe silently yields an empty image.
        with open(tarball, "wb") as out:
            proc = subprocess.run(
                ["tar", "--numeric-owner", "-C", str(root), "-c", "."],
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
            )
        if proc.returncode != 0 or tarball.stat().st_size == 0:
            msg = (proc.stderr.strip().splitlines() or ["empty archive"])[-1]
            raise SiliconCrewError(
                f"tar of the base root failed (exit {proc.returncode}): {msg}",
                f"check free space in {workdir.parent}",
            )
        _remove_tree(root, progress)  # free the space before docker copies the tarball in
        progress(f"importing {tarball.stat().st_size // (1 << 20)} MiB as {tag}")
        from docker.utils import parse_repository_tag

        repo, tg = parse_repository_tag(tag)
        try:
            result = client.api.import_image_from_file(str(tarball), repository=repo, tag=tg)
        except Exception as exc:
            raise SiliconCrewError(
                f"docker import of {tag} failed: {exc}".splitlines()[0],
                "check the daemon log and free space",
            ) from exc
        if '"error"' in str(result):
            raise SiliconCrewError(
                f"docker import of {tag} failed: {str(result).strip()}"[:300],
                "check the daemon log and free space",
            )
        return client.images.get(tag).id
    finally:
        _remove_tree(workdir, progress)


# --- the EDA image ----------------------------------------------------------------------------


def _stream_lines(chunk: dict) -> list[str]:
    text = chunk.get("stream") or chunk.get("status") or ""
    return [ln.rstrip() for ln in text.splitlines() if ln.strip()]


def build_image(
    settings: SandboxSettings,
    *,
    from_registry: bool = False,
    rebuild_base: bool = False,
    progress: Progress | None = None,
    client=None,
) -> dict:
    """Build `settings.image` from the packaged Dockerfile; returns {image, image_id, base,
    base_built, seconds}.

    Offline (default): make `BASE_IMAGE` with debootstrap when it is missing (or
    `rebuild_base`), then build FROM it. `from_registry`: build FROM debian:bookworm-slim.
    Always builds (the cache keeps an unchanged recipe cheap); use `build_reason` to decide
    whether to call it at all.
    """
    import docker.errors

    from siliconcrew.sandbox.docker_backend import docker_client

    progress = progress or _noop
    start = time.monotonic()
    client = client or docker_client(timeout=BUILD_TIMEOUT_S)
    base_built = False
    if from_registry:
        base = REGISTRY_BASE
    else:
        base = BASE_IMAGE
        if rebuild_base or image_status(client, base) is None:
            build_base(client, progress, tag=base)
            base_built = True
    if not DOCKERFILE.is_file():
        raise SiliconCrewError(
            f"image recipe {DOCKERFILE} is missing",
            "reinstall siliconcrew (the Dockerfile is package data)",
        )
    progress(f"building {settings.image} from {base}")
    image_id: str | None = None
    error: str | None = None
    tail: deque[str] = deque(maxlen=10)
    try:
        for chunk in client.api.build(
            path=str(DOCKERFILE.parent),
            tag=settings.image,
            buildargs={"BASE": base},
            network_mode="host",
            rm=True,
            forcerm=True,
            decode=True,
            labels={RECIPE_LABEL: recipe_sha256(), BASE_LABEL: base},
        ):
            if "error" in chunk:
                error = str(chunk["error"]).strip()
                break
            if "aux" in chunk and isinstance(chunk["aux"], dict):
                image_id = chunk["aux"].get("ID") or image_id
            for line in _stream_lines(chunk):
                tail.append(line)
                progress(line)
    except (docker.errors.APIError, docker.errors.DockerException, OSError) as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    except Exception as exc:  # requests' timeouts and connection errors
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if error is not None:
        if from_registry:
            hint = "no registry reachable? build offline without --from-registry"
        else:
            hint = (
                f"see the build log above; apt inside the build uses {base}'s sources "
                "(rebuild the base with --rebuild-base if the mirror changed)"
            )
        raise SiliconCrewError(f"building {settings.image} failed: {error}", hint)
    status = image_status(client, settings.image)
    if status is None:
        raise SiliconCrewError(
            f"building {settings.image} finished but the image is missing",
            "last build output: " + " | ".join(tail),
        )
    return {
        "image": settings.image,
        "image_id": status["id"] or image_id,
        "base": base,
        "base_built": base_built,
        "seconds": round(time.monotonic() - start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Build the image when it is missing or its recipe changed (used by scripts/setup.sh).

    Progress goes to stderr, the one-line result to stdout, so a script can keep the summary.
    """
    import argparse

    from siliconcrew.core.settings import load_settings
    from siliconcrew.sandbox.docker_backend import docker_client

    ap = argparse.ArgumentParser(
        prog="python -m siliconcrew.sandbox.image", description=main.__doc__
    )
    ap.add_argument("--force", action="store_true", help="build even when up to date")
    ap.add_argument("--rebuild-base", action="store_true", help="redo the debootstrap base")
    ap.add_argument("--from-registry", action="store_true", help="FROM debian:bookworm-slim")
    args = ap.parse_args(argv)
    try:
        settings = load_settings().sandbox
        client = docker_client(timeout=BUILD_TIMEOUT_S)
        reason = build_reason(client, settings.image)
        if reason is None and not (args.force or args.rebuild_base):
            status = image_status(client, settings.image) or {}
            print(f"{settings.image} is up to date ({str(status.get('id'))[:19]})")
            return 0
        print(f"building {settings.image}: {reason or 'forced'}", file=sys.stderr, flush=True)
        result = build_image(
            settings,
            from_registry=args.from_registry,
            rebuild_base=args.rebuild_base,
            client=client,
            progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
        )
    except SiliconCrewError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return exc.exit_code
    print(
        f"built {result['image']} ({result['image_id'][:19]}) from {result['base']} "
        f"in {result['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
