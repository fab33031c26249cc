#!/usr/bin/env bash
# Measures centinela and grafatui side by side on the same real Prometheus (see scripts/perf.py).
#   scripts/perf.sh [--runs N] [--no-grafatui] [--write docs/PERFORMANCE.md]
# Needs: prometheus (scripts/install-test-deps.sh), tmux, script(1), and grafatui for the comparison
# (`cargo install grafatui`, or set GRAFATUI=/path/to/grafatui).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo build --release --quiet
exec python3 scripts/perf.py "$@"
