#!/usr/bin/env bash
# Soak test: `centinela --demo` in a 160x48 tmux pane for N minutes (default 30) with the incident on
# repeat (CENTINELA_DEMO_LOOP, every 5 minutes) and the demo's Prometheus, Alertmanagers and Loki
# flapping (CENTINELA_DEMO_FLAP: each fails for 10 s and hangs for 6 s every 2 minutes). Every 20 s
# a tab key moves to the next view (alerts, health, logs, dashboards…) so every view and its polling
# take turns: all nine are shown within the first 3 minutes, so the 5-minute baseline includes each
# view's first-use cost (its code paged in, its buffers) and what follows is growth, not warm-up.
# RSS (VmRSS of /proc/PID/status) is sampled every 10 s.
#
#   scripts/soak.sh [--minutes N] [--bin PATH] [--csv FILE] [-- EXTRA CENTINELA ARGS]
#
# Prints RSS at 5 minutes, at the end, and the growth after the first 5 minutes (target: < 5 %).
# Exits 1 when centinela died, 2 when the growth is 5 % or more. Needs tmux. State, data and config
# go to a temporary directory, so the run leaves nothing behind (unless --csv is given).
set -euo pipefail
cd "$(dirname "$0")/.."

minutes=30
bin=""
csv=""
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --minutes) minutes="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --csv) csv="$2"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "soak.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
    esac
done
if ! [[ "$minutes" =~ ^[0-9]+$ ]] || (( minutes < 6 )); then
    echo "soak.sh: --minutes must be a whole number of at least 6 (the baseline is taken at 5)" >&2
    exit 64
fi
if [[ -z "$bin" ]]; then
    cargo build --release --quiet
    bin="${CARGO_TARGET_DIR:-target}/release/centinela"
fi
bin="$(realpath "$bin")"

tmp="$(mktemp -d)"
session="centinela-soak-$$"
# A tmux server of its own: another tmux user on the machine (kill-server) cannot end the run.
tmux() { command tmux -L "$session" "$@"; }
died() {
    echo "soak: centinela (pid $pid) is gone $1; the pane and the end of its log:" >&2
    tmux capture-pane -p -t "$session" 2>/dev/null | grep -v '^$' | tail -n 15 >&2 || true
    find "$tmp/state" -name '*.log*' -type f -exec tail -n 30 {} + >&2 2>/dev/null || true
    exit 1
}
cleanup() {
    tmux kill-server 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

args=""
for a in "${extra[@]+"${extra[@]}"}"; do args+=" $(printf '%q' "$a")"; done
tmux new-session -d -s "$session" -x 160 -y 48 \
    "CENTINELA_DEMO_LOOP=5m CENTINELA_DEMO_FLAP=1 CENTINELA_CONFIG_DIR=$tmp/config CENTINELA_STATE_DIR=$tmp/state \
     CENTINELA_DATA_DIR=$tmp/data exec $(printf '%q' "$bin") --demo$args"
# Keep the pane after centinela ends, so a crash's last words can be read.
tmux set-option -t "$session" remain-on-exit on >/dev/null
sleep 1
pid="$(tmux display-message -p -t "$session" '#{pane_pid}')"
echo "soak: pid $pid, $minutes min, 160x48, incident every 5 min, backends flapping; $(date -u +%FT%TZ)"

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null; }
samples=()
base=""
start=$(date +%s)
end=$((start + minutes * 60))
next_key=$((start + 20))
[[ -n "$csv" ]] && echo "seconds,rss_kib" >"$csv"
while (( $(date +%s) < end )); do
    now=$(date +%s)
    rss="$(rss_kib)"
    [[ -n "$rss" ]] || died "after $((now - start)) s"
    samples+=("$rss")
    [[ -n "$csv" ]] && echo "$((now - start)),$rss" >>"$csv"
    if [[ -z "$base" ]] && (( now - start >= 300 )); then
        base="$rss"
        echo "soak: RSS at 5 min: $((base / 1024)).$(((base % 1024) * 10 / 1024)) MiB ($base KiB)"
    fi
    if (( now >= next_key )); then
        tmux send-keys -t "$session" Tab || true
        next_key=$((now + 20))
    fi
    sleep 10
done

last="$(rss_kib)"
[[ -n "$last" ]] || died "at the end"
max=0
for s in "${samples[@]}"; do (( s > max )) && max=$s; done
echo "soak: RSS at the end ($minutes min): $((last / 1024)).$(((last % 1024) * 10 / 1024)) MiB ($last KiB); peak $max KiB; ${#samples[@]} samples"
growth="$(awk -v a="$base" -v b="$last" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')"
echo "soak: growth after the first 5 min: $growth % (target < 5 %)"
awk -v g="$growth" 'BEGIN { exit !(g < 5) }' || exit 2
