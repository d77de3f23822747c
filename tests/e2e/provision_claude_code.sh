#!/usr/bin/env bash
# Provision the real Claude Code CLI for the end-to-end tests (issue 21 §5)
# from the npm registry, pinned, into a cache outside the work tree; nothing
# is fetched when the cached binary answers --version with the pinned version.
# Facts: ../shared/docs/clients.md ("Running the Claude Code CLI here").
# Prints the path of the `claude` executable on its last line.
set -euo pipefail

VERSION="${SWITCHBOARD_CLAUDE_CODE_VERSION:-2.1.332}"
ROOT="${SWITCHBOARD_CLAUDE_CODE_CACHE:-$HOME/.cache/switchboard}"
DEST="$ROOT/claude-code-$VERSION"
BIN="$DEST/bin/claude"

if [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "$BIN"
  exit 0
fi
command -v npm >/dev/null || { echo "npm is needed to install Claude Code" >&2; exit 1; }
rm -rf "$DEST.part"
mkdir -p "$ROOT"
# npm may skip the package's postinstall script and warn about Node's
# version; the native binary runs regardless (clients.md).
npm install -g --no-fund --no-audit --prefix "$DEST.part" "@anthropic-ai/claude-code@$VERSION" >"$ROOT/claude-code-install.log" 2>&1 \
  || { tail -20 "$ROOT/claude-code-install.log" >&2; exit 1; }
"$DEST.part/bin/claude" --version >/dev/null 2>&1 \
  || { echo "the installed claude does not run (see $ROOT/claude-code-install.log)" >&2; exit 1; }
rm -rf "$DEST"
mv "$DEST.part" "$DEST"
echo "$BIN"
