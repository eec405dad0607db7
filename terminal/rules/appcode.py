"""Dynamic member app codes (rule book §6): HQ-signed QR codes a till checks offline.

The member app shows ``MC1.<member code>.<issued unix seconds>.<signature>``, where
the signature is Ed25519 by HQ's private key over the ASCII bytes of
``MC1.<member code>.<issued>``, encoded base64url without padding.

Why this shape:

* Tills hold only HQ's *public* key, so a stolen till cannot mint codes, and a till
  with no network can still tell a real code from a forged one.
* The issue time is inside the signed text, so a screenshot stops working once it
  is older than ``app_code_max_age_s`` (120 s by default); the phone's clock plays
  no part, only HQ's (when signing) and the till's (when checking), the latter
  corrected by the till's known skew against HQ.
* Codes dated too far in the *future* are refused as well: they mean the till's
  clock or skew is wrong, and accepting them would stretch a code's life.

Checks run in a fixed order: shape first (``app_code_malformed``), then the
signature (``app_code_bad_signature``), then the time (``app_code_expired``,
``app_code_from_future``). A forged code is reported as forged whatever its date.

This module is pure: no Qt, no database, no clock of its own (the caller passes
``now_unix``), so it runs the same on a till, at HQ and in tests.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from terminal.errors import InvalidInput, RuleViolation

PREFIX = "MC1"
DEFAULT_MAX_AGE_S = 120  # program setting ``app_code_max_age_s``
DEFAULT_FUTURE_TOLERANCE_S = 30  # after skew correction; HQ and till clocks never agree exactly

KEY_BYTES = 32  # raw Ed25519 private seed and public key
SIGNATURE_BYTES = 64

_MEMBER_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_ISSUED_MAX_DIGITS = 12  # unix seconds until the year 33658; bounds int() on hostile input
# 64 bytes are 86 base64 characters without padding, 88 with "==".
_SIGNATURE_TEXT = re.compile(r"[A-Za-z0-9_-]{86}(==)?")

_RESCAN = "请会员刷新会员码后重扫"  # "ask the member to refresh the code and rescan"


def looks_like_app_code(text: str) -> bool:
    """True when a scan is meant to be an app code (so its errors are app-code errors).

    The scan router uses this to pick the app-code path before card codes and
    barcodes; whether the code is genuine is ``verify_app_code``'s job.
    """
    return text.strip().startswith(PREFIX + ".")


def generate_keypair() -> tuple[bytes, bytes]:
    """A fresh HQ key pair as raw bytes: (32-byte private seed, 32-byte public key)."""
    private = Ed25519PrivateKey.generate()
    return _raw_private(private), _raw_public(private.public_key())


def public_key_from_private(private_key_bytes: bytes) -> bytes:
    """The raw 32-byte public key that goes to every till, from HQ's raw private seed."""
    return _raw_public(_load_private(private_key_bytes).public_key())


def sign_app_code(private_key_bytes: bytes, member_code: str, issued: int) -> str:
    """HQ side: the text of the QR the member app shows, signed now (``issued``).

    Refuses a member code or time that ``verify_app_code`` would refuse as
    malformed, so HQ can never hand out a code no till accepts.
    """
    if not _MEMBER_CODE.fullmatch(member_code):
        raise _malformed("member code must be 1-32 of A-Z a-z 0-9 _ -")
    if isinstance(issued, bool) or not isinstance(issued, int) or issued < 0:
        raise _malformed("issued time must be a non-negative integer of unix seconds")
    if len(str(issued)) > _ISSUED_MAX_DIGITS:
        raise _malformed("issued time out of range")
    signed = f"{PREFIX}.{member_code}.{issued}"
    signature = _load_private(private_key_bytes).sign(signed.encode("ascii"))
    return f"{signed}.{_b64url(signature)}"


