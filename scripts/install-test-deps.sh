#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo: a real Prometheus and Alertmanager (Debian's
# packages `prometheus` and `prometheus-alertmanager`) for the end-to-end tests, and tmux for the
# terminal tests. Does nothing when they are already there. Needs root or sudo for apt-get.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
command -v tmux >/dev/null 2>&1 || need+=(tmux)

if ((${#need[@]} == 0)); then
  exit 0
fi

echo "installing test dependencies: ${need[*]}"
if [[ $(id -u) -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "error: ${need[*]} missing and neither root nor sudo is available to install them;" >&2
  echo "       install them with your package manager (Debian: apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
# The packages start their services on install; the tests run their own instances on free ports.
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
  if command -v systemctl >/dev/null 2>&1; then "${SUDO[@]}" systemctl stop "$svc" >/dev/null 2>&1 || true; fi
done
echo "installed: $(prometheus --version 2>&1 | head -1)"
