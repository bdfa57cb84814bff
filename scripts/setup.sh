#!/usr/bin/env bash
# Set up a Debian 12 host for SiliconCrew: EDA packages, Docker daemon, venv, sandbox image.
#
#   bash scripts/setup.sh [apt|docker|venv|image|all]...     (default: all)
#
# Idempotent and cheap to repeat: every step checks whether its result is already there and
# skips itself, so `make test` can depend on it. One line per step with its time.
# Needs root for apt and dockerd (no sudo is attempted). Docker problems are warnings, not
# errors: without a daemon the sandbox falls back to the local backend and docker tests skip.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DOCKER=/usr/bin/docker            # /usr/local/bin/docker (if any) lacks buildx
DOCKERD_LOG=/var/log/siliconcrew-dockerd.log
VENV="$ROOT/.venv"
STAMP="$VENV/.installed-stamp"
APT_PACKAGES=(iverilog verilator yosys opensta magic netgen-lvs qflow graywolf qrouter
              qflow-tech-osu018 qflow-tech-osu035 qflow-tech-osu050 bubblewrap docker.io debootstrap g++ make tar coreutils procps
              chromium)

now() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }   # milliseconds
# report STEP START_MS MESSAGE: the one line each step prints.
report() {
  local ms=$(($(now) - $2))
  printf '%-7s %4d.%01ds  %s\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)) "$3"
}
warn() { echo "warning: $*" >&2; }

missing_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" == installed ]] \
      || echo "$p"
  done
}

step_apt() {
  local t0 missing
  t0=$(now)
  missing=$(missing_packages | tr '\n' ' ')
  if [[ -z "${missing// }" ]]; then
    report apt "$t0" "all ${#APT_PACKAGES[@]} packages installed"
    return
  fi
  if [[ $EUID -ne 0 ]]; then
    echo "error: apt: missing packages: $missing— run this step as root" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
  report apt "$t0" "installed: $missing"
}

docker_ok() { "$DOCKER" info >/dev/null 2>&1; }

# Process $1 exists and is not a zombie. A killed dockerd can linger as a zombie when PID 1 does
# not reap orphans (containers without an init); `kill -0` and pgrep still "see" it.
pid_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || true)
  [[ -n "$state" && "$state" != Z ]]
}

dockerd_alive() {
  local pid
  for pid in $(pgrep -x dockerd || true); do pid_alive "$pid" && return 0; done
  return 1
}

step_docker() {
  local t0 i
  t0=$(now)
  if docker_ok; then
    report docker "$t0" "daemon already running"
    return
  fi
  if ! command -v dockerd >/dev/null; then
    warn "docker: dockerd not installed (run: $0 apt); docker sandbox unavailable"
    report docker "$t0" "skipped (no dockerd)"
    return
  fi
  local pid="" pidfile
  if dockerd_alive; then
    echo "docker: a dockerd is running but not answering yet; waiting" >&2
  else
    # After a crash, dockerd refuses to start (and waits for "its" containerd) while these pid
    # files name a process that still exists, zombies included: drop the stale ones.
    for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
      if [[ -f $pidfile ]] && ! pid_alive "$(cat "$pidfile")"; then rm -f "$pidfile"; fi
    done
    # No systemd on these hosts. No bridge/iptables: sandboxes run with network none and
    # builds use host networking, so the daemon needs no NAT rules (often not allowed here).
    nohup dockerd --storage-driver=overlay2 --bridge=none --iptables=false --ip-forward=false \
      >>"$DOCKERD_LOG" 2>&1 </dev/null &
    pid=$!
    disown || true
  fi
  for ((i = 0; i < 120; i++)); do
    if docker_ok; then
      report docker "$t0" "started dockerd${pid:+ (pid $pid)}, log: $DOCKERD_LOG"
      return
    fi
    [[ -z $pid ]] || pid_alive "$pid" || break   # it exited: no point in waiting
    sleep 0.5
  done
  warn "docker: dockerd did not come up; see $DOCKERD_LOG (last lines below)." \
       "Sandboxes will use the local backend and docker tests will be skipped."
  tail -n 5 "$DOCKERD_LOG" >&2 2>/dev/null || true
  report docker "$t0" "FAILED to start (continuing)"
}

step_venv() {
  local t0 py did=""
  t0=$(now)
  if [[ ! -x "$VENV/bin/python" ]]; then
    py=$(command -v python3.11 || command -v python3)
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
      || { echo "error: venv: need Python >= 3.11, found $("$py" -V)" >&2; return 1; }
    "$py" -m venv "$VENV"
    did="created .venv; "
  fi
  if [[ ! -f "$STAMP" || pyproject.toml -nt "$STAMP" ]]; then
    # CPU torch first, pinned: the knowledge base's sentence-transformers would otherwise make
    # pip pick a multi-GB CUDA build. 2.13.0 (CPU) is the wheel these hosts have on disk.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check 'torch==2.13.0'
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,kb]'
    touch "$STAMP"
    report venv "$t0" "${did}installed siliconcrew[test,kb]"
  else
    report venv "$t0" "${did}up to date"
  fi
}

step_image() {
  local t0 out
  t0=$(now)
  if ! docker_ok; then
    warn "image: docker daemon not reachable; not building the sandbox image (run: $0 docker)"
    report image "$t0" "skipped (no docker)"
    return
  fi
  [[ -x "$VENV/bin/python" ]] || step_venv
  # The Python side decides: missing image or a changed Dockerfile (recipe label) → build.
  # Build progress goes to stderr (shown live); the one-line summary comes on stdout.
  if ! out=$("$VENV/bin/python" -m siliconcrew.sandbox.image); then
    report image "$t0" "FAILED (see the error above)"
    return 1
  fi
  report image "$t0" "$out"
}

main() {
  local steps=("$@") s
  [[ ${#steps[@]} -gt 0 ]] || steps=(all)
  for s in "${steps[@]}"; do
    case "$s" in
      apt|docker|venv|image) "step_$s" ;;
      all) step_apt; step_docker; step_venv; step_image ;;
      -h|--help|help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; return 0 ;;
      *) echo "error: unknown step '$s' (choose apt, docker, venv, image, all)" >&2; return 2 ;;
    esac
  done
}

main "$@"
