#!/usr/bin/env bash
# Makes the macOS disk image from the built app (macOS only: hdiutil).
#
#   bash build/macos/make_dmg.sh build/dist/Switchboard.app build/dist/Switchboard-0.1.0.dmg 0.1.0
#
# The image holds Switchboard.app and a link to /Applications (drag to
# install). With MACOS_SIGN_IDENTITY set ("Developer ID Application: ..."),
# the app is signed with the hardened runtime first; with MACOS_NOTARY_PROFILE
# set too (a `xcrun notarytool store-credentials` profile), the image is
# notarized and stapled. Unsigned images work, but Gatekeeper asks the user
# to confirm the first launch (right-click > Open).
set -euo pipefail
app=${1:?usage: make_dmg.sh APP OUT.dmg VERSION}
out=${2:?usage: make_dmg.sh APP OUT.dmg VERSION}
version=${3:?usage: make_dmg.sh APP OUT.dmg VERSION}
[ -d "$app" ] || { echo "make_dmg.sh: no app at $app" >&2; exit 1; }

plist="$app/Contents/Info.plist"
plutil -lint "$plist"
[ "$(/usr/libexec/PlistBuddy -c 'Print :LSUIElement' "$plist")" = "true" ] || { echo "LSUIElement missing" >&2; exit 1; }
[ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$plist")" = "app.switchboard.tray" ] || { echo "bundle id" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  codesign --force --deep --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --strict --verbose=2 "$app"
fi

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$out"
hdiutil create -volname "Switchboard $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$out"
hdiutil verify "$out"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ] && [ -n "${MACOS_NOTARY_PROFILE:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$out"
  xcrun notarytool submit "$out" --keychain-profile "$MACOS_NOTARY_PROFILE" --wait
  xcrun stapler staple "$out"
fi
echo "$out"
