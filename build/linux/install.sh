#!/usr/bin/env bash
# Installs Switchboard for the current user (no root): run it from the
# unpacked tarball.
#
#   ./install.sh              install into ~/.local (PREFIX=... to change)
#   ./install.sh --uninstall  remove it again (your config and keys stay)
#
# Layout: $PREFIX/lib/switchboard/ (the app folder), $PREFIX/bin/switchboard
# (a link), $PREFIX/share/applications/switchboard.desktop and the icon in
# $PREFIX/share/icons/hicolor/<size>/apps/switchboard.png.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PREFIX=${PREFIX:-$HOME/.local}
app_dir=$PREFIX/lib/switchboard
bin=$PREFIX/bin/switchboard
desktop=$PREFIX/share/applications/switchboard.desktop
icons=$PREFIX/share/icons/hicolor

refresh() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" 2>/dev/null || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$app_dir"
  rm -f "$bin" "$desktop"
  for f in "$icons"/*/apps/switchboard.png; do [ -e "$f" ] && rm -f "$f"; done
  # The "Start at login" entry the app itself writes, when it points here.
  autostart=${XDG_CONFIG_HOME:-$HOME/.config}/autostart/switchboard.desktop
  if [ -f "$autostart" ] && grep -q "$app_dir" "$autostart"; then rm -f "$autostart"; fi
  refresh
  echo "Switchboard removed from $PREFIX (config and keyring entries are kept)."
  exit 0
fi

[ -x "$here/switchboard/switchboard" ] || { echo "install.sh: run me from the unpacked tarball" >&2; exit 1; }
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications"
rm -rf "$app_dir.new"
cp -a "$here/switchboard" "$app_dir.new"
rm -rf "$app_dir"
mv "$app_dir.new" "$app_dir"
ln -sfn "$app_dir/switchboard" "$bin"
for d in "$here"/icons/*/; do
  size=$(basename "$d")
  mkdir -p "$icons/$size/apps"
  cp "$d/switchboard.png" "$icons/$size/apps/switchboard.png"
done
# Absolute paths: ~/.local/bin is not on every desktop session's PATH.
sed -e "s|^Exec=.*|Exec=$app_dir/switchboard|" -e "s|^TryExec=.*|TryExec=$app_dir/switchboard|" \
  "$here/switchboard.desktop" > "$desktop"
chmod 644 "$desktop"
refresh
echo "Switchboard installed: $app_dir (start it from your app menu, or run $bin)."
