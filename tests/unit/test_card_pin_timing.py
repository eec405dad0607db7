"""Issue 18: a prepaid card number cannot be told known from unknown by the time its
PIN check takes (1.3 ms unknown against 23 ms known before): an unknown card costs the
same argon2 verify as a known one with a wrong PIN."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from terminal.app import staff as st
from terminal.errors import RuleViolation


class Card:
    def __init__(self) -> None:
        self.pin_hash, self.failed = st.hash_secret("123456"), 0
        self.locked_until: str | None = None


class Store:
    def __init__(self) -> None:
        self.card = Card()

    def get(self, _: Any, number: str) -> Card | None:
        return self.card if number == "known" else None


@pytest.mark.parametrize("number", ["known", "unknown"])
def test_known_and_unknown_cards_cost_one_argon2_verify_each(
    number: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = st.check_secret

    def counted(hashed: str, secret: str) -> bool:
        calls.append(hashed[:9])
        return real(hashed, secret)

    monkeypatch.setattr(st, "check_secret", counted)
    with pytest.raises(RuleViolation) as refused:
        st.check_card_pin(Store(), number, "000000", datetime(2026, 10, 6))  # type: ignore[arg-type]
    assert refused.value.code == "card_refused"  # the same answer either way
    assert calls == ["$argon2id"]  # one verify, with the same parameters


@pytest.mark.parametrize("pin", ["000000", "123456"])
def test_a_locked_card_answers_as_an_unknown_one_even_to_its_right_pin(
    pin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While locked, no PIN is checked against the card: a right PIN told apart then
    would let guessing go on through the lockout."""
    now = datetime(2026, 10, 6, 9)
    store = Store()
    for _ in range(st.MAX_FAILED):
        with pytest.raises(RuleViolation):
            st.check_card_pin(store, "known", "999999", now)  # type: ignore[arg-type]
    until = store.card.locked_until
    assert until is not None
    calls: list[str] = []
    real = st.check_secret

    def counted(hashed: str, secret: str) -> bool:
        calls.append(hashed)
        return real(hashed, secret)

    monkeypatch.setattr(st, "check_secret", counted)
    answers = []
    for number, p in (("known", pin), ("known", "999999"), ("unknown", pin)):
        with pytest.raises(RuleViolation) as refused:
            st.check_card_pin(store, number, p, now)  # type: ignore[arg-type]
        answers.append((refused.value.code, refused.value.message, dict(refused.value.params)))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == "card_refused"
    assert len(calls) == 3 and store.card.pin_hash not in calls  # the decoy, each time
    assert (store.card.locked_until, store.card.failed) == (until, 0)  # the lock as it was
    st.check_card_pin(store, "known", "123456", now + st.LOCKOUT)  # type: ignore[arg-type]
