"""``pos-terminal verify``: the ledger's chain holds and every cached balance is its fold."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from terminal import codec
from terminal.rules import member as m
from terminal.store.ledger import member_entries, verify_chain
from terminal.store.schema import LedgerRow, MemberRow


@dataclass
class Report:
    entries: int = 0
    members: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(sessions: sessionmaker[Session]) -> Report:
    rep = Report()
    with sessions() as s:
        rep.problems += [f"ledger #{p.seq}: {p.what}" for p in verify_chain(s)]
        rep.entries = len(s.execute(select(LedgerRow.seq)).all())
        folded = {code: m.fold(entries) for code, entries in member_entries(s).items()}
        for row in s.execute(select(MemberRow)).scalars():
            rep.members += 1
            cached = codec.loads(m.MemberState, row.state_json)
            if folded.get(row.code) != cached:
                rep.problems.append(f"member {row.code}: cached balance differs from its ledger")
        for code in set(folded) - {r for r in s.execute(select(MemberRow.code)).scalars()}:
            rep.problems.append(f"member {code}: ledger entries but no cached member")
    return rep
