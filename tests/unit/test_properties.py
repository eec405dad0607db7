"""Properties of the rules engine (hypothesis): money is never created or destroyed.

1. ``allocate`` splits to the fen, within caps, ties to the earlier line (§1.4, §7);
   ``pricing.reduce`` never makes a line negative; a coupon takes its face value off its
   own goods, never more, never less.
2. ``coupons.best`` is never beaten by another valid combination (brute force).
3. No tender combination creates or destroys money (§1.5, §1.7, §7).
4. A sale and its full return (in one go or in steps) leave every balance as it was (§1.9).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import combinations
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from terminal.errors import PosError, RuleViolation
from terminal.money import ZERO, Money
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import lifecycle as lc
from terminal.rules import member as m
from terminal.rules import pricing as pr
from terminal.rules import tenders as tn
from terminal.rules.allocation import allocate
from terminal.rules.barcodes import encode_scale
from terminal.rules.catalog import Product
from terminal.rules.checkout import SaleRecord
from terminal.rules.program import ScaleBarcode
from terminal.rules.program_loader import load_program
from terminal.rules.returns import ReturnRecord
from tests.unit.till import Till

TODAY = date(2026, 3, 12)  # a Thursday: no member-day multiplier
CATEGORIES = ("fresh", "dairy", "grocery")
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ============================================================================ 1. allocation


@st.composite
def allocations(draw: st.DrawFn) -> tuple[int, list[Fraction], list[int]]:
    n = draw(st.integers(1, 6))
    weights = draw(
        st.lists(
            st.one_of(
                st.just(Fraction(0)),
                st.integers(0, 10_000).map(Fraction),
                st.fractions(min_value=0, max_value=500, max_denominator=97),
            ),
            min_size=n,
            max_size=n,
        )
    )
    caps = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    total = draw(st.integers(0, sum(caps)))
    return total, weights, caps


@PROPERTY
@given(allocations())
def test_allocate_sums_exactly_and_respects_caps(case: tuple[int, list[Fraction], list[int]]):
    total, weights, caps = case
    shares = allocate(total, weights, caps)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(0 <= s <= c for s, c in zip(shares, caps, strict=True))
    # A reduction capped at the line's net never makes the line negative.
    assert all(c - s >= 0 for s, c in zip(shares, caps, strict=True))


@PROPERTY
@given(allocations())
def test_allocate_gives_zero_weight_lines_nothing_while_others_have_room(
    case: tuple[int, list[Fraction], list[int]],
):
    total, weights, caps = case
    room = sum(c for w, c in zip(weights, caps, strict=True) if w > 0)
    assume(room >= total)
    shares = allocate(total, weights, caps)
    assert all(s == 0 for s, w in zip(shares, weights, strict=True) if w == 0)


@PROPERTY
@given(
    st.integers(0, 100_000),
    st.lists(st.integers(0, 1_000), min_size=1, max_size=8).filter(lambda ws: sum(ws) > 0),
)
def test_allocate_without_caps_is_largest_remainder(total: int, weights: list[int]):
    shares = allocate(total, weights)
    assert sum(shares) == total
    exact = [Fraction(total * w, sum(weights)) for w in weights]
    # Each share is its quota rounded down or up ...
    for s, e in zip(shares, exact, strict=True):
        assert e - 1 < s < e + 1
    # ... the fen go to the largest remainders, equal remainders to the earlier line.
    ups = [i for i, (s, e) in enumerate(zip(shares, exact, strict=True)) if s > e]
    downs = [i for i, (s, e) in enumerate(zip(shares, exact, strict=True)) if s < e]
    for i in ups:
        for j in downs:
            ri, rj = exact[i] - int(exact[i]), exact[j] - int(exact[j])
            assert ri > rj or (ri == rj and i < j)


@PROPERTY
@given(st.integers(0, 10_000), st.integers(1, 8), st.integers(1, 50))
def test_allocate_equal_weights_favour_earlier_lines(total: int, n: int, w: int):
    shares = allocate(total, [w] * n)
    assert shares == sorted(shares, reverse=True)
    assert max(shares) - min(shares) <= 1


def test_allocate_ties_go_to_the_earlier_line():
    assert allocate(1, [1, 1]) == [1, 0]
    assert allocate(2, [1, 1, 1]) == [1, 1, 0]
    assert allocate(1, [0, 1, 1]) == [0, 1, 0]
    assert allocate(5, [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)]) == [2, 2, 1]
    # A capped line takes its cap, the rest goes to the others.
    assert allocate(10, [1, 1], [3, 100]) == [3, 7]
    assert allocate(10, [0, 1], [10, 4]) == [6, 4]


def test_allocate_refuses_more_than_the_lines_are_worth():
    with pytest.raises(RuleViolation):
        allocate(11, [1, 1], [5, 5])


# ------------------------------------------------------------------ pricing.reduce


def _products() -> list[Product]:
    return [
        Product("F1", "番茄", "fresh", Money(1290), member_price=Money(990)),
        Product("F2", "黄瓜", "fresh", Money(880), unit="kg"),
        Product("D1", "牛奶", "dairy", Money(2350)),
        Product("G1", "大米", "grocery", Money(5990), member_price=Money(5490)),
        Product("S1", "运费", "shipping", Money(600)),
        Product("K1", "套餐", "package", Money(19900)),
        Product("F3", "散装草莓", "fresh", Money(3990), Money(3590), unit="kg", plu=123),
    ]


PRODUCTS = _products()
SCALE = ScaleBarcode("21", 5, 5, "price")  # EAN-13: every program reads it
PROGRAMS = {pid: load_program(pid) for pid in ("tomato", "mall", "points", "organic", "basic")}


@st.composite
def coupon_sets(draw: st.DrawFn, max_size: int = 8, today: date = TODAY) -> list[cp.Coupon]:
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        cats = draw(
            st.one_of(
                st.just(()),
                st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2, unique=True).map(
                    lambda c: tuple(sorted(c))
                ),
            )
        )
        threshold = draw(st.sampled_from([0, 1000, 3000, 5000])) + draw(
            st.sampled_from([0, 0, 0, 1, 500])
        )
        off = draw(st.sampled_from([100, 200, 500, 1000, 2000, 3000])) + draw(
            st.sampled_from([0, 0, 1])
        )
        out.append(
            cp.Coupon(
                f"C{i}",
                f"满{threshold}减{off}",
                Money(threshold),
                Money(off),
                today + timedelta(days=draw(st.integers(-2, 20))),
                today - timedelta(days=draw(st.integers(0, 20))),
                cats,
                draw(st.sampled_from(["unused"] * 5 + ["used"])),
            )
        )
    return out


coupon_lines = st.lists(
    st.tuples(st.sampled_from(CATEGORIES), st.integers(0, 8000)), min_size=1, max_size=5
)


@st.composite
def priced_lines(draw: st.DrawFn) -> tuple[str, list[pr.LinePrice]]:
    program = PROGRAMS[draw(st.sampled_from(sorted(PROGRAMS)))]
    lines = []
    for i in range(draw(st.integers(1, 5))):
        p = draw(st.sampled_from(PRODUCTS))
        qty = Qty(draw(st.integers(1, 3000))) if p.weighed else Qty.of(draw(st.integers(1, 4)))
        label = Money(draw(st.integers(1, 5000))) if draw(st.integers(0, 5)) == 0 else None
        lines.append(pr.SaleLine(i + 1, p, qty, label))
    tiers = [None, *(lv.id for lv in program.tiers.levels)]
    member = draw(
        st.one_of(
            st.none(),
            st.builds(pr.MemberPricing, st.sampled_from(tiers), st.just(False), st.booleans()),
        )
    )
    return program.id, list(pr.price_lines(lines, member, program))


@PROPERTY
@given(priced_lines(), coupon_sets(), st.data())
def test_reduce_never_makes_a_line_negative(
    case: tuple[str, list[pr.LinePrice]], coupons: list[cp.Coupon], data: st.DataObject
):
    pid, prices = case
    lines = pr.coupon_lines(prices)
    if data.draw(st.booleans()):
        choice = cp.best(coupons, lines, PROGRAMS[pid].stacking, TODAY)
    else:  # any selection at all, even one the program would refuse
        choice = cp.apply(data.draw(st.permutations(coupons)), lines)
    sale_discount = Money(data.draw(st.integers(0, 30_000)))
    priced = pr.reduce(prices, choice, sale_discount)
    assert all(pl.net >= ZERO for pl in priced.lines)
    assert all(pl.coupon_share >= ZERO and pl.discount_share >= ZERO for pl in priced.lines)
    assert sum(pl.coupon_share.fen for pl in priced.lines) == choice.discount.fen
    assert sum(pl.discount_share.fen for pl in priced.lines) == priced.sale_discount.fen
    assert priced.sale_discount <= sale_discount
    assert priced.total_due == priced.subtotal - choice.discount - priced.sale_discount


def _union(cs: Sequence[cp.Coupon], lines: Sequence[tuple[str, int]]) -> list[int]:
    return [i for i, (cat, _) in enumerate(lines) if any(c.applies_to(cat) for c in cs)]


@PROPERTY
@given(coupon_lines, coupon_sets(), st.sampled_from(["consume_threshold", "each_on_subtotal"]))
def test_a_coupon_takes_off_only_its_own_goods(
    lines: list[tuple[str, int]], coupons: list[cp.Coupon], stacking: Any
):
    """§1.4/§7: a coupon that names categories takes its discount off those lines only.
    So the coupons and the lines' shares must admit an assignment coupon -> own lines:
    for every group of chosen coupons, what they take off fits in their lines' shares."""
    choice = cp.best(coupons, lines, stacking, TODAY)
    shares = cp.allocate_to_lines(choice, lines)
    chosen = list(zip(choice.coupons, choice.amounts, strict=True))
    for r in range(1, len(chosen) + 1):
        for group in combinations(chosen, r):
            cs = [c for c, _ in group]
            took = sum(a.fen for _, a in group)
            own = _union(cs, lines)
            assert took <= sum(lines[i][1] for i in own), (group, lines)
            assert took <= sum(shares[i] for i in own), (group, lines, shares)


