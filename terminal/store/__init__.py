"""The till's durable store: SQLite through SQLAlchemy 2.0, an append-only ledger."""
