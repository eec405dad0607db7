"""Application services: the counter's commands over the store (UI and replay call these)."""