def test_a_coupon_takes_off_only_its_own_goods_example():
    """The property above on a plain case (each_on_subtotal, as in program ``mall``): two
    fresh coupons "0.01 off 20" on 30 yuan of fresh goods take at most 30 off them, and
    never spill onto the dairy line."""
    fresh = [
        cp.Coupon(f"F{i}", "满0.01减20", Money(1), Money(2000), TODAY, TODAY, ("fresh",))
        for i in range(2)
    ]
    dairy = cp.Coupon("D", "满0.01减0.01", Money(1), Money(1), TODAY, TODAY, ("dairy",))
    lines = [("fresh", 3000), ("dairy", 3000)]
    choice = cp.best([*fresh, dairy], lines, "each_on_subtotal", TODAY)
    on_fresh = sum(a.fen for c, a in zip(choice.coupons, choice.amounts, strict=True) if c in fresh)
    assert on_fresh <= 3000
    assert cp.allocate_to_lines(choice, lines)[1] <= 1


def _most_the_goods_can_bear(cs: Sequence[cp.Coupon], lines: Sequence[tuple[str, int]]) -> int:
    """The largest summed discount with each coupon at most its face value and on its own
    goods only: a max flow coupons -> lines, by min cut over the coupon subsets."""
    best = sum(c.off.fen for c in cs)
    for r in range(1, len(cs) + 1):
        for inside in combinations(range(len(cs)), r):
            own = _union([cs[i] for i in inside], lines)
            rest = sum(c.off.fen for i, c in enumerate(cs) if i not in inside)
            best = min(best, rest + sum(lines[i][1] for i in own))
    return best


