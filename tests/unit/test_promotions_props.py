"""Properties of promotions (hypothesis), on small random baskets and rule sets:

1. Adding a promotion that targets the sale never raises its total (before coupons;
   with no coupon, the amount due).
2. Returning every line, in any number of steps, gives back exactly what was paid, each
   return between nothing and what the sale still held, each line exactly its net.
3. Stacking rules are honoured line by line (exclusive alone and without coupons, at
   most one choice per line, best_of from the regular price).
4. The engine's choice is optimal against brute force over every set of
   non-conflicting choices, and a single promotion's figure matches a naive
   unit-by-unit evaluation written independently here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from fractions import Fraction
from itertools import combinations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from terminal.money import Money, mul_div, round_half_up
from terminal.quantity import Qty
from terminal.rules import coupons as cp
from terminal.rules import pricing as pr
from terminal.rules import promotions as pm
from terminal.rules.catalog import Product, Unit
from terminal.rules.checkout import SaleRecord, settle_sale
from terminal.rules.program import Program
from terminal.rules.program_loader import load_program
from terminal.rules.returns import ReturnRecord, settle_return
from terminal.rules.tenders import TenderRequest, apply_tenders

MALL = load_program("mall")  # tier discounts and member prices, better of the two
NOW = datetime(2026, 3, 12, 10, 0)
CODES = ("P0", "P1", "P2", "P3")
CATEGORIES = ("fresh", "dairy")
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def baskets(draw: st.DrawFn) -> list[pr.SaleLine]:
    products = []
    for i, code in enumerate(CODES):
        price = draw(st.integers(1, 5000))
        member = draw(st.one_of(st.none(), st.integers(0, price)))
        unit: Unit = "kg" if draw(st.integers(0, 5)) == 0 else "piece"
        cat = CATEGORIES[i % 2]
        products.append(
            Product(code, code, cat, Money(price), None if member is None else Money(member), unit)
        )
    lines = []
    for no in range(1, draw(st.integers(1, 4)) + 1):
        p = draw(st.sampled_from(products))
        qty = Qty(draw(st.integers(1, 2500))) if p.weighed else Qty.of(draw(st.integers(1, 4)))
        lines.append(pr.SaleLine(no, p, qty))
    return lines


@st.composite
def rules(
    draw: st.DrawFn, n: tuple[int, int] = (0, 4), prefix: str = "r"
) -> list[pm.PromotionRule]:
    out = []
    for i in range(draw(st.integers(*n))):
        kind = draw(st.sampled_from(["percent", "fixed_price", "buy_x_get_y", "nth_item"]))
        target = draw(
            st.one_of(
                st.just(pm.PromoTarget()),
                st.lists(st.sampled_from(CODES), min_size=1, max_size=2, unique=True).map(
                    lambda c: pm.PromoTarget(products=tuple(c))
                ),
                st.sampled_from(CATEGORIES).map(lambda c: pm.PromoTarget(categories=(c,))),
            )
        )
        fields: dict[str, object] = {}
        if kind == "percent":
            fields["pay_percent"] = draw(st.integers(1, 99))
        elif kind == "fixed_price":
            fields["price"] = Money(draw(st.integers(0, 4000)))
        elif kind == "buy_x_get_y":
            fields.update(
                buy=draw(st.integers(1, 3)),
                get=draw(st.integers(1, 2)),
                pay_percent=draw(st.sampled_from([0, 50])),
            )
        else:
            fields.update(nth=draw(st.integers(2, 3)), pay_percent=draw(st.integers(0, 99)))
        if kind in pm.UNIT_KINDS:
            fields["per"] = draw(st.sampled_from(["product", "target"]))
        out.append(
            pm.PromotionRule(
                f"{prefix}{i}",
                f"促销{i}",
                kind,  # type: ignore[arg-type]
                draw(st.sampled_from(["stack", "best_of", "exclusive"])),
                priority=draw(st.integers(0, 3)),
                target=target,
                **fields,  # type: ignore[arg-type]
            )
        )
    return out


members = st.one_of(st.none(), st.sampled_from([lv.id for lv in MALL.tiers.levels]))


def price(
    lines: list[pr.SaleLine],
    rs: list[pm.PromotionRule],
    tier: str | None,
    coupons: tuple[cp.Coupon, ...] = (),
) -> pr.PricedSale:
    program = replace(MALL, promotions=tuple(rs))
    mp = pr.MemberPricing(tier) if tier is not None else None
    prices = pr.promote(
        pr.price_lines(lines, mp, program), program, pr.promo_context(program, NOW, mp)
    )
    choice = cp.apply(coupons, pr.coupon_lines(prices)) if coupons else cp.NO_COUPONS
    return pr.reduce(prices, choice)


def targets_sale(rule: pm.PromotionRule, lines: list[pr.SaleLine]) -> bool:
    return any(rule.target.takes_line(ln.product.code, ln.product.category) for ln in lines)


# ============================================================== 1. never raises the total


@PROPERTY
@given(baskets(), rules(), rules((1, 1), "q"), members)
def test_adding_a_promotion_that_targets_the_sale_never_raises_the_total(
    lines: list[pr.SaleLine],
    rs: list[pm.PromotionRule],
    extra: list[pm.PromotionRule],
    tier: str | None,
) -> None:
    assume(targets_sale(extra[0], lines))
    before = price(lines, rs, tier)
    after = price(lines, [*rs, *extra], tier)
    assert after.subtotal <= before.subtotal
    assert after.total_due <= before.total_due  # no coupons: the same figure
    assert all(pl.net.fen >= 0 for pl in after.lines)


# ============================================================== 2. returns give back what was paid


def sold(program: Program, sale: pr.PricedSale) -> SaleRecord:
    day = NOW.date()
    tendering = apply_tenders(
        sale.total_due, [TenderRequest("cash", sale.total_due)], program, None, day
    )
    return settle_sale(program, None, sale, tendering, day, "S1", lambda: "x").record


@PROPERTY
@given(baskets(), rules(), members, st.data())
def test_returning_every_line_gives_back_exactly_what_was_paid(
    lines: list[pr.SaleLine], rs: list[pm.PromotionRule], tier: str | None, data: st.DataObject
) -> None:
    program = replace(MALL, promotions=tuple(rs))
    coupon = cp.Coupon(
        "C", "满0减", Money(0), Money(data.draw(st.integers(1, 3000))), date(2027, 1, 1)
    )
    sale = price(lines, rs, tier)
    sale = price(
        lines, rs, tier, (coupon,) if sale.subtotal.fen and data.draw(st.booleans()) else ()
    )
    assume(sale.total_due.fen > 0)  # a sale of nothing is not paid
    rec = sold(program, sale)
    prior: list[ReturnRecord] = []
    left = {ln.line_no: ln.qty.milli for ln in rec.lines}
    for k in range(data.draw(st.integers(0, 3))):
        open_lines = [no for no, q in left.items() if q > 0]
        if not open_lines:
            break
        no = data.draw(st.sampled_from(open_lines))
        q = data.draw(st.integers(1, left[no])) if data.draw(st.booleans()) else left[no]
        if rec.line(no) is not None and not rec.line(no).weighed:  # type: ignore[union-attr]
            q = max(1000, q - q % 1000)
        held = rec.total_due.fen - sum(r.refund.fen for r in prior)
        got = settle_return(program, None, rec, prior, [(no, Qty(q))], NOW.date(), f"R{k}").record
        assert 0 <= got.refund.fen <= held
        prior.append(got)
        left[no] -= q
    if any(q > 0 for q in left.values()):
        last = settle_return(program, None, rec, prior, None, NOW.date(), "RL").record
        assert last.full
        prior.append(last)
    assert sum(r.refund.fen for r in prior) == rec.total_due.fen
    for ln in rec.lines:  # each line gave back exactly its net, adjustments included
        back = sum(rl.refund.fen for r in prior for rl in r.lines if rl.line_no == ln.line_no)
        assert back == ln.net.fen


# ============================================================== 3. stacking rules honoured


@PROPERTY
@given(baskets(), rules(), members, st.integers(1, 3000))
def test_stacking_rules_are_honoured_on_every_line(
    lines: list[pr.SaleLine], rs: list[pm.PromotionRule], tier: str | None, off: int
) -> None:
    by_id = {r.id: r for r in rs}
    coupon = cp.Coupon("C", "满0减", Money(0), Money(off), date(2027, 1, 1))
    bare = price(lines, [], tier)
    sale = price(lines, rs, tier, (coupon,))
    for plain, pl in zip(bare.lines, sale.lines, strict=True):
        lp = pl.price
        used = [by_id[t.id] for t in lp.promotions]
        # a stacking line offer shows only where it took something; a choice names
        # every line it governs, even at 0
        assert all(t.amount.fen > 0 or _is_choice(by_id[t.id]) for t in lp.promotions)
        choices = [r for r in used if not (r.stacking == "stack" and r.kind in pm.LINE_KINDS)]
        assert len(choices) <= 1  # a line takes at most one choice
        if any(r.stacking == "exclusive" for r in used):
            assert len(used) == 1 and lp.coupon_free and pl.coupon_share.fen == 0
            assert lp.member == lp.regular and lp.member_route == plain.price.member
        elif any(r.stacking == "best_of" for r in used):
            assert lp.member == lp.regular and not lp.coupon_free
            assert all(r.stacking in ("best_of", "stack") for r in used)
        else:  # stacking only: on top of the member route
            assert lp.member == plain.price.member and not lp.coupon_free
        if lp.line.price_override is not None:
            assert not used
    assert sale.subtotal <= bare.subtotal


# ============================================================== 4. optimal against brute force


def _is_choice(r: pm.PromotionRule) -> bool:
    return not (r.stacking == "stack" and r.kind in pm.LINE_KINDS)


@PROPERTY
@given(baskets(), rules((1, 5)), members)
def test_the_choice_is_optimal_against_brute_force(
    lines: list[pr.SaleLine], rs: list[pm.PromotionRule], tier: str | None
) -> None:
    stackers = [r for r in rs if not _is_choice(r)]
    choices = [r for r in rs if _is_choice(r) and targets_sale(r, lines)]

    def hits(r: pm.PromotionRule) -> set[int]:
        return {
            ln.line_no for ln in lines if r.target.takes_line(ln.product.code, ln.product.category)
        }

    best = price(lines, stackers, tier).subtotal.fen
    for k in range(1, len(choices) + 1):
        for subset in combinations(choices, k):
            sets = [hits(r) for r in subset]
            if any(a & b for a, b in combinations(sets, 2)):
                continue  # conflicting choices: not a possible outcome
            best = min(best, price(lines, [*stackers, *subset], tier).subtotal.fen)
    assert price(lines, rs, tier).subtotal.fen == best


def _naive_after(rule: pm.PromotionRule, lines: list[pr.SaleLine], base: list[int]) -> int:
    """One promotion over its target lines, unit by unit, straight from the README."""
    if rule.kind == "percent":
        return sum(mul_div(b, rule.pay_percent, 100) for b in base)
    if rule.kind == "fixed_price":
        return sum(
            min(b, mul_div(rule.price.fen, ln.qty.milli, 1000))
            for ln, b in zip(lines, base, strict=True)
        )
    groups: dict[str, list[tuple[Fraction, int]]] = {}
    total = sum(base)
    for i, (ln, b) in enumerate(zip(lines, base, strict=True)):
        if ln.product.weighed or b == 0:
            continue
        n = ln.qty.milli // 1000
        key = ln.product.code if rule.per == "product" else ""
        groups.setdefault(key, []).extend((Fraction(b, n), i) for _ in range(n))
    for units in groups.values():
        units.sort(key=lambda u: (-u[0], u[1]))
        if rule.kind == "nth_item":
            picked = [u for pos, u in enumerate(units) if (pos + 1) % rule.nth == 0]
        else:
            picked = [u for pos, u in enumerate(units) if pos % (rule.buy + rule.get) >= rule.buy]
        total -= round_half_up(
            sum((p * (100 - rule.pay_percent) / 100 for p, _ in picked), Fraction(0))
        )
    return total


@PROPERTY
@given(baskets(), rules((1, 1)), members)
def test_one_promotion_matches_a_naive_evaluation(
    lines: list[pr.SaleLine], rs: list[pm.PromotionRule], tier: str | None
) -> None:
    (rule,) = rs
    bare = price(lines, [], tier)
    mine = [
        i
        for i, ln in enumerate(lines)
        if rule.target.takes_line(ln.product.code, ln.product.category)
    ]
    route = [bare.lines[i].price.member.fen for i in mine]
    regular = [bare.lines[i].price.regular.fen for i in mine]
    subset = [lines[i] for i in mine]
    if rule.stacking == "stack":
        after = _naive_after(rule, subset, route)
    else:  # best_of / exclusive: from the regular price, only if it is lower
        after = min(sum(route), _naive_after(rule, subset, regular))
    others = sum(pl.price.member.fen for i, pl in enumerate(bare.lines) if i not in mine)
    assert price(lines, rs, tier).subtotal.fen == others + after
