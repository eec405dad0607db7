"""JSON for the domain's immutable records (ledger payloads, sale and return records).

Driven by type hints, so a new entry type needs no codec code: Money travels as
integer fen, Qty as thousandths, dates as ISO strings. Encoding is canonical
(sorted keys, no spaces) because ledger hashes are taken over it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from terminal.errors import InvalidInput
from terminal.money import Money
from terminal.quantity import Qty
from terminal.rules import member as m

T = TypeVar("T")
ENTRY_TYPES: dict[str, type[Any]] = {t.__name__: t for t in get_args(m.MemberEntry)}


def encode(obj: Any) -> Any:
    tp = type(obj)
    if tp is str or tp is int or tp is bool or obj is None:
        return obj
    if tp is Money:
        return obj.fen
    if tp is Qty:
        return obj.milli
    names = _field_names(tp)
    if names is not None:
        return {n: encode(getattr(obj, n)) for n in names}
    if isinstance(obj, Money):
        return obj.fen
    if isinstance(obj, Qty):
        return obj.milli
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, (tuple, list)):
        return [encode(x) for x in obj]
    if isinstance(obj, frozenset):
        return sorted(encode(x) for x in obj)
    return obj


_FIELD_NAMES: dict[type[Any], tuple[str, ...] | None] = {}


def _field_names(tp: type[Any]) -> tuple[str, ...] | None:
    """A dataclass's field names, looked up once per class (None: not a dataclass)."""
    try:
        return _FIELD_NAMES[tp]
    except KeyError:
        names = None
        if dataclasses.is_dataclass(tp):
            names = tuple(f.name for f in dataclasses.fields(tp))
        _FIELD_NAMES[tp] = names
        return names


def dumps(obj: Any) -> str:
    return json.dumps(encode(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_FIELD_HINTS: dict[type[Any], tuple[tuple[str, Any], ...]] = {}


def _field_hints(cls: type[Any]) -> tuple[tuple[str, Any], ...]:
    """A dataclass's (field name, type hint) pairs, resolved once per class."""
    pairs = _FIELD_HINTS.get(cls)
    if pairs is None:
        hints = typing.get_type_hints(cls)
        pairs = _FIELD_HINTS[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return pairs


def decode(tp: Any, value: Any) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return decode(rest[0], value)
        return decode_entry(value)  # a union of entry types
    if origin is Literal:
        return value
    if tp is Money:
        return Money(int(value))
    if tp is Qty:
        return Qty(int(value))
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is date:
        return date.fromisoformat(value)
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in value)
        return tuple(decode(a, v) for a, v in zip(args, value, strict=True))
    if origin is frozenset:
        (arg,) = get_args(tp)
        return frozenset(decode(arg, v) for v in value)
    if origin is dict:
        k, v = get_args(tp)
        return {decode(k, a): decode(v, b) for a, b in value.items()}
    if dataclasses.is_dataclass(tp):
        cls: Any = tp
        return cls(
            **{name: decode(hint, value[name]) for name, hint in _field_hints(cls) if name in value}
        )
    if tp in (str, int, bool) or tp is object:
        return value
    raise TypeError(f"cannot decode {tp!r}")


def loads(tp: type[T], text: str) -> T:
    result: T = decode(tp, json.loads(text))
    return result


# Member entries carry their type name so a ledger row decodes back to its class.


def encode_entry(e: m.MemberEntry) -> dict[str, Any]:
    return {"type": type(e).__name__, **encode(e)}


def decode_entry(data: dict[str, Any]) -> m.MemberEntry:
    cls = ENTRY_TYPES.get(data.get("type", ""))
    if cls is None:
        raise InvalidInput(f"unknown ledger entry type {data.get('type')!r}", code="bad_entry")
    fields = {k: v for k, v in data.items() if k != "type"}
    entry: m.MemberEntry = decode(cls, fields)
    return entry
