#!/usr/bin/env bash
# Regenerates screenshots/ from the demo through the normal render path (`centinela snapshot`):
# an SVG and a plain-text frame of the alerts, health, logs and incidents views and every dashboard at 160x48,
# and the System dashboard, the alerts view and the logs view at 80x24.
# PNGs too when rsvg-convert is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/centinela
mkdir -p screenshots
# Let the demo's scripted incident develop (ML latency from 20 s, agente_negocio down at 40 s) by
# starting the scenario 60 s in the past.
export CENTINELA_DEMO_OFFSET=60s
# A fresh data and state dir: no incident or audit record of an earlier demo run in the pictures.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export CENTINELA_DATA_DIR="$scratch/data" CENTINELA_STATE_DIR="$scratch/state"
for view in alerts health logs incidents system security business ml performance direct; do
  "$bin" snapshot --demo --view "$view" --size 160x48 --format svg > "screenshots/$view.svg"
  "$bin" snapshot --demo --view "$view" --size 160x48 --format text > "screenshots/$view.txt"
done
"$bin" snapshot --demo --view system --size 80x24 --format svg > screenshots/system-80x24.svg
"$bin" snapshot --demo --view system --size 80x24 --format text > screenshots/system-80x24.txt
"$bin" snapshot --demo --view alerts --size 80x24 --format svg > screenshots/alerts-80x24.svg
"$bin" snapshot --demo --view alerts --size 80x24 --format text > screenshots/alerts-80x24.txt
"$bin" snapshot --demo --view silences --size 160x48 --format text > screenshots/silences.txt
"$bin" snapshot --demo --view health --size 80x24 --format text > screenshots/health-80x24.txt
"$bin" snapshot --demo --view logs --size 80x24 --format text > screenshots/logs-80x24.txt
if command -v rsvg-convert >/dev/null 2>&1; then
  for f in screenshots/*.svg; do rsvg-convert "$f" -o "${f%.svg}.png"; done
fi
ls -l screenshots
