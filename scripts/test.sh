#!/usr/bin/env bash
# The one test command (README "Running the tests"; CI runs exactly this through .ci/run).
# Installs what the tests need, then runs formatting and lint checks and every test.
# Idempotent; on a fresh machine the installs take a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "installing test dependencies"
need_apt=()
command -v shellcheck >/dev/null 2>&1 || need_apt+=(shellcheck)
command -v unzip >/dev/null 2>&1 || need_apt+=(unzip)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi
# Azurite (the Azure Storage emulator) for the start-task and apply end-to-end tests; 3.35.0 is the last
# release that runs on Node 20.
azurite_dir=${SBLC_AZURITE_DIR:-$HOME/.cache/sblc-test/azurite}
if [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
  npm install --prefix "$azurite_dir" --no-audit --no-fund azurite@3.35.0 >/dev/null
fi
validators=${SBL_VALIDATORS:-../shared/validators}
if [ -x "$validators/setup.sh" ]; then
  "$validators/setup.sh"
else
  echo "note: $validators not found; tests that run the validators will fail" >&2
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --all-targets --quiet -- -D warnings

step "cargo test"
cargo test --all-targets --quiet

step "the local Azure stand-in's own protocol tests"
python3 tests/fake_azure/test_server.py
