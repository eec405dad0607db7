"""Phones as HQ sends them to tills: masked to the last four digits, plus a keyed hash.

A till needs a member's phone only to find the member when the cashier types it and to
show it masked. HQ sends ``*******1234`` and ``key(secret, phone)``, an HMAC under a
chain-wide secret HQ gives its enrolled tills; the till matches the key of the typed
phone. This keeps phones off the wire and out of a stolen store file in clear, no more:
mainland mobile numbers are 11 digits (about 10^10 of them), so anyone holding both the
secret and the keys can recover every phone by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac

MASK = "*******"  # the seven digits a till never sees of a pulled member's phone
SECRET = "phone_secret"  # the setting (HQ's and the till's) holding the chain's secret


def masked(phone: str) -> str:
    """``*******1234``: what a till holds of a phone HQ sends ("" stays "")."""
    return MASK + phone[-4:] if phone and not is_masked(phone) else phone


def is_masked(phone: str) -> bool:
    return phone.startswith("*")


def key(secret: str, phone: str) -> str:
    """The phone's keyed hash under the chain's secret: "k" and 19 hex digits (76 bits,
    no collision among 10^10 phones to fear), the width of the till's phone column."""
    mac = hmac.new(secret.encode("ascii"), phone.encode("ascii"), hashlib.sha256)
    return "k" + mac.hexdigest()[:19]
