#!/usr/bin/env bash
# The one test command (README, .ci/run): formatting, lints, and every test, including the end-to-end
# tests against a real Prometheus, which this script installs when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings

echo "== cargo test"
# Benchmarks are compiled and run once each in test mode, so they cannot rot.
cargo test --all-targets --no-fail-fast
