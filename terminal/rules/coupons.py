"""Threshold coupons (满X减Y): validity, stacking rules, and the best combination."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import combinations, pairwise
from math import lcm
from typing import Literal

from terminal.errors import RuleViolation
from terminal.money import Money
from terminal.rules.allocation import allocate
from terminal.rules.program import Stacking

CouponState = Literal["unused", "used", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class Coupon:
    id: str
    name: str
    threshold: Money
    off: Money
    valid_through: date
    granted: date | None = None
    categories: tuple[str, ...] = ()
    state: CouponState = "unused"
    origin: str = ""  # "registration", "upgrade:<sale>", "monthly:2026-10", "opening"...

    def usable_on(self, today: date) -> bool:
        return self.state == "unused" and today <= self.valid_through

    def applies_to(self, category: str) -> bool:
        return not self.categories or category in self.categories

    def tie_key(self) -> tuple[date, date, str]:
        return (self.valid_through, self.granted or date.min, self.id)


@dataclass(frozen=True, slots=True)
class Why:
    """The reason for a choice as a code and its figures (money in plain form), for the
    screen to say in the cashier's language (ui/refusals.py ``coupon_text``)."""

    code: str = ""  # "" nothing to say, "none", "chosen" (by the cashier), "best"
    params: tuple[tuple[str, str | int], ...] = ()


NO_WHY = Why()


@dataclass(frozen=True, slots=True)
class Choice:
    """Coupons applied to a sale, what each took off, and why (for the cashier)."""

    coupons: tuple[Coupon, ...]
    amounts: tuple[Money, ...]  # per coupon, same order
    reason: str  # in Chinese, for logs and tests; the screen shows ``why``
    why: Why = NO_WHY

    @property
    def discount(self) -> Money:
        return Money(sum(a.fen for a in self.amounts))


NO_COUPONS = Choice((), (), "")
Lines = Sequence[tuple[str, int]]  # (category, net fen after member prices and tier discounts)
Spend = dict[str, int]  # category -> subtotal: all the coupon rules look at


def spend_by_category(lines: Lines) -> Spend:
    out: Spend = {}
    for cat, net in lines:
        out[cat] = out.get(cat, 0) + net
    return out


def _eligible(c: Coupon, spend: Spend) -> int:
    if not c.categories:
        return sum(spend.values())
    return sum(net for cat, net in spend.items() if cat in c.categories)


def _union(cs: Iterable[Coupon], spend: Spend) -> int:
    cs = list(cs)
    if any(not c.categories for c in cs):
        return sum(spend.values())
    return sum(net for cat, net in spend.items() if any(cat in c.categories for c in cs))


def _thresholds_fit(cs: Sequence[Coupon], spend: Spend) -> bool:
    """consume_threshold: each coupon consumes its threshold from spend on its own lines.

    Feasible iff for every group of coupons their thresholds fit in the spend on the
    union of their lines (Hall's condition); the groups worth checking are the unions
    of the distinct category sets.
    """
    if not cs:
        return True
    sets = sorted({c.categories for c in cs})
    if sets == [()]:
        return sum(c.threshold.fen for c in cs) <= _union(cs, spend)
    for r in range(1, len(sets) + 1):
        for group in combinations(sets, r):
            inside = [c for c in cs if c.categories in group]
            if () in group:
                inside = list(cs)
            if sum(c.threshold.fen for c in inside) > _union(inside, spend):
                return False
    return True


def _assign(cs: Sequence[Coupon], spend: Spend) -> tuple[list[int], dict[str, Fraction]]:
    """What each coupon takes off (face value, capped by the spend its own goods still
    have), and the discount each category bears.

    Coupons on the narrowest goods go first, so the result does not depend on the order
    they were picked and a whole-basket coupon never crowds out a category coupon. Each
    consumes its goods' remaining spend pro rata, so no category bears more than it is
    worth. Identical coupons are taken as a block: the same result as one by one, since
    whole-fen takes leave the proportions of what remains unchanged.
    """

    if not _laminar(c.categories for c in cs):
        return _flow_assign(cs, spend)

    def breadth(c: Coupon) -> int:
        return sum(1 for cat in spend if c.applies_to(cat)) if c.categories else len(spend) + 1

    order = sorted(
        range(len(cs)),
        key=lambda i: (breadth(cs[i]), cs[i].categories, -cs[i].off.fen, cs[i].tie_key()),
    )
    remaining = {cat: Fraction(v) for cat, v in spend.items()}
    borne = {cat: Fraction(0) for cat in spend}
    amounts = [0] * len(cs)
    i = 0
    while i < len(order):
        first = cs[order[i]]
        j = i + 1
        while j < len(order) and (cs[order[j]].categories, cs[order[j]].off) == (
            first.categories,
            first.off,
        ):
            j += 1
        cats = [cat for cat in spend if first.applies_to(cat)]
        avail = sum((remaining[cat] for cat in cats), Fraction(0))
        total = min(first.off.fen * (j - i), int(avail))
        left = total
        for idx in order[i:j]:
            amounts[idx] = min(first.off.fen, left)
            left -= amounts[idx]
        if total:
            for cat in cats:
                part = total * remaining[cat] / avail
                remaining[cat] -= part
                borne[cat] += part
        i = j
    return amounts, borne


