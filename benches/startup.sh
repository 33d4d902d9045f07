#!/usr/bin/env bash
# What the user waits for when the window opens: the time from starting the release binary
# until its window is mapped (eframe shows the window after its first frame is painted, so
# mapped = the queue is on screen), polled every 5 ms, and the process's peak resident memory
# (VmHWM) two seconds later. Measured side by side in the same run with the floor: a bare
# eframe window (examples/bare_window.rs, same features and renderer). Median of RUNS.
#
#   bash benches/startup.sh [REFERRALS=100000] [RUNS=5]
#
# Needs Xvfb and xdotool (apt-get install -y xvfb xdotool). Uses $DISPLAY if set, else starts
# Xvfb on :97. Not part of CI (it needs release builds).
set -euo pipefail
N=${1:-100000}
RUNS=${2:-5}
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin inntak --example bare_window
APP=target/release/inntak
BARE=target/release/examples/bare_window
WORK=${WORK:-/tmp/inntak-startup}
mkdir -p "$WORK"
DB="$WORK/demo-$N.sqlite3"
if [ ! -f "$DB" ]; then
  "$APP" demo --db "$DB" --referrals "$N" --today 2026-11-23 >/dev/null
fi
if [ -z "${DISPLAY:-}" ]; then
  Xvfb :97 -screen 0 1920x1200x24 >/dev/null 2>&1 &
  XVFB=$!
  trap 'kill $XVFB 2>/dev/null || true' EXIT
  export DISPLAY=:97
  sleep 1
fi
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# one_run TITLE CMD... -> prints "ms kb"
one_run() {
  local title=$1; shift
  local start; start=$(now_ms)
  HOME="$WORK/home" "$@" >/dev/null 2>&1 &
  local pid=$!
  local mapped=""
  for _ in $(seq 1 4000); do
    if xdotool search --onlyvisible --name "^${title}\$" >/dev/null 2>&1; then
      mapped=$(( $(now_ms) - start )); break
    fi
    sleep 0.005
  done
  sleep 2
  local kb; kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "${mapped:-timeout} $kb"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

app_ms=(); app_kb=(); bare_ms=(); bare_kb=()
for r in $(seq 1 "$RUNS"); do
  read -r ms kb < <(one_run "Inntak bare window" "$BARE"); bare_ms+=("$ms"); bare_kb+=("$kb")
  read -r ms kb < <(one_run "Inntak" "$APP" --db "$DB" --today 2026-11-23); app_ms+=("$ms"); app_kb+=("$kb")
  echo "run $r: bare ${bare_ms[-1]} ms ${bare_kb[-1]} kB · Inntak ${app_ms[-1]} ms ${app_kb[-1]} kB" >&2
done
bm=$(printf '%s\n' "${bare_ms[@]}" | median); bk=$(printf '%s\n' "${bare_kb[@]}" | median)
am=$(printf '%s\n' "${app_ms[@]}" | median); ak=$(printf '%s\n' "${app_kb[@]}" | median)
printf 'startup at %s referrals (median of %s)\n' "$N" "$RUNS"
# Peak RSS in MiB (kB/1024) and in decimal MB (kB*1.024/1000), so a budget in either unit
# reads straight off.
printf '  bare eframe window  %5s ms  %6.1f MiB  %6.1f MB\n' "$bm" "$(echo "$bk/1024" | bc -l)" "$(echo "$bk*1.024/1000" | bc -l)"
printf '  Inntak              %5s ms  %6.1f MiB  %6.1f MB\n' "$am" "$(echo "$ak/1024" | bc -l)" "$(echo "$ak*1.024/1000" | bc -l)"
printf '  ratio               %5.2f×     %5.2f×\n' "$(echo "$am/$bm" | bc -l)" "$(echo "$ak/$bk" | bc -l)"
