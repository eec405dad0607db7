#!/bin/sh
# Install (or upgrade) the till from this folder: run as root from the unpacked tarball.
#
#   sudo ./install.sh [--prefix /opt/pos-terminal] [--data-dir DIR --owner ACCOUNT [--group GROUP]]
#
# The program goes to PREFIX (replaced whole on an upgrade), `pos-terminal` onto the PATH
# (/usr/local/bin), the menu entry and icon into /usr/local/share. The store is NOT there:
# by default it is in each user's data directory (~/.local/share/pos-terminal); with
# --data-dir, in DIR for the whole PC (PREFIX/pos-terminal.ini names it; an upgrade keeps
# that file), owned by the account the till runs as (--owner): mode 0700, or with --group
# (the cashiers' accounts that run the till) 2770, the set-group-id bit telling the till
# to keep its store 0660 for that group rather than 0600 (terminal/datadir.py). The store
# holds PIN hashes, members' phones and the HQ token: nobody else may read it. Upgrading
# never touches the store's contents; the till migrates it when it next opens.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=/opt/pos-terminal
data_dir=
owner=
group=
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --data-dir) data_dir=$2; shift 2 ;;
        --owner) owner=$2; shift 2 ;;
        --group) group=$2; shift 2 ;;
        *) echo "usage: $0 [--prefix DIR] [--data-dir DIR --owner ACCOUNT [--group GROUP]]" >&2; exit 2 ;;
    esac
done
case "$data_dir" in /*|"") ;; *) echo "--data-dir: an absolute path" >&2; exit 2 ;; esac
[ -x "$here/pos-terminal" ] || { echo "run this from the unpacked pos-terminal folder" >&2; exit 2; }

ini=
[ -f "$prefix/pos-terminal.ini" ] && ini=$(cat "$prefix/pos-terminal.ini")
rm -rf "$prefix.new"
mkdir -p "$prefix.new"
cp -a "$here/." "$prefix.new/"
rm -rf "$prefix"
mv "$prefix.new" "$prefix"
if [ -n "$data_dir" ]; then
    mkdir -p "$data_dir"
    [ -z "$owner" ] || chown "$owner" "$data_dir"
    if [ -n "$group" ]; then
        chgrp "$group" "$data_dir" && chmod 2770 "$data_dir"
    else
        chmod 0700 "$data_dir"
    fi
    # a store already there (a reinstall): its files to the same account and modes
    for f in "$data_dir"/*.sqlite "$data_dir"/*.sqlite-wal "$data_dir"/*.sqlite-shm; do
        [ -f "$f" ] || continue
        [ -z "$owner" ] || chown "$owner" "$f"
        if [ -n "$group" ]; then chgrp "$group" "$f" && chmod 0660 "$f"; else chmod 0600 "$f"; fi
    done
    printf '[paths]\ndata_dir = %s\n' "$data_dir" > "$prefix/pos-terminal.ini"
elif [ -n "$ini" ]; then
    printf '%s\n' "$ini" > "$prefix/pos-terminal.ini"  # an upgrade keeps the data folder
fi

mkdir -p /usr/local/bin /usr/local/share/applications /usr/local/share/icons/hicolor/256x256/apps
ln -sf "$prefix/pos-terminal" /usr/local/bin/pos-terminal
sed "s|^Exec=pos-terminal|Exec=$prefix/pos-terminal|" "$here/share/pos-terminal.desktop" \
    > /usr/local/share/applications/pos-terminal.desktop
cp "$here/share/pos-terminal.png" /usr/local/share/icons/hicolor/256x256/apps/pos-terminal.png
if [ -f "$prefix/pos-terminal.ini" ]; then
    echo "installed in $prefix; the store is in the folder $prefix/pos-terminal.ini names"
else
    echo "installed in $prefix; the store is in each user's data directory"
fi
