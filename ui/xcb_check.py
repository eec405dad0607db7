"""Before Qt starts on X11: are the libraries of its xcb platform plugin installed?

A fresh Debian/Ubuntu lacks a few (``libxcb-icccm4``, ``libxcb-keysyms1``, ...), and Qt
then aborts with a message naming only ``xcb-cursor0``, whatever is missing. Asking
``ldd`` about the plugin names every missing library, so the till can print the exact
``apt-get install`` line instead. Imports no Qt widgets: it runs before QApplication.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> the Debian/Ubuntu package that ships it (the xcb plugin's whole closure
# outside Qt, as `ldd libqxcb.so` lists it on Debian 12)
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}


def wants_xcb(env: dict[str, str] | None = None) -> bool:
    """Whether Qt will use its xcb plugin: asked for, or the default on a Linux desktop
    that is not a Wayland session."""
    env = dict(os.environ) if env is None else env
    if not sys.platform.startswith("linux"):
        return False
    platform = env.get("QT_QPA_PLATFORM", "").strip()
    if platform:
        return platform.split(":")[0] == "xcb"
    return not (env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"))


def plugin_path() -> Path | None:
    """Qt's xcb platform plugin, where this Qt looks for its plugins."""
    from ui.qt import QLibraryInfo  # importing Qt loads no platform: QApplication does

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    path = Path(folder) / "platforms" / "libqxcb.so"
    return path if path.exists() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries the plugin needs that the system cannot find (``ldd``'s
    "not found"); without ``ldd``, the known list is looked up one by one."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return [so for so in PACKAGES if ctypes.util.find_library(_stem(so)) is None]
    out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, check=False)
    missing = []
    for line in out.stdout.splitlines():
        name, sep, where = line.strip().partition("=>")
        if sep and where.strip() == "not found" and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def _stem(soname: str) -> str:
    """``libxcb-icccm.so.4`` -> ``xcb-icccm`` (what find_library takes)."""
    return soname.removeprefix("lib").split(".so")[0]


def install_line(missing: list[str]) -> str | None:
    """The apt-get line for the missing libraries this module knows the package of."""
    packages = sorted({PACKAGES[so] for so in missing if so in PACKAGES})
    return "sudo apt-get install -y " + " ".join(packages) if packages else None


def problem() -> str | None:
    """What to tell the person starting the till when Qt's X11 plugin cannot load, else
    None (also when there is nothing to check: another platform, no plugin file)."""
    if not wants_xcb():
        return None
    plugin = plugin_path()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    if not missing:
        return None
    text = (
        "The till cannot open its window: Qt's X11 platform plugin needs libraries that "
        f"are not installed ({', '.join(missing)})."
    )
    line = install_line(missing)
    if line is not None:
        text += f" On Debian/Ubuntu install them with:\n\n    {line}\n"
    unknown = [so for so in missing if so not in PACKAGES]
    if unknown:
        text += f"\nAlso install the packages providing {', '.join(unknown)}.\n"
    return text
