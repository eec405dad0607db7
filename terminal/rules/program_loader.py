"""Read and validate program files (TOML).

A broken file is refused whole, with one message naming the file, the key and
what is wrong (``ProgramFileError``): a chain checks a new program before rolling
it out, and a half-loaded program must never price a sale.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast, get_args

from terminal.errors import InvalidInput, ProgramFileError
from terminal.money import Money
from terminal.rules import program as p
from terminal.rules.barcodes import ean13_scale_layouts
from terminal.rules.program_ids import PROGRAM_IDS as PROGRAM_IDS

T = TypeVar("T")

# Every number a program file gives has a ceiling: a file that passes ``check-program``
# must never overflow a date, allocate millions of coupons or spin the counter.
MAX_COUNT = 1_000_000  # coins, points, visits: any count without a tighter bound
MAX_POINTS = 1_000_000_000  # point thresholds and deductions
MAX_MONTHS = 120  # any duration in months (validity, expiry, "new member")
MAX_DAYS = 3660  # any duration in days
MAX_PERCENT = 100
MAX_GIFT = 10  # coupons of one template in one gift
MAX_ITEMS = 50  # entries of a list or table: tiers, gifts, templates, rules, values
MAX_NAMES = 1000  # entries of a list of names (categories)
MAX_TEXT = 200  # characters of a string
MAX_AMOUNT = Money(10_000_000_000)  # ¥100,000,000: any amount
MAX_RATE = Fraction(1000)
MAX_DEPTH = 12  # tables and arrays inside each other (the shipped files nest 6 deep)
MAX_FILE = 1_000_000  # bytes of a program file
_RATE = re.compile(r"\d{1,6}(\.\d{1,6})?")

# Tenders that are not spend unless a program says otherwise (``spend_excludes_tenders``):
# paying with coins or points is paying with what earlier spend earned.
SPEND_EXCLUDES: tuple[str, ...] = ("points", "coins")


class _Table:
    """A TOML table being read: tracks its key path and refuses unknown keys."""

    def __init__(self, file: str, path: str, data: dict[str, Any]) -> None:
        self.file, self.path, self.data = file, path, data
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, problem: str) -> ProgramFileError:
        return ProgramFileError(self.file, self.key(name), problem)

    def _get(self, name: str, kind: type[T], default: Any, what: str) -> Any:
        self.seen.add(name)
        if name not in self.data:
            if default is _REQUIRED:
                raise self.fail(name, "is required")
            return default
        value = self.data[name]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise self.fail(name, f"must be {what}, not {type(value).__name__} {value!r}")
        return value

    def text(self, name: str, default: Any = None) -> str:
        v = cast(str, self._get(name, str, _REQUIRED if default is None else default, "a string"))
        if len(v) > MAX_TEXT:
            raise self.fail(name, f"must be at most {MAX_TEXT} characters, not {len(v)}")
        return v

    def integer(
        self, name: str, default: Any = None, *, minimum: int = 0, maximum: int = MAX_COUNT
    ) -> int:
        v = cast(int, self._get(name, int, _REQUIRED if default is None else default, "an integer"))
        if v < minimum:
            raise self.fail(name, f"must be at least {minimum}, not {v}")
        if v > maximum:
            raise self.fail(name, f"must be at most {maximum}, not {v}")
        return v

    def flag(self, name: str, default: bool) -> bool:
        return cast(bool, self._get(name, bool, default, "true or false"))

    def money(self, name: str, default: str | None = None, *, positive: bool = False) -> Money:
        text = self.text(name, default)
        try:
            m = Money.parse(text)
        except InvalidInput:
            raise self.fail(name, f'must be an amount in yuan like "12.50", not {text!r}') from None
        if m.fen < 0 or (positive and m.fen == 0):
            raise self.fail(
                name, f"must be {'positive' if positive else 'non-negative'}, not {text}"
            )
        if m > MAX_AMOUNT:
            raise self.fail(name, f"must be at most {MAX_AMOUNT.plain()}, not {text}")
        return m

    def rate(self, name: str, default: str = "1") -> Fraction:
        text = self.text(name, default)
        return self.parse_rate(name, text)

    def parse_rate(self, name: str, text: str) -> Fraction:
        # digits and one point only: Fraction("1e999999999") would build a huge integer
        if text.startswith("-") and _RATE.fullmatch(text[1:]):
            raise self.fail(name, f"must not be negative, not {text}")
        if not _RATE.fullmatch(text):
            raise self.fail(name, f'must be a decimal rate like "1.5", not {text[:40]!r}')
        r = Fraction(text)
        if r > MAX_RATE:
            raise self.fail(name, f"must be at most {MAX_RATE}, not {text}")
        return r

    def choice(self, name: str, literal: Any, default: str | None = None) -> Any:
        allowed = get_args(literal)
        v = self.text(name, default)
        if v not in allowed:
            raise self.fail(name, f"must be one of {', '.join(allowed)}, not {v!r}")
        return v

    def tender_kinds(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        if name not in self.data:
            self.seen.add(name)
            return default
        kinds = self.strs(name)
        for k in kinds:
            if k not in p.EXCLUDABLE_TENDERS:
                raise self.fail(
                    name, f"{k!r} is not a tender (known: {', '.join(p.EXCLUDABLE_TENDERS)})"
                )
        return kinds

    def strs(self, name: str) -> tuple[str, ...]:
        items = self._get(name, list, [], "a list of strings")
        if not all(isinstance(i, str) and len(i) <= MAX_TEXT for i in items):
            raise self.fail(name, f"must be a list of strings of at most {MAX_TEXT} characters")
        if len(items) > MAX_NAMES:
            raise self.fail(name, f"must have at most {MAX_NAMES} entries, not {len(items)}")
        return tuple(items)

    def table(self, name: str, *, optional: bool = True) -> _Table | None:
        value = self._get(name, dict, None if optional else _REQUIRED, "a table")
        if value is not None and len(value) > MAX_NAMES:
            raise self.fail(name, f"must have at most {MAX_NAMES} keys, not {len(value)}")
        return None if value is None else _Table(self.file, self.key(name), value)

    def tables(self, name: str) -> list[_Table]:
        items = self._get(name, list, [], "an array of tables")
        if len(items) > MAX_ITEMS:
            raise self.fail(name, f"must have at most {MAX_ITEMS} entries, not {len(items)}")
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"{name}[{i}]", "must be a table")
            out.append(_Table(self.file, f"{self.key(name)}[{i}]", item))
        return out

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.fail(unknown[0], "is not a known key")


_REQUIRED = object()


def _read(t: _Table, fn: Callable[[_Table], T]) -> T:
    value = fn(t)
    t.done()
    return value


def _gifts(
    t: _Table, name: str, templates: dict[str, p.CouponTemplate]
) -> tuple[p.CouponGift, ...]:
    out = []
    for g in t.tables(name):
        key = g.text("coupon")
        if key not in templates:
            raise g.fail("coupon", f"names no coupon template (known: {', '.join(templates)})")
        out.append(p.CouponGift(key, g.integer("count", 1, minimum=1, maximum=MAX_GIFT)))
        g.done()
    return tuple(out)


def _template(t: _Table, key: str) -> p.CouponTemplate:
    tpl = p.CouponTemplate(
        key=key,
        name=t.text("name"),
        threshold=t.money("threshold"),
        off=t.money("off", positive=True),
        categories=t.strs("categories"),
    )
    t.done()
    return tpl


def _ladder(t: _Table, templates: dict[str, p.CouponTemplate]) -> p.TierLadder:
    basis = t.choice("basis", p.TierBasis)
    money_basis = basis not in ("growth_points", "points_balance")
    levels: list[p.TierLevel] = []
    for lt in t.tables("levels"):
        threshold = (
            lt.money("threshold").fen
            if money_basis
            else lt.integer("threshold", minimum=0, maximum=MAX_POINTS)
        )
        level = p.TierLevel(
            id=lt.text("id"),
            name=lt.text("name"),
            threshold=threshold,
            discount_percent=lt.integer("discount_percent", 100, minimum=1, maximum=MAX_PERCENT),
            expiry_deduction=lt.integer("expiry_deduction", 0, maximum=MAX_POINTS),
            upgrade_gift=_gifts(lt, "upgrade_gift", templates),
            monthly_gift=_gifts(lt, "monthly_gift", templates),
        )
        if level.discount_percent > 100:
            raise lt.fail("discount_percent", f"must be at most 100, not {level.discount_percent}")
        if levels and level.threshold <= levels[-1].threshold:
            raise lt.fail(
                "threshold",
                f"overlaps tier {levels[-1].id!r}: thresholds must rise strictly",
            )
        if any(lv.id == level.id for lv in levels):
            raise lt.fail("id", f"tier {level.id!r} is defined twice")
        lt.done()
        levels.append(level)
    if not levels:
        raise t.fail("levels", "needs at least one tier")
    ids = {lv.id for lv in levels}
    promotions = []
    for pt in t.tables("promotions"):
        promo = p.TierShortcut(
            pt.text("from"), pt.text("to"), pt.integer("points_at_least", maximum=MAX_POINTS)
        )
        for k, v in (("from", promo.from_tier), ("to", promo.to_tier)):
            if v not in ids:
                raise pt.fail(k, f"names no tier (known: {', '.join(sorted(ids))})")
        pt.done()
        promotions.append(promo)
    ladder = p.TierLadder(
        basis=basis,
        levels=tuple(levels),
        movement=t.choice("movement", p.TierMovement, "up_only"),
        validity_months=t.integer("validity_months", 0, maximum=MAX_MONTHS),
        promotions=tuple(promotions),
        reassess=t.choice("reassess", p.TierReassess, "never"),
        inherit_benefits=t.flag("inherit_benefits", False),
    )
    if ladder.movement == "expiry" and ladder.validity_months == 0:
        raise t.fail("validity_months", 'must be set when movement is "expiry"')
    if ladder.reassess == "monthly" and (ladder.movement, ladder.basis) != ("up_only", "spend_12m"):
        raise t.fail("reassess", 'monthly re-tiering is for an "up_only" ladder on "spend_12m"')
    return ladder


def _earn(t: _Table, tier_ids: set[str]) -> p.EarnRule:
    rates = t.table("tier_rates")
    tier_rates: list[tuple[str, Fraction]] = []
    if rates is not None:
        for tier, text in rates.data.items():
            if tier not in tier_ids:
                raise rates.fail(tier, "names no tier")
            if not isinstance(text, str):
                raise rates.fail(tier, f"must be a decimal rate string, not {text!r}")
            tier_rates.append((tier, rates.parse_rate(tier, text)))
            rates.seen.add(tier)
        rates.done()
    md = t.table("member_day")
    member_day = None
    if md is not None:
        member_day = p.MemberDay(
            md.integer("weekday", minimum=1),  # 1-7: checked below, with its own words
            md.integer("multiplier", minimum=1, maximum=100),
        )
        if member_day.weekday > 7:
            raise md.fail("weekday", "must be 1 (Monday) to 7 (Sunday)")
        md.done()
    rule = p.EarnRule(
        currency=t.choice("currency", p.EarnCurrency),
        base=t.choice("base", p.EarnBase),
        unit=t.money("unit", positive=True),
        rounding=t.choice("rounding", p.Rounding),
        categories=t.strs("categories"),
        minimum_base=t.money("minimum_base", "0"),
        rate=t.rate("rate"),
        tier_rates=tuple(tier_rates),
        exclude_tenders=t.tender_kinds("exclude_tenders", ("points", "coins")),
        member_day=member_day,
    )
    t.done()
    return rule


def parse_program(data: dict[str, Any], file: str) -> p.Program:
    """Validate a parsed TOML document into a ``Program`` or raise ``ProgramFileError``."""
    root = _Table(file, "", data)
    meta = root.table("program", optional=False)
    assert meta is not None
    templates: dict[str, p.CouponTemplate] = {}
    coupons = root.table("coupons", optional=False)
    assert coupons is not None
    tpl_table = coupons.table("templates")
    if tpl_table is not None and len(tpl_table.data) > MAX_ITEMS:
        raise coupons.fail("templates", f"must have at most {MAX_ITEMS} templates")
    if tpl_table is not None:
        for key in tpl_table.data:
            sub = tpl_table.table(key, optional=False)
            assert sub is not None
            templates[key] = _template(sub, key)
        tpl_table.done()

    tiers_t = root.table("tiers", optional=False)
    assert tiers_t is not None
    tiers = _ladder(tiers_t, templates)
    group_t = root.table("group_tiers")
    group = _ladder(group_t, templates) if group_t is not None else None
    tier_ids = (
        {lv.id for lv in tiers.levels} | {lv.id for lv in group.levels}
        if group
        else {lv.id for lv in tiers.levels}
    )

    catalog = root.table("catalog") or _Table(file, "catalog", {})
    scales: list[p.ScaleBarcode] = []
    for st in catalog.tables("scale_barcodes"):
        scales += _scale_layouts(st)
    if not scales and "scale_barcodes" not in catalog.data:
        scales = list(ean13_scale_layouts())

    earn_rules = tuple(_earn(et, tier_ids) for et in root.tables("earn"))
    coins_t = root.table("coins") or _Table(file, "coins", {})
    points_t = root.table("points") or _Table(file, "points", {})
    sv_t = root.table("stored_value") or _Table(file, "stored_value", {})
    gifts_t = root.table("gifts") or _Table(file, "gifts", {})
    returns_t = root.table("returns") or _Table(file, "returns", {})
    offline_t = root.table("offline") or _Table(file, "offline", {})
    cash_t = root.table("cash") or _Table(file, "cash", {})
    discounts_t = root.table("discounts") or _Table(file, "discounts", {})
    member_t = root.table("membership") or _Table(file, "membership", {})
    rfm_t = root.table("rfm") or _Table(file, "rfm", {})
    hq_t = root.table("hq_grants") or _Table(file, "hq_grants", {})
    identify_t = root.table("identify") or _Table(file, "identify", {})

    recharge_gifts = []
    for gt in sv_t.tables("recharge_gifts"):
        recharge_gifts.append(
            p.RechargeGift(
                gt.money("at_least", positive=True),
                gt.integer("coins", 0),
                gt.money("gift_value", "0"),
            )
        )
        gt.done()
    claim_days = gifts_t._get("monthly_claim_days", list, [1, 5], "a list [first, last]")
    if (
        len(claim_days) != 2
        or not all(type(d) is int and 1 <= d <= 31 for d in claim_days)
        or claim_days[0] > claim_days[1]
    ):
        raise gifts_t.fail(
            "monthly_claim_days", f"must be [first, last] days 1-31, not {claim_days!r}"
        )

    prog = p.Program(
        id=meta.text("id"),
        name=meta.text("name"),
        coin_name=meta.text("coin_name", "币"),
        points_name=meta.text("points_name", "积分"),
        scale_barcodes=tuple(scales),
        member_price_policy=catalog.choice("member_price_policy", p.MemberPricePolicy, "better_of"),
        no_earn_categories=catalog.strs("no_earn_categories"),
        no_tier_categories=catalog.strs("no_tier_categories"),
        scale_member_price=catalog.flag("scale_member_price", True),
        tiers=tiers,
        group_tiers=group,
        stacking=coupons.choice("stacking", p.Stacking),
        coupon_validity_months=coupons.integer("validity_months", 1, minimum=1, maximum=MAX_MONTHS),
        coupon_templates=tuple(templates.values()),
        registration_gift=_gifts(gifts_t, "registration", templates),
        monthly_claim_days=(claim_days[0], claim_days[1]),
        birthday_gift=_gifts(gifts_t, "birthday", templates),
        birthday_discount_percent=gifts_t.integer(
            "birthday_discount_percent", 0, maximum=MAX_PERCENT
        ),
        earn=earn_rules,
        tier_spend_excludes=tiers_t.tender_kinds("spend_excludes_tenders", SPEND_EXCLUDES),
        coin_value=coins_t.money("value", "1.00", positive=True),
        coin_expiry=coins_t.choice("expiry", p.CoinExpiry, "never"),
        coin_expiry_months=coins_t.integer("expiry_months", 12, minimum=1, maximum=MAX_MONTHS),
        year_end_clear_percent=coins_t.integer("year_end_clear_percent", 0, maximum=MAX_PERCENT),
        points_redeem_per_yuan=points_t.integer("redeem_per_yuan", 0),
        points_expiry=points_t.choice("expiry", p.PointsExpiry, "never"),
        points_clawback=points_t.choice("clawback_shortfall", p.ClawbackShortfall, "floor_zero"),
        coins_clawback=coins_t.choice(
            "clawback_shortfall", p.ClawbackShortfall, "deduct_from_refund"
        ),
        stored_value=sv_t.flag("enabled", True),
        recharge_gifts=tuple(recharge_gifts),
        prepaid_card_values=tuple(_money_list(sv_t, "prepaid_card_values")),
        card_load_is_recharge=sv_t.flag("card_load_is_recharge", False),
        return_manager_above=returns_t.money("manager_above", "100.00"),
        offline_spend_limit=offline_t.money("spend_limit_per_day", "200.00"),
        cash_round_off=cash_t.choice("round_off", p.RoundOff, "none"),
        entry_min_first_purchase=member_t.money("entry_min_first_purchase", "0"),
        sleeping_after_days=member_t.integer(
            "sleeping_after_days", 90, minimum=1, maximum=MAX_DAYS
        ),
        show_member_status=member_t.flag("show_status", False),
        skipped_tier_gifts=tiers_t.flag("skipped_tier_gifts", False),
        app_code_max_age_s=identify_t.integer(
            "app_code_max_age_seconds", 120, minimum=1, maximum=86_400
        ),
        birthday_on_file_days=gifts_t.integer("birthday_on_file_days", 30, maximum=MAX_DAYS),
        cashier_discount_max_percent=discounts_t.integer(
            "cashier_max_percent", 0, maximum=MAX_PERCENT
        ),
        hq_grants=_hq_grants(hq_t),
        promotions=_promotions(root, tier_ids, earn_rules),
        rfm=p.RfmSettings(
            new_member_months=rfm_t.integer("new_member_months", 1, maximum=MAX_MONTHS),
            recent_days=rfm_t.integer("recent_days", 30, minimum=1, maximum=MAX_DAYS),
            frequency_high=rfm_t.integer("frequency_high", 0),
            monetary_high=rfm_t.money("monetary_high", "0"),
        ),
    )
    if prog.cashier_discount_max_percent > 100:
        raise discounts_t.fail("cashier_max_percent", "must be at most 100")
    if prog.year_end_clear_percent > 100:
        raise coins_t.fail("year_end_clear_percent", "must be at most 100")
    if prog.coin_expiry == "year_end_clear_percent" and prog.year_end_clear_percent == 0:
        raise coins_t.fail(
            "year_end_clear_percent", "must be set when expiry is year_end_clear_percent"
        )
    if prog.points_expiry != "never" and not any(r.currency == "points" for r in prog.earn):
        raise points_t.fail("expiry", "is set but no [[earn]] rule earns points")
    for t in (
        catalog,
        coins_t,
        points_t,
        sv_t,
        gifts_t,
        returns_t,
        offline_t,
        cash_t,
        discounts_t,
        member_t,
        rfm_t,
        hq_t,
        identify_t,
        coupons,
        tiers_t,
        *([group_t] if group_t is not None else []),
        meta,
    ):
        t.done()
    root.done()
    return prog


def _promotions(
    root: _Table, tier_ids: set[str], earn: tuple[p.EarnRule, ...]
) -> tuple[p.PromotionRule, ...]:
    from terminal.rules.promotion_loader import read_promotions  # it reads with _Table

    member_day = any(r.member_day is not None for r in earn)
    return read_promotions(root.tables("promotions"), tier_ids, member_day)


def _scale_layouts(st: _Table) -> list[p.ScaleBarcode]:
    """One ``[[catalog.scale_barcodes]]`` entry: a ``prefix``, or ``prefixes`` sharing one
    layout (``["20", ..., "29"]``)."""
    many = "prefixes" in st.data
    prefixes = st.strs("prefixes") if many else (st.text("prefix"),)
    if many and ("prefix" in st.data or not prefixes):
        raise st.fail("prefixes", "needs at least one prefix, and no `prefix` beside it")
    item_digits = st.integer("item_digits", minimum=1)
    value_digits = st.integer("value_digits", minimum=1)
    value = st.choice("value", p.ScaleValue)
    out = []
    for prefix in prefixes:
        key = "prefixes" if many else "prefix"
        if not (prefix.isascii() and prefix.isdigit()):
            raise st.fail(key, f"must be digits, not {prefix!r}")
        if len(prefix) + item_digits + value_digits + 1 not in (12, 13):
            raise st.fail(
                "value_digits",
                "prefix + item + value digits + check digit must make 12 (UPC-A) or 13 (EAN-13)",
            )
        out.append(p.ScaleBarcode(prefix, item_digits, value_digits, value))
    st.done()
    return out


def _hq_grants(t: _Table) -> p.HqGrants:
    bonuses = []
    for bt in t.tables("visit_bonuses"):
        bonuses.append(
            p.VisitBonus(
                bt.integer("visits_at_least", minimum=1, maximum=1000),
                bt.integer("coins", minimum=1),
            )
        )
        bt.done()
    profile: list[tuple[str, int]] = []
    pt = t.table("profile_grants")
    if pt is not None and len(pt.data) > MAX_ITEMS:
        raise t.fail("profile_grants", f"must have at most {MAX_ITEMS} grants")
    if pt is not None:
        for key in list(pt.data):
            profile.append((key, pt.integer(key, minimum=1)))
        pt.done()
    grants = p.HqGrants(
        monthly_spend_step=t.money("monthly_spend_step", "0"),
        monthly_spend_coins=t.integer("monthly_spend_coins", 0),
        visit_min_month_spend=t.money("visit_min_month_spend", "0"),
        visit_bonuses=tuple(sorted(bonuses, key=lambda b: b.visits_at_least)),
        visit_merge_hours=t.integer("visit_merge_hours", 24, maximum=24 * 31),
        profile_grants=tuple(profile),
        legacy_points_per_coin=t.integer("legacy_points_per_coin", 0),
    )
    if grants.monthly_spend_coins and not grants.monthly_spend_step:
        raise t.fail("monthly_spend_step", "must be set when monthly_spend_coins is")
    return grants


def _money_list(t: _Table, name: str) -> list[Money]:
    out = []
    items = t._get(name, list, [], "a list of amounts")
    if len(items) > MAX_ITEMS:
        raise t.fail(name, f"must have at most {MAX_ITEMS} entries, not {len(items)}")
    for i, text in enumerate(items):
        try:
            m = Money.parse(text) if isinstance(text, str) else None
        except InvalidInput:
            m = None
        if m is None or m.fen <= 0:
            raise t.fail(f"{name}[{i}]", f'must be a positive amount like "100.00", not {text!r}')
        out.append(m)
    return out


def load_program_file(path: Path) -> p.Program:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_FILE + 1)
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProgramFileError(path.name, "(file)", str(e)) from None
    return parse_program_text(text, path.name)


def parse_program_text(text: str, file: str) -> p.Program:
    """A program file's text, bounded before TOML reads it: its size, and how deeply its
    tables and arrays nest (tomllib recurses: a deep file would raise RecursionError)."""
    if len(text.encode("utf-8")) > MAX_FILE:
        raise ProgramFileError(file, "(file)", f"is larger than {MAX_FILE:,} bytes")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProgramFileError(file, "(syntax)", str(e)) from None
    except RecursionError:
        raise ProgramFileError(file, "(syntax)", f"nests deeper than {MAX_DEPTH} levels") from None
    if _depth(data) > MAX_DEPTH:
        raise ProgramFileError(file, "(syntax)", f"nests deeper than {MAX_DEPTH} levels")
    return parse_program(data, file)


def _depth(value: Any) -> int:
    """How deeply tables and arrays nest (iterative, stopping past the limit)."""
    deepest, stack = 0, [(value, 0)]
    while stack and deepest <= MAX_DEPTH:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d + 1)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


_CACHE: dict[str, p.Program] = {}


def load_program(program_id: str) -> p.Program:
    """One of the shipped programs, by id (``tomato``, ``mall``...)."""
    if program_id not in _CACHE:
        res = resources.files("terminal.rules").joinpath("programs", f"{program_id}.toml")
        if not res.is_file():
            raise InvalidInput(
                f"unknown program {program_id!r}", code="unknown_program", program=program_id
            )
        _CACHE[program_id] = parse_program_text(
            res.read_text(encoding="utf-8"), f"{program_id}.toml"
        )
    return _CACHE[program_id]