tight_lines = st.lists(  # goods worth about what the coupons take off
    st.tuples(st.sampled_from(CATEGORIES), st.sampled_from([0, 1, 100, 1000, 2000, 3000])),
    min_size=1,
    max_size=4,
)


@PROPERTY
@given(st.one_of(tight_lines, coupon_lines), coupon_sets(max_size=6))
def test_coupons_take_their_face_value_where_their_goods_can_bear_it(
    lines: list[tuple[str, int]], coupons: list[cp.Coupon]
):
    """§1.4: "X off Y" takes Y off (its threshold met). So the coupons of a sale together
    take the most their face values and their own goods allow, whatever the overlap of
    their categories; never more (no spill onto other goods), never less."""
    assert cp.apply(coupons, lines).discount.fen == _most_the_goods_can_bear(coupons, lines)


def test_overlapping_category_coupons_keep_their_face_value():
    """Minimal case of the property above: "10 off" on dairy+fresh and "20 off" on
    fresh+grocery, 10 yuan of each. The first can take its 10 from dairy and the second
    its 20 from fresh and grocery: 30 off, every coupon on its own goods."""
    both = [
        cp.Coupon("K1", "减10", Money(0), Money(1000), TODAY, TODAY, ("dairy", "fresh")),
        cp.Coupon("K2", "减20", Money(0), Money(2000), TODAY, TODAY, ("fresh", "grocery")),
    ]
    lines = [("fresh", 1000), ("dairy", 1000), ("grocery", 1000)]
    assert cp.apply(both, lines).discount == Money(3000)
    assert cp.best(both, lines, "each_on_subtotal", TODAY).discount == Money(3000)


