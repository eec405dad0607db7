"""The chain hash: one definition, however it is computed."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from terminal.store.ledger import GENESIS, chain_hash, hashed_tail, row_hash

text = st.text(max_size=40)


def by_definition(*fields: object) -> str:
    body = json.dumps(list(fields), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@given(
    prev=st.one_of(
        st.just(GENESIS), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64), text
    ),
    seq=st.integers(min_value=1, max_value=2**53),
    fields=st.tuples(text, text, text, text, st.one_of(st.none(), text), text, text),
)
def test_row_hash_is_the_sha256_of_the_row_as_a_json_array(
    prev: str, seq: int, fields: tuple[str, str, str, str, str | None, str, str]
) -> None:
    """Including a prev that needs escaping (HQ checks pushed rows whatever they hold)."""
    want = by_definition(prev, seq, *fields)
    assert row_hash(prev, seq, *fields) == want
    assert chain_hash(prev, seq, hashed_tail(*fields)) == want
