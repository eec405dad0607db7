"""JSON for the domain's immutable records (ledger payloads, sale and return records).

Driven by type hints, so a new entry type needs no codec code: Money travels as
integer fen, Qty as thousandths, dates as ISO strings. Encoding is canonical
(sorted keys, no spaces) because ledger hashes are taken over it.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from terminal.errors import InvalidInput
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import member as m

T = TypeVar("T")
ENTRY_TYPES: dict[str, type[Any]] = {t.__name__: t for t in get_args(m.MemberEntry)}


def encode(obj: Any) -> Any:
    try:
        return _ENCODERS[type(obj)](obj)
    except KeyError:
        return _encoder(type(obj))(obj)


Encoder = Callable[[Any], Any]
# One encoder per runtime type, found once (as the decoders are, per hint).
_ENCODERS: dict[type[Any], Encoder] = {}


def _same(value: Any) -> Any:
    return value


def _encoder(tp: type[Any]) -> Encoder:
    fn: Encoder
    if tp in (str, int, bool, type(None)):
        fn = _same
    elif issubclass(tp, Money):
        fn = _fen
    elif issubclass(tp, Qty):
        fn = _milli
    elif dataclasses.is_dataclass(tp):
        names = tuple(f.name for f in dataclasses.fields(tp))
        fn = lambda o: {n: encode(getattr(o, n)) for n in names}  # noqa: E731
    elif issubclass(tp, (datetime, date)):
        fn = _iso
    elif issubclass(tp, (tuple, list)):
        fn = lambda o: [encode(x) for x in o]  # noqa: E731
    elif issubclass(tp, frozenset):
        fn = lambda o: sorted(encode(x) for x in o)  # noqa: E731
    else:
        fn = _same
    _ENCODERS[tp] = fn
    return fn


def _fen(m: Money) -> int:
    return m.fen


def _milli(q: Qty) -> int:
    return q.milli


def _iso(d: date) -> str:
    return d.isoformat()


def dumps(obj: Any) -> str:
    return json.dumps(encode(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _field_hints(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """A dataclass's (field name, type hint) pairs."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))


# One decoder function per type hint, built on first use: walking the hint on every
# value (get_origin, is_dataclass...) cost more than the decoding itself, and HQ
# decodes every member entry it receives and every member state it folds onto.
Decoder = Callable[[Any], Any]
_DECODERS: dict[Any, Decoder] = {}


_BUILDING = threading.RLock()  # one builder at a time (HQ decodes in a thread pool)
_NEW: dict[Any, Decoder] = {}  # built under the lock, published when the outermost returns
_DEPTH = [0]


def decoder(tp: Any) -> Decoder:
    """The function that decodes JSON data of type ``tp`` (what ``decode`` calls)."""
    fn = _DECODERS.get(tp)
    if fn is not None:
        return fn
    with _BUILDING:
        fn = _DECODERS.get(tp) or _NEW.get(tp)
        if fn is not None:
            return fn
        _DEPTH[0] += 1
        try:
            if dataclasses.is_dataclass(tp) and tp not in (Money, Qty):  # those are integers
                fn = _dataclass_decoder(tp)
            else:
                fn = _NEW[tp] = _build(tp)
        finally:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                # only whole decoders become visible to other threads: a dataclass's is
                # registered before its fields' are built (they may refer back to it)
                if fn is not None:
                    _DECODERS.update(_NEW)
                _NEW.clear()
        return fn


def _dataclass_decoder(cls: Any) -> Decoder:
    fields: list[tuple[str, Decoder]] = []

    def decode_dataclass(value: Any) -> Any:
        return cls(**{name: dec(value[name]) for name, dec in fields if name in value})

    _NEW[cls] = decode_dataclass
    fields += [(name, decoder(hint)) for name, hint in _field_hints(cls)]
    return decode_dataclass


def _build(tp: Any) -> Decoder:
    origin = get_origin(tp)
    if tp is Any or origin is Literal or tp in (str, int, bool, object):
        return _same
    if origin in (Union, types.UnionType):
        return _union_decoder(get_args(tp))
    if tp is Money:
        return lambda v: Money(int(v))
    if tp is Qty:
        return lambda v: Qty(int(v))
    if tp is datetime:
        return datetime.fromisoformat
    if tp is date:
        return date.fromisoformat
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = decoder(args[0])
            return lambda v: tuple(map(item, v))
        items = tuple(decoder(a) for a in args)
        return lambda v: tuple(d(x) for d, x in zip(items, v, strict=True))
    if origin is frozenset:
        (arg,) = get_args(tp)
        member = decoder(arg)
        return lambda v: frozenset(map(member, v))
    if origin is dict:
        key, val = (decoder(a) for a in get_args(tp))
        return lambda v: {key(a): val(b) for a, b in v.items()}
    raise TypeError(f"cannot decode {tp!r}")


def _union_decoder(args: tuple[Any, ...]) -> Decoder:
    rest = [a for a in args if a is not type(None)]
    inner = decoder(rest[0]) if len(rest) == 1 else decode_entry  # a union of entry types
    if len(rest) == len(args):
        return inner
    return lambda v: None if v is None else inner(v)


def decode(tp: Any, value: Any) -> Any:
    return decoder(tp)(value)


def loads(tp: type[T], text: str) -> T:
    result: T = decode(tp, json.loads(text))
    return result


# Member entries carry their type name so a ledger row decodes back to its class.


def encode_entry(e: m.MemberEntry) -> dict[str, Any]:
    return {"type": type(e).__name__, **encode(e)}


def decode_entry(data: dict[str, Any]) -> m.MemberEntry:
    if not isinstance(data, dict):
        raise InvalidInput("a ledger entry is a JSON object", code="bad_entry")
    cls = ENTRY_TYPES.get(data.get("type", ""))
    if cls is None:
        raise InvalidInput(f"unknown ledger entry type {data.get('type')!r}", code="bad_entry")
    entry: m.MemberEntry = decoder(cls)(data)  # its decoder reads fields only: "type" is left
    return entry
