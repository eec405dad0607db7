"""The frozen app's entry point: ``pos-terminal`` (terminal/cli.py) as PyInstaller runs it."""

import sys

from terminal.cli import main

if __name__ == "__main__":
    sys.exit(main())
