#!/usr/bin/env bash
# Regenerates screenshots/ from the demo through the normal render path (`centinela snapshot`): an SVG
# and a plain-text frame of every view (dashboards, alerts, silences, health, logs, incidents) at
# 160x48, and of the System dashboard and the alerts, health, logs and incidents views at 80x24.
# PNGs too when rsvg-convert is installed (Debian: librsvg2-bin); without it the SVGs are kept as they
# are and the PNGs are left untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
# CENTINELA_BIN: a centinela binary already built (any profile draws the same frames).
if [ -n "${CENTINELA_BIN:-}" ]; then
  bin=$CENTINELA_BIN
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/centinela
fi
mkdir -p screenshots
# Let the demo's scripted incident develop (ML latency from 20 s, agente_negocio down at 40 s) by
# starting the scenario 60 s in the past.
export CENTINELA_DEMO_OFFSET=60s
# A fresh data and state dir: no incident or audit record of an earlier demo run in the pictures.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export CENTINELA_DATA_DIR="$scratch/data" CENTINELA_STATE_DIR="$scratch/state"
shoot() { # VIEW SIZE NAME
  "$bin" snapshot --demo --view "$1" --size "$2" --format svg > "screenshots/$3.svg"
  "$bin" snapshot --demo --view "$1" --size "$2" --format text > "screenshots/$3.txt"
}
for view in alerts silences health logs incidents system security business ml performance direct; do
  shoot "$view" 160x48 "$view"
done
for view in system alerts health logs incidents; do
  shoot "$view" 80x24 "$view-80x24"
done
if command -v rsvg-convert >/dev/null 2>&1; then
  for f in screenshots/*.svg; do rsvg-convert "$f" -o "${f%.svg}.png"; done
else
  echo "rsvg-convert not found: SVG and text only (PNGs not regenerated)" >&2
fi
ls -l screenshots
