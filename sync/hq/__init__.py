"""``pos-hq``: the headquarters service tills sync with (FastAPI over SQLAlchemy)."""