# ============================================================================ 2. best coupons


def _tie_key(cs: Sequence[cp.Coupon]) -> tuple[object, ...]:
    """§7: earliest expiries first, then fewer coupons, then the oldest grant, then id."""
    return (
        tuple(sorted(c.valid_through for c in cs)),
        len(cs),
        tuple(sorted(c.granted or date.min for c in cs)),
        tuple(sorted(c.id for c in cs)),
    )


def _brute_force(
    coupons: list[cp.Coupon], lines: list[tuple[str, int]], stacking: Any
) -> tuple[int, list[tuple[cp.Coupon, ...]]]:
    best_value, best_sets = 0, [()]
    for r in range(1, len(coupons) + 1):
        for subset in combinations(coupons, r):
            try:
                cp.validate(subset, lines, stacking, TODAY)
            except RuleViolation:
                continue
            value = cp.apply(subset, lines).discount.fen
            if value > best_value:
                best_value, best_sets = value, [subset]
            elif value == best_value:
                best_sets.append(subset)
    return best_value, best_sets


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    coupon_lines,
    coupon_sets(),
    st.sampled_from(["consume_threshold", "each_on_subtotal", "one_per_sale"]),
)
def test_best_is_never_beaten_by_another_valid_combination(
    lines: list[tuple[str, int]], coupons: list[cp.Coupon], stacking: Any
):
    choice = cp.best(coupons, lines, stacking, TODAY)
    cp.validate(choice.coupons, lines, stacking, TODAY)  # the pick itself is allowed
    value, ties = _brute_force(coupons, lines, stacking)
    assert choice.discount.fen == value
    assert cp.apply(choice.coupons, lines).discount == choice.discount
    # Among the combinations worth as much, none is better by the tie rule.
    assert _tie_key(choice.coupons) == min(_tie_key(s) for s in ties)


def _coupon(cid: str, through: date, granted: date = TODAY, **kw: Any) -> cp.Coupon:
    return cp.Coupon(cid, "满30减5", Money(3000), Money(500), through, granted, **kw)


@pytest.mark.parametrize("stacking", ["consume_threshold", "each_on_subtotal", "one_per_sale"])
def test_best_prefers_the_earlier_expiring_of_identical_coupons(stacking: Any):
    late = _coupon("A", TODAY + timedelta(days=20))
    early = _coupon("B", TODAY + timedelta(days=3))
    lines = [("fresh", 3500)]
    choice = cp.best([late, early], lines, stacking, TODAY)
    if stacking == "each_on_subtotal":
        assert {c.id for c in choice.coupons} == {"A", "B"}
    else:
        assert [c.id for c in choice.coupons] == ["B"]


def test_best_consume_threshold_rule_book_example():
    """§1.4: 65 yuan with three "30 off 5" -> two apply, 10 yuan off, earliest first."""
    cs = [_coupon(f"C{i}", TODAY + timedelta(days=10 - i)) for i in range(3)]
    choice = cp.best(cs, [("fresh", 6500)], "consume_threshold", TODAY)
    assert choice.discount == Money(1000)
    assert sorted(c.id for c in choice.coupons) == ["C1", "C2"]


