"""Member repository: the cached state the counter reads, kept equal to the ledger's fold."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from terminal import codec
from terminal.rules import member as m
from terminal.store.schema import MemberRow


def load(s: Session, code: str) -> m.MemberState | None:
    row = s.get(MemberRow, code)
    return codec.loads(m.MemberState, row.state_json) if row else None


def codes_by_phone(s: Session, phone: str) -> list[str]:
    return list(s.execute(select(MemberRow.code).where(MemberRow.phone == phone)).scalars())


def save(s: Session, state: m.MemberState, seq: int) -> None:
    row = s.get(MemberRow, state.code)
    text = codec.dumps(state)
    if row is None:
        s.add(MemberRow(code=state.code, phone=state.phone, state_json=text, last_seq=seq))
    else:
        row.phone, row.state_json, row.last_seq = state.phone, text, seq


def all_codes(s: Session) -> list[str]:
    return list(s.execute(select(MemberRow.code).order_by(MemberRow.code)).scalars())