def verify_app_code(
    code: str,
    public_key_bytes: bytes,
    now_unix: int,
    *,
    max_age_s: int = DEFAULT_MAX_AGE_S,
    skew_s: int = 0,
    future_tolerance_s: int = DEFAULT_FUTURE_TOLERANCE_S,
) -> str:
    """Till side: the member code inside a genuine, fresh app code; otherwise a PosError.

    ``now_unix`` is the till's clock; ``skew_s`` is the till's known offset from HQ
    (till clock minus HQ clock), so HQ's time now is ``now_unix - skew_s``. The code
    is accepted while ``-future_tolerance_s <= age <= max_age_s``, age being HQ's
    time now minus the signed issue time: a code exactly ``max_age_s`` old still
    passes, one second later it does not.

    Raises ``InvalidInput`` (``app_code_malformed``, or ``app_code_key_invalid`` for
    a till configured with a key that is not 32 bytes) or ``RuleViolation``
    (``app_code_bad_signature``, ``app_code_expired``, ``app_code_from_future``).
    Any string at all gives one of those or the member code, never another exception.
    """
    public_key = _load_public(public_key_bytes)
    member_code, issued, signed, signature = _parse(code)
    try:
        public_key.verify(signature, signed)
    except InvalidSignature:
        raise RuleViolation(
            "会员码校验失败, 不是总部签发的码; 请会员刷新后重扫, 或改用会员卡/手机号"
            " (member code signature invalid, not issued by HQ: refresh the app and"
            " rescan, or use the member card or phone number)",
            code="app_code_bad_signature",
        ) from None

    age = (now_unix - skew_s) - issued
    if age > max_age_s:
        raise RuleViolation(
            f"会员码已过期, {_RESCAN}"
            f" (member code expired: issued {age} s ago, limit {max_age_s} s;"
            " refresh the app and rescan)",
            code="app_code_expired",
            age=age,
            limit=max_age_s,
        )
    if age < -future_tolerance_s:
        raise RuleViolation(
            "会员码时间晚于本机时间, 请检查收银机时钟或与总部同步"
            f" (member code dated {-age} s in the future: check the till's clock"
            " or sync it with HQ)",
            code="app_code_from_future",
            ahead=-age,
        )
    return member_code


def _parse(code: str) -> tuple[str, int, bytes, bytes]:
    """Split and check the shape: (member code, issued, signed bytes, signature bytes).

    Scanners often append CR/LF, so surrounding whitespace is dropped; nothing
    else is forgiven. The signed bytes are the received text itself, never a
    re-rendering, so what is checked is exactly what HQ signed.
    """
    text = code.strip()
    if not text.isascii():
        raise _malformed("non-ASCII characters")
    parts = text.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise _malformed(f"expected {PREFIX}.<member>.<issued>.<signature>")
    _, member_code, issued_text, signature_text = parts
    if not _MEMBER_CODE.fullmatch(member_code):
        raise _malformed("member code must be 1-32 of A-Z a-z 0-9 _ -")
    # isdigit() alone would let through "²" and int() would also take "+5", " 5", "1_0".
    if not (issued_text.isdigit() and len(issued_text) <= _ISSUED_MAX_DIGITS):
        raise _malformed("issued time is not whole unix seconds")
    signature = _b64url_decode_signature(signature_text)
    signed = f"{PREFIX}.{member_code}.{issued_text}".encode("ascii")
    return member_code, int(issued_text), signed, signature


def _b64url_decode_signature(text: str) -> bytes:
    """Decode a 64-byte signature, with or without "==" padding, canonical form only.

    Ed25519 signatures leave 4 spare bits in the last base64 character; refusing
    any non-zero spare bits gives each genuine code exactly two spellings (padded
    or not), so a log or a used-code list never sees the same code under many names.
    """
    if not _SIGNATURE_TEXT.fullmatch(text):
        raise _malformed("signature is not base64url of 64 bytes")
    bare = text.rstrip("=")
    try:
        raw = base64.urlsafe_b64decode(bare + "==")
    except (binascii.Error, ValueError):  # pragma: no cover - the regex already rules it out
        raise _malformed("signature is not base64url") from None
    if len(raw) != SIGNATURE_BYTES or _b64url(raw) != bare:
        raise _malformed("signature is not canonical base64url")
    return raw


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _malformed(reason: str) -> InvalidInput:
    return InvalidInput(
        f"会员码无法识别, {_RESCAN} (not a valid member app code: {reason};"
        " refresh the app and rescan)",
        code="app_code_malformed",
    )


def _load_private(private_key_bytes: bytes) -> Ed25519PrivateKey:
    if len(private_key_bytes) != KEY_BYTES:
        raise _bad_key("private", len(private_key_bytes))
    return Ed25519PrivateKey.from_private_bytes(private_key_bytes)


def _load_public(public_key_bytes: bytes) -> Ed25519PublicKey:
    if len(public_key_bytes) != KEY_BYTES:
        raise _bad_key("public", len(public_key_bytes))
    try:
        return Ed25519PublicKey.from_public_bytes(public_key_bytes)
    except ValueError:  # pragma: no cover - every 32-byte string loads with OpenSSL
        raise _bad_key("public", len(public_key_bytes)) from None


def _bad_key(which: str, length: int) -> InvalidInput:
    """A setup fault, not the member's: the till cannot check app codes at all."""
    return InvalidInput(
        "本机的总部密钥配置有误, 无法校验会员码; 请改用会员卡/手机号并联系技术支持"
        f" (HQ {which} key is {length} bytes, expected {KEY_BYTES}: app codes cannot be"
        " checked; use the card or phone number and call support)",
        code="app_code_key_invalid",
    )


def _raw_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