def test_best_ties_then_fewer_then_oldest_grant_then_id():
    through = TODAY + timedelta(days=5)
    old = _coupon("Z", through, TODAY - timedelta(days=9))
    new = _coupon("A", through, TODAY - timedelta(days=1))
    assert [c.id for c in cp.best([new, old], [("x", 3000)], "one_per_sale", TODAY).coupons] == [
        "Z"
    ]
    same = [_coupon("B", through), _coupon("A", through)]
    assert [c.id for c in cp.best(same, [("x", 3000)], "one_per_sale", TODAY).coupons] == ["A"]
    # 60 yuan, consume_threshold: "30 off 10" with either "30 off 5"; the id decides.
    big = cp.Coupon("G", "满30减10", Money(3000), Money(1000), through, TODAY)
    small = [_coupon("S2", through), _coupon("S1", through)]
    choice = cp.best([*small, big], [("x", 6000)], "consume_threshold", TODAY)
    assert choice.discount == Money(1500)
    assert sorted(c.id for c in choice.coupons) == ["G", "S1"]


def test_best_with_nothing_that_fits_is_not_an_error():
    c = _coupon("A", TODAY + timedelta(days=5))
    assert cp.best([c], [("fresh", 2999)], "consume_threshold", TODAY).coupons == ()


# ============================================================================ 3. tenders


@st.composite
def members(draw: st.DrawFn, program_id: str) -> m.MemberState:
    program = PROGRAMS[program_id]
    lots = tuple(
        (draw(st.integers(0, 60)), TODAY - timedelta(days=draw(st.integers(0, 360))))
        for _ in range(draw(st.integers(0, 3)))
    )
    o = lc.Opening(
        "M1",
        coin_lots=lots,
        points=draw(st.integers(0, 20_000)),
        principal=Money(draw(st.sampled_from([0, 1, 333, 5000, 20_000]))),
        gift=Money(draw(st.sampled_from([0, 1, 167, 1000, 7000]))),
    )
    return m.fold(lc.opening_entries(program, o, TODAY))


