"""Dynamic member app codes (rule book §6): HQ signs, the till verifies offline."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terminal.errors import InvalidInput, PosError, RuleViolation
from terminal.rules.appcode import (
    generate_keypair,
    looks_like_app_code,
    public_key_from_private,
    sign_app_code,
    verify_app_code,
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# RFC 8032 §7.1, TEST 1: the raw seed and public key are the standard encodings.
RFC_PRIVATE = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")

PRIV, PUB = generate_keypair()
OTHER_PRIV, OTHER_PUB = generate_keypair()
T0 = 1_780_000_000  # an issue time in 2026


def code_for(member: str = "M000001", issued: int = T0, priv: bytes = PRIV) -> str:
    return sign_app_code(priv, member, issued)


def refused(code: str, now: int = T0, **kw: int) -> PosError:
    with pytest.raises(PosError) as info:
        verify_app_code(code, PUB, now, **kw)
    return info.value


# -- keys --------------------------------------------------------------------------


def test_keypair_is_raw_32_bytes_and_public_derives_from_private() -> None:
    priv, pub = generate_keypair()
    assert len(priv) == 32 and len(pub) == 32
    assert public_key_from_private(priv) == pub
    assert generate_keypair()[0] != priv


def test_raw_keys_match_rfc8032_vector() -> None:
    assert public_key_from_private(RFC_PRIVATE) == RFC_PUBLIC


@pytest.mark.parametrize("n", [0, 31, 33, 64])
def test_wrong_length_keys_are_a_clear_setup_error(n: int) -> None:
    code = code_for()
    with pytest.raises(InvalidInput) as info:
        verify_app_code(code, b"\x01" * n, T0)
    assert info.value.code == "app_code_key_invalid"
    with pytest.raises(InvalidInput) as info:
        sign_app_code(b"\x01" * n, "M000001", T0)
    assert info.value.code == "app_code_key_invalid"
    with pytest.raises(InvalidInput):
        public_key_from_private(b"\x01" * n)


# -- shape and round trip -----------------------------------------------------------


def test_round_trip() -> None:
    code = code_for("M000001", T0)
    assert code.startswith(f"MC1.M000001.{T0}.")
    assert looks_like_app_code(code)
    assert verify_app_code(code, PUB, T0) == "M000001"


@pytest.mark.parametrize("member", ["M000001", "a", "A" * 32, "x_y-z", "0123456789", "-_-"])
def test_round_trip_member_code_shapes(member: str) -> None:
    assert verify_app_code(code_for(member), PUB, T0 + 5) == member


def test_signature_is_deterministic_unpadded_base64url() -> None:
    code = code_for()
    assert code == code_for()  # Ed25519 signing is deterministic
    sig = code.rsplit(".", 1)[1]
    assert len(sig) == 86 and "=" not in sig
    assert set(sig) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    # The signature is over exactly the ASCII text before the last dot.
    signed, _ = code.rsplit(".", 1)
    assert signed == f"MC1.M000001.{T0}"


def test_scanner_line_endings_are_tolerated() -> None:
    assert verify_app_code(code_for() + "\r\n", PUB, T0) == "M000001"
    assert verify_app_code("  " + code_for() + "\n", PUB, T0) == "M000001"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MC1.M000001.1780000000.abc", True),
        ("MC1.", True),
        (" MC1.x\n", True),
        ("MC1", False),
        ("mc1.M000001.1.x", False),
        ("MC2.M000001.1.x", False),
        ("M000001", False),
        ("13800138000", False),
        ("", False),
    ],
)
def test_looks_like_app_code(text: str, expected: bool) -> None:
    assert looks_like_app_code(text) is expected


# -- time: expiry, skew, future ------------------------------------------------------


def test_expiry_boundary_default_120s() -> None:
    code = code_for()
    assert verify_app_code(code, PUB, T0 + 120) == "M000001"
    err = refused(code, T0 + 121)
    assert isinstance(err, RuleViolation) and err.code == "app_code_expired"
    assert "过期" in err.message and "refresh" in err.message


@pytest.mark.parametrize("max_age", [0, 1, 30, 300])
def test_expiry_boundary_follows_program_setting(max_age: int) -> None:
    code = code_for()
    assert verify_app_code(code, PUB, T0 + max_age, max_age_s=max_age) == "M000001"
    assert refused(code, T0 + max_age + 1, max_age_s=max_age).code == "app_code_expired"


def test_screenshot_replayed_later_fails() -> None:
    code = code_for()
    assert verify_app_code(code, PUB, T0 + 10) == "M000001"
    assert refused(code, T0 + 600).code == "app_code_expired"
    assert refused(code, T0 + 86_400).code == "app_code_expired"


def test_till_clock_ahead_of_hq_is_corrected_by_skew() -> None:
    code = code_for()
    skew = 300  # till clock reads 300 s later than HQ's
    assert verify_app_code(code, PUB, T0 + skew + 120, skew_s=skew) == "M000001"
    assert refused(code, T0 + skew + 121, skew_s=skew).code == "app_code_expired"
    # Without the correction the same moment looks expired.
    assert refused(code, T0 + skew + 60).code == "app_code_expired"


def test_till_clock_behind_hq_is_corrected_by_skew() -> None:
    code = code_for()
    skew = -300  # till clock reads 300 s earlier than HQ's
    assert verify_app_code(code, PUB, T0 - 300, skew_s=skew) == "M000001"
    assert verify_app_code(code, PUB, T0 - 300 + 120, skew_s=skew) == "M000001"
    assert refused(code, T0 - 300 + 121, skew_s=skew).code == "app_code_expired"
    # Without the correction the code looks dated in the future.
    assert refused(code, T0 - 300).code == "app_code_from_future"


def test_future_codes_within_tolerance_pass_beyond_it_fail() -> None:
    code = code_for()
    assert verify_app_code(code, PUB, T0 - 30) == "M000001"
    err = refused(code, T0 - 31)
    assert isinstance(err, RuleViolation) and err.code == "app_code_from_future"
    assert "clock" in err.message
    assert verify_app_code(code, PUB, T0 - 5, future_tolerance_s=5) == "M000001"
    assert refused(code, T0 - 6, future_tolerance_s=5).code == "app_code_from_future"


def test_future_tolerance_applies_after_skew_correction() -> None:
    code = code_for()
    # HQ's time now = till time - skew = T0 - 30: at the edge of the tolerance.
    assert verify_app_code(code, PUB, T0 + 70, skew_s=100) == "M000001"
    assert refused(code, T0 + 69, skew_s=100).code == "app_code_from_future"
    assert verify_app_code(code, PUB, T0 - 130, skew_s=-100) == "M000001"
    assert refused(code, T0 - 131, skew_s=-100).code == "app_code_from_future"


@given(
    issued=st.integers(0, 10**11),
    age=st.integers(-1000, 1000),
    skew=st.integers(-(10**6), 10**6),
    max_age=st.integers(0, 600),
)
@FAST
def test_time_window_property(issued: int, age: int, skew: int, max_age: int) -> None:
    code = code_for("M7", issued)
    now = issued + age + skew
    if -30 <= age <= max_age:
        assert verify_app_code(code, PUB, now, max_age_s=max_age, skew_s=skew) == "M7"
    else:
        with pytest.raises(RuleViolation) as info:
            verify_app_code(code, PUB, now, max_age_s=max_age, skew_s=skew)
        assert info.value.code == ("app_code_expired" if age > 0 else "app_code_from_future")


# -- tampering and wrong keys --------------------------------------------------------


def test_tampered_member_code_is_refused() -> None:
    _, _, issued, sig = code_for("M000001").split(".")
    err = refused(f"MC1.M000002.{issued}.{sig}")
    assert isinstance(err, RuleViolation) and err.code == "app_code_bad_signature"


def test_tampered_issued_time_is_refused() -> None:
    _, member, _, sig = code_for("M000001", T0).split(".")
    # Moving the date forward to stretch a screenshot's life breaks the signature.
    assert refused(f"MC1.{member}.{T0 + 600}.{sig}", T0 + 600).code == "app_code_bad_signature"
    # So does a leading zero: the signature covers the exact digits HQ wrote.
    assert refused(f"MC1.{member}.0{T0}.{sig}").code == "app_code_bad_signature"


@pytest.mark.parametrize("pos", [0, 10, 42, 84])
def test_tampered_signature_is_refused(pos: int) -> None:
    code = code_for()
    head, sig = code.rsplit(".", 1)
    flipped = "B" if sig[pos] != "B" else "C"
    err = refused(f"{head}.{sig[:pos]}{flipped}{sig[pos + 1 :]}")
    assert err.code == "app_code_bad_signature"


def test_signature_of_another_code_is_refused() -> None:
    other_sig = code_for("M000002").rsplit(".", 1)[1]
    head = code_for("M000001").rsplit(".", 1)[0]
    assert refused(f"{head}.{other_sig}").code == "app_code_bad_signature"


def test_wrong_key_is_refused() -> None:
    code = code_for(priv=OTHER_PRIV)
    err = refused(code)
    assert isinstance(err, RuleViolation) and err.code == "app_code_bad_signature"
    assert "HQ" in err.message
    assert verify_app_code(code, OTHER_PUB, T0) == "M000001"


def test_forged_code_is_reported_as_forged_whatever_its_date() -> None:
    forged = code_for(priv=OTHER_PRIV)
    assert refused(forged, T0 + 10_000).code == "app_code_bad_signature"
    assert refused(forged, T0 - 10_000).code == "app_code_bad_signature"


# -- padding -------------------------------------------------------------------------


def test_padded_signature_is_accepted() -> None:
    code = code_for()
    assert verify_app_code(code + "==", PUB, T0) == "M000001"


@pytest.mark.parametrize("pad", ["=", "===", "===="])
def test_wrong_padding_is_malformed(pad: str) -> None:
    assert refused(code_for() + pad).code == "app_code_malformed"


def test_standard_base64_alphabet_is_malformed() -> None:
    # Find a key/member whose signature uses '-' or '_', then spell it with '+' '/'.
    for i in range(200):
        code = code_for(f"M{i}")
        if "-" in code.rsplit(".", 1)[1] or "_" in code.rsplit(".", 1)[1]:
            break
    else:  # pragma: no cover - 200 signatures without '-' or '_' is vanishingly unlikely
        pytest.fail("no signature with '-' or '_'")
    head, sig = code.rsplit(".", 1)
    std = sig.replace("-", "+").replace("_", "/")
    assert refused(f"{head}.{std}").code == "app_code_malformed"


def test_non_canonical_trailing_bits_are_malformed() -> None:
    code = code_for()
    head, sig = code.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(sig + "==")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    assert last & 0b1111 == 0  # 4 spare bits, all zero in the canonical spelling
    variant = sig[:-1] + alphabet[last | 1]
    assert base64.urlsafe_b64decode(variant + "==") == raw  # same bytes, other spelling
    assert refused(f"{head}.{variant}").code == "app_code_malformed"


# -- malformed -----------------------------------------------------------------------

SIG = code_for().rsplit(".", 1)[1]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "MC1",
        "MC1.",
        "MC1.M000001",
        f"MC1.M000001.{T0}",
        f"MC1.M000001.{T0}.{SIG}.extra",
        f"MC2.M000001.{T0}.{SIG}",
        f"mc1.M000001.{T0}.{SIG}",
        f"MC1..{T0}.{SIG}",  # empty member code
        f"MC1.{'A' * 33}.{T0}.{SIG}",  # member code too long
        f"MC1.M 01.{T0}.{SIG}",
        f"MC1.会员01.{T0}.{SIG}",
        f"MC1.M0+1.{T0}.{SIG}",
        f"MC1.M000001..{SIG}",  # empty time
        f"MC1.M000001.12x.{SIG}",
        f"MC1.M000001.-5.{SIG}",
        f"MC1.M000001.+5.{SIG}",
        f"MC1.M000001. 5.{SIG}",
        f"MC1.M000001.1_000.{SIG}",
        f"MC1.M000001.1e9.{SIG}",
        f"MC1.M000001.{'9' * 13}.{SIG}",  # absurdly far out: bounded before int()
        f"MC1.M000001.{'9' * 5000}.{SIG}",  # past int()'s digit limit
        f"MC1.M000001.١٢٣.{SIG}",  # Arabic-Indic digits
        f"MC1.M000001.１２３.{SIG}",  # full-width digits
        f"MC1.M000001.{T0}.",  # empty signature
        f"MC1.M000001.{T0}.!!!!",
        f"MC1.M000001.{T0}.{SIG[:-1]}",  # 63-and-a-bit bytes
        f"MC1.M000001.{T0}.{SIG}AAAA",  # 67 bytes
        f"MC1.M000001.{T0}.{SIG[:43]} {SIG[44:]}",
        f"MC1.M000001.{T0}.{SIG[:43]}é{SIG[44:]}",
    ],
)
def test_malformed_codes(text: str) -> None:
    err = refused(text)
    assert isinstance(err, InvalidInput) and err.code == "app_code_malformed"
    assert "会员码" in err.message and "refresh" in err.message


def test_signer_refuses_what_the_till_would_call_malformed() -> None:
    for member in ["", "A" * 33, "M.01", "会员", "M 1"]:
        with pytest.raises(InvalidInput) as info:
            sign_app_code(PRIV, member, T0)
        assert info.value.code == "app_code_malformed"
    for issued in [-1, 10**12]:
        with pytest.raises(InvalidInput) as info:
            sign_app_code(PRIV, "M1", issued)
        assert info.value.code == "app_code_malformed"
    # The largest accepted time still round-trips.
    assert verify_app_code(code_for("M1", 10**12 - 1), PUB, 10**12 - 1) == "M1"


# -- anything at all: a member code or a PosError, nothing else ----------------------


def _verify_or_pos_error(text: str, pub: bytes = PUB) -> str | None:
    try:
        result = verify_app_code(text, pub, T0)
    except PosError as e:
        assert e.code in {
            "app_code_malformed",
            "app_code_bad_signature",
            "app_code_expired",
            "app_code_from_future",
        }
        assert e.message
        return None
    assert isinstance(result, str)
    return result


@given(st.text())
@FAST
def test_any_text_gives_member_or_pos_error(text: str) -> None:
    assert _verify_or_pos_error(text) is None  # forging by chance is not a thing


_PART = st.text(alphabet=st.sampled_from("ABCxyz019_-=+/. é中\n"), min_size=0, max_size=100)


@given(st.lists(_PART, min_size=0, max_size=6).map(".".join).map(lambda s: "MC1." + s))
@FAST
def test_code_shaped_text_gives_member_or_pos_error(text: str) -> None:
    assert _verify_or_pos_error(text) is None


@given(
    member=st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True),
    issued=st.integers(0, 10**12 - 1),
    sig=st.binary(min_size=64, max_size=64),
    padded=st.booleans(),
)
@FAST
def test_well_shaped_random_signature_is_bad_signature(
    member: str, issued: int, sig: bytes, padded: bool
) -> None:
    enc = base64.urlsafe_b64encode(sig).decode("ascii")
    text = f"MC1.{member}.{issued}.{enc if padded else enc.rstrip('=')}"
    assert refused(text).code == "app_code_bad_signature"


@given(
    data=st.data(),
    member=st.from_regex(r"[A-Za-z0-9_-]{1,32}", fullmatch=True),
)
@FAST
def test_one_character_edits_of_a_genuine_code(data: st.DataObject, member: str) -> None:
    code = code_for(member)
    pos = data.draw(st.integers(0, len(code)), label="pos")
    char = data.draw(st.characters(codec="utf-8"), label="char")
    kind = data.draw(st.sampled_from(["insert", "replace", "delete"]), label="kind")
    if kind == "insert":
        edited = code[:pos] + char + code[pos:]
    elif kind == "replace":
        edited = code[:pos] + char + code[pos + 1 :]
    else:
        edited = code[:pos] + code[pos + 1 :]
    result = _verify_or_pos_error(edited)
    if result is not None:
        # Only edits that leave the code's meaning intact may pass: same member code.
        assert result == member
        assert edited.strip() in {code, code + "=="} or edited == code


@given(st.binary(min_size=32, max_size=32))
@settings(max_examples=100, deadline=None)
def test_any_32_byte_public_key_gives_pos_error_not_a_crash(pub: bytes) -> None:
    assert _verify_or_pos_error(code_for(), pub) is None