def _flow_assign(cs: Sequence[Coupon], spend: Spend) -> tuple[list[int], dict[str, Fraction]]:
    """Coupons on overlapping (not nested) goods: the largest total they can take, as a
    maximum flow of discount from each coupon to its own categories. Coupons are served in
    tie order; a later coupon may reroute an earlier one's discount to other goods of the
    earlier coupon, never reduce it."""
    cats = list(spend)
    n = len(cs)
    applies = [[c.applies_to(cat) for cat in cats] for c in cs]
    flow = [[0] * len(cats) for _ in range(n)]
    free = [spend[cat] for cat in cats]
    amounts = [0] * n

    def path_from(i: int) -> list[tuple[int, int]] | None:
        """Breadth-first: coupon -> category -> (coupon holding it -> category)* -> free."""
        parent: dict[int, tuple[int, int | None]] = {}  # category -> (coupon, previous cat)
        queue: list[tuple[int, int | None]] = [(i, None)]
        seen_coupons = {i}
        while queue:
            x, via = queue.pop(0)
            for j in range(len(cats)):
                if not applies[x][j] or j in parent:
                    continue
                parent[j] = (x, via)
                if free[j] > 0:
                    steps, cur = [], j
                    while True:
                        coupon, prev = parent[cur]
                        steps.append((coupon, cur))
                        if prev is None:
                            return steps[::-1]
                        cur = prev
                for y in range(n):
                    if y not in seen_coupons and flow[y][j] > 0:
                        seen_coupons.add(y)
                        queue.append((y, j))
        return None

    for i in sorted(range(n), key=lambda i: cs[i].tie_key()):
        while amounts[i] < cs[i].off.fen:
            steps = path_from(i)
            if steps is None:
                break
            # steps: (i, j1), (y1, j2), ...: coupon y_k gives up j_k to take j_{k+1}.
            b = min(cs[i].off.fen - amounts[i], free[steps[-1][1]])
            for (_, j_prev), (y, _) in pairwise(steps):
                b = min(b, flow[y][j_prev])
            for k, (x, j) in enumerate(steps):
                flow[x][j] += b
                if k + 1 < len(steps):
                    flow[steps[k + 1][0]][j] -= b
            free[steps[-1][1]] -= b
            amounts[i] += b
    borne = {cat: Fraction(sum(flow[i][j] for i in range(n))) for j, cat in enumerate(cats)}
    return amounts, borne


def _amounts(cs: Sequence[Coupon], spend: Spend) -> list[int]:
    return _assign(cs, spend)[0]


def _laminar(sets: Iterable[tuple[str, ...]]) -> bool:
    """Category sets that are each nested in or disjoint from the others ("fresh only"
    beside "whole basket"): then a coupon's room is plain integer arithmetic."""
    fs = [frozenset(s) for s in set(sets) if s]
    return all(a <= b or b <= a or not (a & b) for a in fs for b in fs)


def _total(cs: Sequence[Coupon], spend: Spend) -> int:
    """The summed discount of ``cs``, as ``_assign`` gives it, without fractions where the
    category sets are laminar: narrower coupons go first and only eat their own goods."""
    if not _laminar(c.categories for c in cs):
        return sum(_assign(cs, spend)[0])
    whole = sum(spend.values())
    taken: dict[tuple[str, ...], int] = {}
    for cats in sorted({c.categories for c in cs}, key=lambda k: (len(k) if k else 1 << 30, k)):
        room = whole if not cats else sum(v for cat, v in spend.items() if cat in cats)
        inside = set(cats)
        room -= sum(t for k, t in taken.items() if not cats or set(k) <= inside)
        want = sum(c.off.fen for c in cs if c.categories == cats)
        taken[cats] = min(want, max(room, 0))
    return sum(taken.values())