@st.composite
def tender_requests(draw: st.DrawFn, due: int) -> list[tn.TenderRequest]:
    out = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["cash", "card", "mobile", "stored_value", "coins", "points"]))
        if kind == "coins":
            out.append(tn.TenderRequest("coins", coins=draw(st.integers(-1, due // 100 + 2))))
        elif kind == "points":
            out.append(tn.TenderRequest("points", points=draw(st.integers(-1, due + 200))))
        else:
            amount = draw(st.one_of(st.integers(-1, due + 500), st.sampled_from([due, due // 2])))
            out.append(tn.TenderRequest(kind, Money(amount)))
    return out


def _expected_sv_split(amount: int, principal: int, gift: int) -> int:
    """§1.7: principal share pro rata to the balances, to the fen, principal first on ties."""
    return int(Fraction(amount * principal, principal + gift) + Fraction(1, 2))


def _check_tendering(
    due: int,
    requests: Sequence[tn.TenderRequest],
    program_id: str,
    member: m.MemberState,
    result: tn.Tendering,
) -> None:
    program = PROGRAMS[program_id]
    ts = result.tenders
    assert len(ts) == len(requests)
    assert sum(t.amount.fen for t in ts) == due
    cash_in = sum(r.amount.fen for r in requests if r.kind == "cash" and r.amount)
    cash_applied = sum(t.amount.fen for t in ts if t.kind == "cash")
    assert result.change.fen == cash_in - cash_applied >= 0
    still, principal, gift = due, member.principal.fen, member.gift.fen
    for r, t in zip(requests, ts, strict=True):
        assert t.kind == r.kind and t.amount.fen >= 0
        if t.kind != "cash":
            assert t.amount == t.tendered and t.amount.fen <= still  # only cash gives change
        if t.kind == "coins":
            assert t.coins == r.coins and t.amount.fen == t.coins * program.coin_value.fen
            assert sum(n for _, n in t.lots) == t.coins and all(n > 0 for _, n in t.lots)
        if t.kind == "stored_value":
            assert t.principal + t.gift == t.amount
            assert t.principal.fen == _expected_sv_split(t.amount.fen, principal, gift)
            assert 0 <= t.principal.fen <= principal and 0 <= t.gift.fen <= gift
            principal, gift = principal - t.principal.fen, gift - t.gift.fen
        still -= t.amount.fen
    after = m.fold(result.entries, member)
    spent_coins = sum(t.coins for t in ts)
    spent_points = sum(t.points for t in ts)
    sv = [t for t in ts if t.kind == "stored_value"]
    assert after.coins_on(TODAY) == member.coins_on(TODAY) - spent_coins
    assert all(lot.coins >= 0 for lot in after.coin_lots)
    assert after.points == member.points - spent_points
    assert member.principal - after.principal == Money(sum(t.principal.fen for t in sv))
    assert member.gift - after.gift == Money(sum(t.gift.fen for t in sv))
    assert member.stored_value - after.stored_value == Money(sum(t.amount.fen for t in sv))
    assert after.principal >= ZERO and after.gift >= ZERO


@PROPERTY
@given(st.sampled_from(["tomato", "mall", "organic"]), st.integers(0, 30_000), st.data())
def test_tenders_neither_create_nor_destroy_money(program_id: str, due: int, data: st.DataObject):
    member = data.draw(members(program_id))
    requests = data.draw(tender_requests(due))
    try:
        result = tn.apply_tenders(Money(due), requests, PROGRAMS[program_id], member, TODAY)
    except PosError as e:
        event(f"refused: {e.code}")
        return
    event("accepted")
    _check_tendering(due, requests, program_id, member, result)


@st.composite
def paying(
    draw: st.DrawFn, due: int, program_id: str, member: m.MemberState, day: date = TODAY
) -> list[tn.TenderRequest]:
    """Tenders that together pay ``due`` exactly (cash last, possibly with change)."""
    program = PROGRAMS[program_id]
    left, out = due, []
    unit = program.coin_value.fen
    coins = draw(st.integers(0, min(member.coins_on(day), left // unit)))
    if coins:
        out.append(tn.TenderRequest("coins", coins=coins))
        left -= coins * unit
    if program.points_pay:
        per_fen = Fraction(program.points_redeem_per_yuan, 100)
        fen = draw(st.integers(0, min(int(member.points / per_fen), left)))
        pts = fen * per_fen
        if fen and pts.denominator == 1:
            out.append(tn.TenderRequest("points", points=int(pts)))
            left -= fen
    if program.stored_value and member.stored_value.fen:
        amount = draw(st.integers(0, min(member.stored_value.fen, left)))
        if amount:
            out.append(tn.TenderRequest("stored_value", Money(amount)))
            left -= amount
    for kind in ("card", "mobile"):
        amount = draw(st.integers(0, left))
        if amount:
            out.append(tn.TenderRequest(kind, Money(amount)))
            left -= amount
    out = draw(st.permutations(out))
    extra = draw(st.sampled_from([0, 0, 1, 37, 10_000]))
    if left + extra or not out:
        out.append(tn.TenderRequest("cash", Money(max(left + extra, 1))))
    return list(out)


@PROPERTY
@given(st.sampled_from(["tomato", "mall", "organic", "basic"]), st.integers(0, 30_000), st.data())
def test_tenders_that_cover_the_sale_are_taken_whole(
    program_id: str, due: int, data: st.DataObject
):
    member = data.draw(members(program_id))
    requests = data.draw(paying(due, program_id, member))
    result = tn.apply_tenders(Money(due), requests, PROGRAMS[program_id], member, TODAY)
    _check_tendering(due, requests, program_id, member, result)


def test_a_non_cash_tender_over_what_is_due_is_refused():
    member = m.fold(
        lc.opening_entries(PROGRAMS["tomato"], lc.Opening("M1", principal=Money(9999)), TODAY)
    )
    for req in (
        tn.TenderRequest("card", Money(1001)),
        tn.TenderRequest("stored_value", Money(1001)),
    ):
        with pytest.raises(PosError):
            tn.apply_tenders(Money(1000), [req], PROGRAMS["tomato"], member, TODAY)


# ============================================================================ 4. returns


@dataclass
class SaleCase:
    program_id: str
    day: date
    opening: dict[str, Any]
    basket: list[tuple[str, str | None]]
    tenders: list[tn.TenderRequest]


@st.composite
def openings(draw: st.DrawFn, program_id: str) -> dict[str, Any]:
    program = PROGRAMS[program_id]
    kw: dict[str, Any] = {
        "code": "M1",
        "phone": "13800138000",
        "registered": TODAY - timedelta(days=draw(st.integers(0, 900))),
        "coupons": tuple(draw(coupon_sets(max_size=4, today=TODAY))),
    }
    if draw(st.integers(0, 4)) == 0:
        kw["birthday"] = date(1990, TODAY.month, TODAY.day)
    near = st.integers(-3000, 300)
    if program_id == "tomato":
        kw["growth_points"] = max(
            0, draw(st.sampled_from([1000, 4000, 3000])) + draw(st.integers(-80, 20))
        )
        kw["tier_valid_through"] = TODAY + timedelta(days=draw(st.integers(0, 300)))
    if program_id in ("mall", "basic"):
        kw["spend_12m"] = Money(
            max(0, draw(st.sampled_from([100_000, 200_000, 500_000])) + draw(near) * 10)
        )
    if program_id in ("mall", "basic", "points"):
        kw["points"] = draw(st.one_of(st.integers(0, 3000), st.integers(1_950, 2_000)))
    if program_id == "points":
        kw["points"] = draw(st.sampled_from([0, 500, 9_990, 9_900, 60_000]))
    if program_id == "organic":
        kw["group"] = draw(st.booleans())
        kw["cumulative_spend"] = Money(
            max(0, draw(st.sampled_from([100_000, 200_000])) + draw(near) * 10)
        )
        kw["cumulative_recharge"] = Money(draw(st.sampled_from([0, 499_000, 500_000])))
    if program.coin_value.fen and program_id in ("tomato", "organic"):
        kw["coin_lots"] = tuple(
            (draw(st.integers(1, 60)), TODAY - timedelta(days=draw(st.integers(0, 360))))
            for _ in range(draw(st.integers(0, 3)))
        )
    if program.stored_value:
        kw["principal"] = Money(draw(st.sampled_from([0, 1, 333, 5000, 20_000])))
        kw["gift"] = Money(draw(st.sampled_from([0, 1, 167, 1000])))
    return kw


baskets = st.lists(
    st.one_of(
        st.tuples(
            st.sampled_from(["F1", "D1", "G1", "S1", "K1"]), st.sampled_from([None, "1", "2", "3"])
        ),
        st.tuples(st.just("F2"), st.integers(1, 4000).map(lambda g: Qty(g).plain())),
        st.tuples(  # a price-embedded label from the scale: its own line, by amount
            st.integers(1, 20_000).map(lambda fen: encode_scale(SCALE, 123, fen)), st.none()
        ),
    ),
    min_size=1,
    max_size=5,
)


def _open(case: SaleCase) -> Till:
    """A till with the member opened and brought to a consistent tier (as HQ would)."""
    till = Till.of(case.program_id, _products(), case.day)
    till.open_member(**case.opening)
    moves, _ = lc.retier(till.member("M1"), till.program, case.day, "opening", till.new_id)
    till._append("M1", moves)
    return till


def _snapshot(st_: m.MemberState, day: date) -> dict[str, object]:
    return {
        "growth_points": st_.growth_points,
        "points": st_.points,
        "coins": st_.coins_on(day),
        "lots": {lot.id: lot.coins for lot in st_.coin_lots if lot.coins},
        "principal": st_.principal,
        "gift": st_.gift,
        "spend_12m": st_.spend_12m,
        "cumulative_spend": st_.cumulative_spend,
        "cumulative_recharge": st_.cumulative_recharge,
        "tier": (st_.tier, st_.tier_valid_through),
        "unused_coupons": sorted(c.id for c in st_.coupons if c.usable_on(day)),
        "debts": (st_.coin_debt, st_.sv_debt),
    }


@st.composite
def sales(draw: st.DrawFn) -> SaleCase:
    program_id = draw(st.sampled_from(["tomato", "mall", "organic", "basic", "points"]))
    day = TODAY + timedelta(days=draw(st.integers(0, 6)))  # member day (Tuesday) included
    case = SaleCase(program_id, day, draw(openings(program_id)), draw(baskets), [])
    till = _open(case)
    due = till.price(case.basket, "M1").total_due.fen
    case.tenders = draw(paying(due, program_id, till.member("M1"), day))
    return case


def _sell(case: SaleCase) -> tuple[Till, SaleRecord, dict[str, object]]:
    till = _open(case)
    before = _snapshot(till.member("M1"), case.day)
    sale = till.sell(case.basket, case.tenders, member="M1")
    return till, sale, before


def _check_full_refund(sale: SaleRecord, refunds: Sequence[ReturnRecord]) -> None:
    event(f"{len(refunds)} return(s)")
    for kind in sorted({t.kind for t in sale.tenders}):
        event(f"paid by {kind}")
    if sale.coupons:
        event("coupons used")
    if sale.upgrade is not None:
        event("the sale upgraded the member")
    if sale.earned.coins:
        event("the sale earned coins")
    assert refunds[-1].full
    assert sum(r.refund.fen for r in refunds) == sale.total_due.fen
    assert sum(tr.amount.fen for r in refunds for tr in r.refunds) == sale.total_due.fen
    assert sum(tr.paid_out.fen for r in refunds for tr in r.refunds) == sale.total_due.fen
    for i, t in enumerate(sale.tenders):  # a full return gives every tender back exactly
        back = [tr for r in refunds for tr in r.refunds if tr.tender == i]
        assert sum(tr.amount.fen for tr in back) == t.amount.fen
        assert sum(tr.coins for tr in back) == t.coins
        assert sum(tr.points for tr in back) == t.points
        assert sum(tr.principal.fen for tr in back) == t.principal.fen
        assert sum(tr.gift.fen for tr in back) == t.gift.fen


@PROPERTY
@given(sales())
def test_a_full_return_leaves_every_balance_as_before(case: SaleCase):
    till, sale, before = _sell(case)
    ret = till.refund(sale)
    _check_full_refund(sale, [ret])
    assert _snapshot(till.member("M1"), case.day) == before


@st.composite
def return_steps(draw: st.DrawFn, sale: SaleRecord) -> list[list[tuple[int, str]]]:
    """Lines and quantities split over a few returns that together take everything back."""
    k = draw(st.integers(2, 4))
    steps: list[list[tuple[int, str]]] = [[] for _ in range(k)]
    for ln in sale.lines:
        unit = 1 if ln.weighed else 1000
        parts = ln.qty.milli // unit
        cuts = sorted(draw(st.lists(st.integers(0, parts), min_size=k - 1, max_size=k - 1)))
        for j, (a, b) in enumerate(zip([0, *cuts], [*cuts, parts], strict=True)):
            if b > a:
                steps[j].append((ln.line_no, Qty((b - a) * unit).plain()))
    steps = [s for s in steps if s]
    if len(steps) == 1 and len(steps[0]) > 1:  # at least two returns where possible
        steps = [steps[0][:1], steps[0][1:]]
    elif len(steps) == 1:
        [(line_no, qty)] = steps[0]
        ln = sale.line(line_no)
        assert ln is not None
        unit = 1 if ln.weighed else 1000
        parts = Qty.parse(qty).milli // unit
        if parts > 1:
            cut = draw(st.integers(1, parts - 1))
            steps = [
                [(line_no, Qty(cut * unit).plain())],
                [(line_no, Qty((parts - cut) * unit).plain())],
            ]
    return [draw(st.permutations(s)) for s in steps]


@PROPERTY
@given(sales(), st.data())
def test_returns_in_steps_end_like_one_full_return(case: SaleCase, data: st.DataObject):
    whole, sale, before = _sell(case)
    whole.refund(sale)
    steps_till, sale2, _ = _sell(case)
    assert sale2 == sale
    steps = data.draw(return_steps(sale2))
    rets = [steps_till.refund(sale2, list(step)) for step in steps]
    assert [r.full for r in rets] == [False] * (len(rets) - 1) + [True]
    _check_full_refund(sale2, rets)
    after_steps = _snapshot(steps_till.member("M1"), case.day)
    assert after_steps == _snapshot(whole.member("M1"), case.day)
    assert after_steps == before
