"""Issue 14, item 18: where Qt's X11 libraries are missing, the till names the install
line before Qt aborts (blaming xcb-cursor0 whatever is missing)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from ui import xcb_check


def test_the_install_line_names_debian_packages() -> None:
    missing = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0"]
    assert xcb_check.install_line(missing) == (
        "sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"
    )
    assert xcb_check.install_line(["libunknown.so.9"]) is None


def test_only_an_x11_start_is_checked() -> None:
    assert xcb_check.wants_xcb({"QT_QPA_PLATFORM": "xcb"}) == sys.platform.startswith("linux")
    assert not xcb_check.wants_xcb({"QT_QPA_PLATFORM": "offscreen"})
    wayland = {"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}
    assert not xcb_check.wants_xcb(wayland)


@pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd lists what a library needs")
def test_a_library_ldd_cannot_find_is_named(tmp_path: Path) -> None:
    """The plugin copied away from Qt's own libraries: ldd finds no libQt6XcbQpa for it,
    and the check says so (the same path as a missing libxcb-icccm4 on a fresh Debian)."""
    plugin = xcb_check.plugin_path()
    if plugin is None:
        pytest.skip("this Qt has no xcb platform plugin")
    assert xcb_check.missing_libraries(plugin) == []  # as installed: nothing missing
    alone = tmp_path / "platforms" / plugin.name
    alone.parent.mkdir()
    shutil.copyfile(plugin, alone)
    missing = xcb_check.missing_libraries(alone)
    assert any(so.startswith("libQt6XcbQpa") for so in missing), missing
