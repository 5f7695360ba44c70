#!/bin/sh
# Install RadShare for the current user, without admin rights:
#   ./install-user.sh             copy into ~/.local/opt/radshare, command ~/.local/bin/radshare,
#                                 menu entry ~/.local/share/applications/radshare.desktop
#   ./install-user.sh --uninstall remove all three
# PREFIX=DIR ./install-user.sh installs under DIR instead of ~/.local.
set -eu
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
APP="$PREFIX/opt/radshare"
BIN="$PREFIX/bin/radshare"
DESKTOP="$PREFIX/share/applications/radshare.desktop"
ICON="$PREFIX/share/icons/hicolor/scalable/apps/radshare.svg"

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$APP"
    rm -f "$BIN" "$DESKTOP" "$ICON"
    echo "RadShare removed from $PREFIX"
    exit 0
fi
[ -x "$HERE/radshare/radshare" ] || { echo "install-user.sh: no radshare/ folder next to this script" >&2; exit 2; }
mkdir -p "$PREFIX/opt" "$PREFIX/bin" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
# Copy beside, then swap in: a failed copy leaves any previous installation as it was.
rm -rf "$APP.new"
cp -R "$HERE/radshare" "$APP.new"
rm -rf "$APP.old"
[ -e "$APP" ] && mv "$APP" "$APP.old"
mv "$APP.new" "$APP"
rm -rf "$APP.old"
ln -sf "$APP/radshare" "$BIN"
cp "$HERE/radshare.svg" "$ICON"
# The menu entry names the program by its full path: ~/.local/bin is not always on a session's PATH.
sed "s|^Exec=radshare|Exec=\"$APP/radshare\"|; s|^Icon=radshare|Icon=$ICON|" "$HERE/radshare.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$(dirname "$DESKTOP")" || true
echo "RadShare installed in $APP; run 'radshare selftest' to check it ($BIN)."
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "Note: $PREFIX/bin is not on your PATH; add it, or run $BIN" ;; esac
