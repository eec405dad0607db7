"""``[[promotions]]`` of a program file (or a scenario's ``promotions``), bounded and
checked like every other table (``program_loader``): a broken entry is refused whole
with one ``ProgramFileError`` naming the key."""

from __future__ import annotations

from datetime import date
from typing import Any

from terminal.errors import ProgramFileError
from terminal.rules import program_loader as pl
from terminal.rules import promotions as pm

MAX_PRIORITY = 1000
MAX_UNITS = 100  # buy / get / nth
# Which keys each kind reads beside the common ones (others are refused as unknown)
KIND_KEYS = {
    "percent": ("pay_percent",),
    "fixed_price": ("price",),
    "buy_x_get_y": ("buy", "get", "pay_percent", "per"),
    "nth_item": ("nth", "pay_percent", "per"),
    "recharge_gift": ("steps",),
}
# Targets a recharge campaign cannot have: it has no lines, and HQ re-derives it by day
NOT_FOR_RECHARGES = ("products", "categories", "exclude_categories", "hours", "stores")


def read_promotions(
    tables: list[pl._Table], tier_ids: set[str], member_day: bool
) -> tuple[pm.PromotionRule, ...]:
    if len(tables) > pl.MAX_ITEMS:
        raise ProgramFileError(tables[0].file, "promotions", f"must have at most {pl.MAX_ITEMS}")
    out: list[pm.PromotionRule] = []
    for t in tables:
        rule = _rule(t, tier_ids, member_day)
        if any(r.id == rule.id for r in out):
            raise t.fail("id", f"promotion {rule.id!r} is defined twice")
        out.append(rule)
    return tuple(out)


def _rule(t: pl._Table, tier_ids: set[str], member_day: bool) -> pm.PromotionRule:
    kind = t.choice("kind", pm.PromoKind)
    if kind == "recharge_gift":
        for k in NOT_FOR_RECHARGES:
            if k in t.data:
                raise t.fail(k, "does not apply to a recharge_gift promotion")
    rule = pm.PromotionRule(
        id=t.text("id"),
        name=t.text("name"),
        kind=kind,
        stacking=t.choice("stacking", pm.PromoStacking),
        priority=t.integer("priority", 0, maximum=MAX_PRIORITY),
        target=_target(t, tier_ids, member_day),
        **_kind_fields(t, kind),
    )
    if not rule.id or not rule.name:
        raise t.fail("id" if not rule.id else "name", "must not be empty")
    t.done()
    return rule


def _kind_fields(t: pl._Table, kind: str) -> dict[str, Any]:
    for other in {k for keys in KIND_KEYS.values() for k in keys} - set(KIND_KEYS[kind]):
        if other in t.data:
            raise t.fail(other, f"does not apply to a {kind} promotion")
    if kind == "percent":
        return {"pay_percent": _percent(t, 1, 99)}
    if kind == "fixed_price":
        return {"price": t.money("price")}
    if kind in ("buy_x_get_y", "nth_item"):
        fields: dict[str, Any] = {
            "pay_percent": _percent(t, 0, 99, default=0 if kind == "buy_x_get_y" else None),
            "per": t.choice("per", pm.PromoPer, "product"),
        }
        if kind == "nth_item":
            fields["nth"] = t.integer("nth", minimum=2, maximum=MAX_UNITS)
        else:
            fields["buy"] = t.integer("buy", minimum=1, maximum=MAX_UNITS)
            fields["get"] = t.integer("get", minimum=1, maximum=MAX_UNITS)
        return fields
    steps = []
    for st in t.tables("steps"):
        step = pm.GiftStep(
            st.money("at_least", positive=True),
            st.integer("coins", 0),
            st.money("gift_value", "0"),
        )
        if not step.coins and not step.gift_value:
            raise st.fail("coins", "a step gives coins or a gift_value")
        st.done()
        steps.append(step)
    if not steps:
        raise t.fail("steps", "needs at least one step")
    return {"steps": tuple(steps)}


def _percent(t: pl._Table, low: int, high: int, default: int | None = None) -> int:
    return t.integer("pay_percent", default, minimum=low, maximum=high)


def _target(t: pl._Table, tier_ids: set[str], member_day: bool) -> pm.PromoTarget:
    tiers = _short(t, "tiers")
    for tier in tiers:
        if tier not in tier_ids:
            raise t.fail("tiers", f"{tier!r} names no tier (known: {', '.join(sorted(tier_ids))})")
    weekdays = _days(t, "weekdays", 7)
    month_days = _days(t, "month_days", 31)
    on_member_day = t.flag("member_day", False)
    if on_member_day and not member_day:
        raise t.fail("member_day", "the program has no member day ([earn.member_day])")
    starts, ends = _day(t, "starts"), _day(t, "ends")
    if starts and ends and ends < starts:
        raise t.fail("ends", f"is before starts ({starts.isoformat()})")
    start_min, end_min = _hours(t)
    return pm.PromoTarget(
        products=_short(t, "products"),
        categories=_short(t, "categories"),
        exclude_categories=_short(t, "exclude_categories"),
        tiers=tiers,
        members_only=t.flag("members_only", False) or bool(tiers),
        weekdays=weekdays,
        month_days=month_days,
        member_day=on_member_day,
        starts=starts,
        ends=ends,
        from_minute=start_min,
        to_minute=end_min,
        stores=_short(t, "stores"),
    )


def _short(t: pl._Table, name: str) -> tuple[str, ...]:
    items = t.strs(name)
    if len(items) > pl.MAX_ITEMS:
        raise t.fail(name, f"must have at most {pl.MAX_ITEMS} entries, not {len(items)}")
    return items


def _days(t: pl._Table, name: str, last: int) -> tuple[int, ...]:
    items = t._get(name, list, [], "a list of day numbers")
    if len(items) > pl.MAX_ITEMS or not all(type(d) is int and 1 <= d <= last for d in items):
        raise t.fail(name, f"must be a list of days 1-{last}, not {items!r}"[:300])
    return tuple(sorted(set(items)))


def _day(t: pl._Table, name: str) -> date | None:
    text = t._get(name, str, None, 'a date like "2026-10-01"')
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise t.fail(name, f'must be a date like "2026-10-01", not {text[:40]!r}') from None


def _hours(t: pl._Table) -> tuple[int, int]:
    """``hours = ["09:00", "12:00"]``: from the first time, up to (not including) the last."""
    items = t._get("hours", list, None, 'a list ["HH:MM", "HH:MM"]')
    if items is None:
        return 0, 1440
    try:
        if len(items) != 2 or not all(isinstance(x, str) and len(x) == 5 for x in items):
            raise ValueError
        mins = [_minute(x) for x in items]
    except ValueError:
        raise t.fail("hours", f'must be ["HH:MM", "HH:MM"], not {items!r}'[:300]) from None
    if mins[0] >= mins[1]:
        raise t.fail("hours", "must end after it starts (no window across midnight)")
    return mins[0], mins[1]


def _minute(text: str) -> int:
    h, sep, m = text.partition(":")
    if sep != ":" or not (h.isdigit() and m.isdigit()):
        raise ValueError
    hour, minute = int(h), int(m)
    if not (0 <= hour <= 24 and 0 <= minute < 60) or hour * 60 + minute > 1440:
        raise ValueError
    return hour * 60 + minute


def read_promotion_list(
    items: list[object], file: str, tier_ids: set[str], member_day: bool
) -> tuple[pm.PromotionRule, ...]:
    """A list of promotion tables from outside a program file (a scenario's JSON)."""
    root = pl._Table(file, "", {"promotions": items})
    return read_promotions(root.tables("promotions"), tier_ids, member_day)