def validate(cs: Sequence[Coupon], items: Lines, stacking: Stacking, today: date) -> None:
    """Refuse a cashier's manual selection that the program does not allow."""
    spend = spend_by_category(items)
    seen: set[str] = set()
    for c in cs:
        if c.id in seen:
            raise RuleViolation(f"coupon {c.id} chosen twice", code="coupon_duplicate", name=c.name)
        seen.add(c.id)
        if c.state != "unused":
            raise RuleViolation(
                f"coupon {c.id} is {c.state}", code=f"coupon_{c.state}", name=c.name
            )
        if today > c.valid_through:
            raise RuleViolation(
                f"coupon {c.id} expired on {c.valid_through.isoformat()}",
                code="coupon_expired",
                name=c.name,
                date=c.valid_through.isoformat(),
            )
        if _eligible(c, spend) < max(c.threshold.fen, 1):
            raise RuleViolation(
                f"{c.name}: spend on its goods {Money(_eligible(c, spend))} is below "
                f"its threshold {c.threshold}",
                code="coupon_below_threshold",
                name=c.name,
                spend=Money(_eligible(c, spend)),
                threshold=c.threshold,
            )
    if stacking == "one_per_sale" and len(cs) > 1:
        raise RuleViolation("this program allows one coupon per sale", code="coupon_not_stackable")
    for c, amount in zip(cs, _amounts(cs, spend), strict=True):
        if amount == 0:
            raise RuleViolation(
                f"{c.name} would take nothing off this sale: keep it",
                code="coupon_no_discount",
                name=c.name,
            )
    if stacking == "consume_threshold" and not _thresholds_fit(cs, spend):
        need = Money(sum(c.threshold.fen for c in cs))
        raise RuleViolation(
            f"thresholds together ({need}) exceed the subtotal {Money(_union(cs, spend))}",
            code="coupon_below_threshold",
            need=need,
            subtotal=Money(_union(cs, spend)),
        )


def apply(cs: Sequence[Coupon], items: Lines, reason: str = "", why: Why = NO_WHY) -> Choice:
    amounts = _amounts(cs, spend_by_category(items))
    kept = [(c, a) for c, a in zip(cs, amounts, strict=True)]
    return Choice(tuple(c for c, _ in kept), tuple(Money(a) for _, a in kept), reason, why)


def best(coupons: Iterable[Coupon], items: Lines, stacking: Stacking, today: date) -> Choice:
    """The combination with the largest discount; ties: earliest expiries, fewer coupons,
    oldest grant, coupon id (rule book §1.4, §7). Nothing that fits is not an error."""
    spend = spend_by_category(items)
    usable = sorted(
        (
            c
            for c in coupons
            if c.usable_on(today)
            and _eligible(c, spend) > 0
            and c.threshold.fen <= _eligible(c, spend)
        ),
        key=Coupon.tie_key,
    )
    if not usable:
        return NO_COUPONS
    if stacking == "one_per_sale":
        chosen: list[Coupon] = [min(usable, key=lambda c: (-_amounts([c], spend)[0], _tie([c])))]
    else:
        chosen = _search(usable, spend, stacking)
    amounts = _amounts(chosen, spend)
    kept = [(c, a) for c, a in zip(chosen, amounts, strict=True) if a > 0]  # never burn one for 0
    choice = Choice(tuple(c for c, _ in kept), tuple(Money(a) for _, a in kept), "")
    return Choice(
        choice.coupons,
        choice.amounts,
        explain(choice, usable, spend, stacking),
        explanation(choice, usable, spend, stacking),
    )


def _tie(cs: Sequence[Coupon]) -> tuple[object, ...]:
    return (
        tuple(sorted(c.valid_through for c in cs)),
        len(cs),
        tuple(sorted(c.granted or date.min for c in cs)),
        tuple(sorted(c.id for c in cs)),
    )


