#!/usr/bin/env bash
# Runs Switchboard from source: creates .venv on first use (Python 3.11+),
# installs the app into it, then starts the tray app. `./run.sh --headless`
# runs only the server (python -m server); other arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
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
