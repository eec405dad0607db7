"""The built-in programs' ids: a module of its own so the CLI can offer them as choices
without importing the program loader (the window's first frame does not wait for it)."""

PROGRAM_IDS = ("tomato", "mall", "points", "organic", "basic")
