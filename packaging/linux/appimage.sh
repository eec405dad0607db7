#!/bin/sh
# An AppImage from the one-folder bundle that packaging/build made:
#
#   packaging/linux/appimage.sh DIST_DIR        # DIST_DIR: what `packaging/build --out` names
#
# needs appimagetool (https://appimage.github.io/appimagetool/, one static binary) on the
# PATH or in $APPIMAGETOOL; writes DIST_DIR/POS_Terminal-<arch>.AppImage. The AppImage
# runs `pos-terminal run` with no arguments, else the subcommand given (`verify`, ...).
# Its store is the per-user data directory (or $POS_TERMINAL_DATA): an AppImage is read
# only, so it carries no pos-terminal.ini.
set -eu
dist=${1:?usage: $0 DIST_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tool=${APPIMAGETOOL:-appimagetool}
command -v "$tool" >/dev/null || { echo "appimagetool not found (set APPIMAGETOOL)" >&2; exit 2; }
[ -x "$dist/pos-terminal/pos-terminal" ] || { echo "no bundle in $dist: run packaging/build" >&2; exit 2; }

appdir=$(mktemp -d)/PosTerminal.AppDir
trap 'rm -rf "$(dirname "$appdir")"' EXIT
mkdir -p "$appdir/usr/lib"
cp -a "$dist/pos-terminal" "$appdir/usr/lib/pos-terminal"
rm -f "$appdir/usr/lib/pos-terminal/install.sh"
cp "$here/pos-terminal.desktop" "$appdir/pos-terminal.desktop"
cp "$here/../icons/pos-terminal.png" "$appdir/pos-terminal.png"
cat > "$appdir/AppRun" <<'RUN'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
[ $# -eq 0 ] && set -- run
exec "$here/usr/lib/pos-terminal/pos-terminal" "$@"
RUN
chmod +x "$appdir/AppRun"
ARCH=$(uname -m) "$tool" "$appdir" "$dist/POS_Terminal-$(uname -m).AppImage"
