"""The codec builds its decoders on first use, from whichever thread comes first."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from terminal import codec
from terminal.money import Money
from terminal.rules import member as m


def test_decoders_built_by_racing_threads_decode_whole_states(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(codec, "_DECODERS", {})  # as in a fresh HQ worker
    state = m.MemberState(
        code="M1",
        registered=date(2026, 1, 2),
        principal=Money(1234),
        coin_lots=(m.CoinLot("l1", date(2026, 1, 2), date(2026, 12, 31), 5, 5),),
        spend_days=((date(2026, 1, 2), Money(99)),),
        cleared_years=frozenset({2025}),
    )
    text = codec.dumps(state)
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: codec.loads(m.MemberState, text), range(64)))
    assert all(g == state for g in got)
