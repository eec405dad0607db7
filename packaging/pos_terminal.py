"""The frozen app's entry point: ``pos-terminal`` (ui/cli.py) as PyInstaller runs it."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