def _search(usable: list[Coupon], spend: Spend, stacking: Stacking) -> list[Coupon]:
    """Branch and bound over coupon *kinds*: coupons alike but for dates are interchangeable,
    and within a kind the earliest-expiring come first, so we choose counts, not subsets."""
    kinds: dict[tuple[int, int, tuple[str, ...]], list[Coupon]] = {}
    for c in usable:  # already in tie order
        kinds.setdefault((c.threshold.fen, c.off.fen, c.categories), []).append(c)
    groups = sorted(
        kinds.items(), key=lambda kv: (-Fraction(kv[0][1], max(kv[0][0], 1)), -kv[0][1])
    )
    cap = _union(usable, spend)
    plain = all(not k[2] for k, _ in groups)
    consume = stacking == "consume_threshold"
    best_value = -1
    best_sets: list[list[Coupon]] = []

    def bound(i: int, value: int, thr: int) -> int:
        extra, room = 0, cap - thr
        for (t, off, _cats), cs in groups[i:]:
            n = len(cs)
            if not consume or t == 0:
                extra += off * n
            elif room > 0:
                take = min(n, room // t)
                extra += off * take
                room -= take * t
                if take < n and room > 0:
                    extra += off * room // t + 1
                    room = 0
        return min(cap, value + extra)

    def walk(i: int, chosen: list[Coupon], value: int, thr: int) -> None:
        nonlocal best_value, best_sets
        if bound(i, value, thr) < best_value:
            return
        if i == len(groups):
            if value > best_value:
                best_value, best_sets = value, [chosen[:]]
            elif value == best_value:
                best_sets.append(chosen[:])
            return
        (t, off, _cats), cs = groups[i]
        for k in range(len(cs), -1, -1):
            pick = chosen + cs[:k]
            if consume and k:
                if plain and thr + t * k > cap:
                    continue
                if not plain and not _thresholds_fit(pick, spend):
                    continue
            walk(
                i + 1,
                pick,
                _value(pick, spend) if not plain else min(cap, value + off * k),
                thr + t * k,
            )

    walk(0, [], 0, 0)
    # Among the best, only sets where every coupon takes something: none is burnt for 0.
    whole = [cs for cs in best_sets if all(a > 0 for a in _amounts(cs, spend))]
    return min(whole or best_sets, key=_tie)


def _value(cs: Sequence[Coupon], spend: Spend) -> int:
    return _total(cs, spend)


def explain(choice: Choice, usable: Sequence[Coupon], spend: Spend, stacking: Stacking) -> str:
    """One line for the cashier: what was picked, against which subtotal, what was left
    (in Chinese, for logs and tests; the screen words ``explanation`` in its language)."""
    why = explanation(choice, usable, spend, stacking)
    if why.code == "none":
        return "无可用优惠券"
    p = dict(why.params)
    text = f"已选最优: {p['picked']}, 共减¥{p['discount']}"
    if "need" in p:
        text += f" (门槛合计¥{p['need']} ≤ 小计¥{p['subtotal']})"
    if p["left"]:
        text += f"; 另有{p['left']}张本单不可叠加"
    return text


def explanation(choice: Choice, usable: Sequence[Coupon], spend: Spend, stacking: Stacking) -> Why:
    """What was picked (names with counts), the discount, how many usable coupons were
    left out and, where thresholds are consumed, their sum against the subtotal."""
    if not choice.coupons:
        return Why("none")
    names: dict[str, int] = {}
    for c in choice.coupons:
        names[c.name] = names.get(c.name, 0) + 1
    params: list[tuple[str, str | int]] = [
        ("picked", "、".join(f"{n}×{k}" for n, k in names.items())),  # names are data
        ("discount", choice.discount.plain()),
        ("left", len(usable) - len(choice.coupons)),
    ]
    if stacking == "consume_threshold":
        need = Money(sum(c.threshold.fen for c in choice.coupons))
        params += [
            ("need", need.plain()),
            ("subtotal", Money(_union(choice.coupons, spend)).plain()),
        ]
    return Why("best", tuple(params))


def allocate_to_lines(choice: Choice, lines: Lines) -> list[int]:
    """Spread the summed coupon discount over lines in one largest-remainder pass; each
    line's exact share is its category's borne discount pro rata to the line's net."""
    if not choice.coupons:
        return [0] * len(lines)
    spend = spend_by_category(lines)
    _, borne = _assign(choice.coupons, spend)
    factor = {cat: borne[cat] / spend[cat] for cat in spend if spend[cat] and borne[cat]}
    den = lcm(*(f.denominator for f in factor.values())) if factor else 1
    scaled = {cat: f.numerator * (den // f.denominator) for cat, f in factor.items()}
    weights = [net * scaled.get(cat, 0) for cat, net in lines]
    return allocate(choice.discount.fen, weights, [net for _, net in lines])
