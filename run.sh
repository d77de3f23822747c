#!/usr/bin/env bash
# Runs Switchboard from source: creates .venv on first use (Python 3.11+),
# installs the app into it, then starts the tray app. `./run.sh --headless`
# runs only the server (python -m server); other arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
# The tray menu on Linux needs GTK's introspection data and AppIndicator;
# PyGObject builds against the first two headers.
NEEDED="libgirepository1.0-dev libcairo2-dev gir1.2-ayatanaappindicator3-0.1 python3-dev pkg-config"
if [ "$(uname -s)" = Linux ] && command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  missing=""
  for p in $NEEDED; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    echo "Switchboard needs these system packages for its tray menu:$missing"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
    elif command -v sudo >/dev/null; then
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
    fi
  fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
  extras=""
  # The tray's menu on Linux needs PyGObject (AppIndicator/GTK backends).
  if [ "$(uname -s)" = Linux ]; then extras="[linux-tray]"; fi
  .venv/bin/pip install -q -e ".$extras" || .venv/bin/pip install -q -e .
fi
if [ "${1:-}" = "--headless" ]; then
  shift
  exec .venv/bin/python -m server "$@"
fi
exec .venv/bin/python -m tray "$@"
