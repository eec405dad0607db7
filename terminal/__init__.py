"""Membership POS terminal: domain rules (``terminal.rules``) and application core."""
