"""The Windows start-menu entry's executable (``PosTerminal.exe``, no console window):
``pos-terminal run`` unless told otherwise. ``pos-terminal.exe`` beside it is the
console one, for the admin commands (verify, replay, demo-data...)."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["run"]))
