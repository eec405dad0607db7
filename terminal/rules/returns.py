"""Returns by receipt and line (rule book §1.9, §7).

Refund what the returned lines cost after every reduction, pay it back over the
sale's tenders, put coins back into the lots they came from, then claw back what
the kept part of the sale would not have earned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import gcd

from terminal.errors import InvalidInput, RuleViolation
from terminal.money import ZERO, Money, round_half_up
from terminal.quantity import Qty
from terminal.rules import member as m
from terminal.rules import promotions as pm
from terminal.rules.allocation import allocate
from terminal.rules.checkout import RecordLine, SaleRecord
from terminal.rules.earning import Earned, EarnInput, earn
from terminal.rules.lifecycle import due_entries, retier, reverse_upgrade, sv_split
from terminal.rules.program import Program
from terminal.rules.tenders import MONEY_KINDS, Tender


@dataclass(frozen=True, slots=True)
class ReturnLine:
    line_no: int
    qty: Qty
    refund: Money


@dataclass(frozen=True, slots=True)
class TenderRefund:
    tender: int  # index into the sale's tenders
    kind: str
    amount: Money  # refund value put back on this tender (before any shortfall)
    paid_out: Money  # what actually goes back (after the shortfall was taken)
    coins: int = 0
    points: int = 0
    principal: Money = ZERO
    gift: Money = ZERO
    lots: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class ReturnRecord:
    return_id: str
    sale_id: str
    day: date
    lines: tuple[ReturnLine, ...]
    refunds: tuple[TenderRefund, ...]
    refund: Money  # value of the returned lines
    shortfall_deducted: Money
    clawed: Earned  # growth points, points, coins and spend taken back
    full: bool
    reissued: tuple[str, ...] = ()
    upgrade_reversed: bool = False
    debt: Money = ZERO  # shortfall the refund could not cover

    @property
    def coins_refunded(self) -> int:
        return sum(r.coins for r in self.refunds)


@dataclass(frozen=True, slots=True)
class ReturnSettlement:
    entries: tuple[m.MemberEntry, ...]
    record: ReturnRecord
    notes: tuple[str, ...] = field(default=())


def needs_manager(program: Program, refund: Money, with_receipt: bool = True) -> bool:
    return not with_receipt or refund > program.return_manager_above


def plan_lines(
    sale: SaleRecord, prior: Sequence[ReturnRecord], request: Sequence[tuple[int, Qty]] | None
) -> tuple[list[ReturnLine], bool]:
    """Which lines come back and what each refunds; and whether this completes the sale."""
    back_qty: dict[int, int] = {}
    back_net: dict[int, int] = {}
    for r in prior:
        for rl in r.lines:
            back_qty[rl.line_no] = back_qty.get(rl.line_no, 0) + rl.qty.milli
            back_net[rl.line_no] = back_net.get(rl.line_no, 0) + rl.refund.fen
    if request is None:
        request = [
            (ln.line_no, Qty(ln.qty.milli - back_qty.get(ln.line_no, 0)))
            for ln in sale.lines
            if ln.qty.milli > back_qty.get(ln.line_no, 0)
        ]
        if not request:
            raise RuleViolation(
                "every line of this sale was already returned", code="already_returned"
            )
    if not request:
        raise InvalidInput(
            "name the lines to return, or none for the whole sale", code="nothing_to_return"
        )
    out: list[ReturnLine] = []
    seen: set[int] = set()
    for line_no, qty in request:
        ln = sale.line(line_no)
        if ln is None:
            raise InvalidInput(f"the sale has no line {line_no}", code="unknown_line", line=line_no)
        if line_no in seen:
            raise InvalidInput(f"line {line_no} named twice", code="invalid_return", line=line_no)
        seen.add(line_no)
        left = ln.qty.milli - back_qty.get(line_no, 0)
        if qty.milli <= 0:
            raise InvalidInput(
                "return quantity must be positive", code="invalid_quantity", case="positive"
            )
        if qty.milli > left:
            raise RuleViolation(
                f"line {line_no}: only {Qty(left).plain()} left to return",
                code="return_exceeds_sale",
                line=line_no,
                left=Qty(left),
            )
        if qty.milli == left:  # the last part refunds exactly what is left
            refund = ln.net.fen - back_net.get(line_no, 0)
        else:
            refund = round_half_up(Fraction(ln.net.fen * qty.milli, ln.qty.milli))
        out.append(ReturnLine(line_no, qty, Money(refund)))
    returned = {rl.line_no: rl.qty.milli for rl in out}
    full = all(
        back_qty.get(ln.line_no, 0) + returned.get(ln.line_no, 0) >= ln.qty.milli
        for ln in sale.lines
    )
    if sale.promotions:
        out = _promotion_refunds(sale, back_qty, back_net, returned)
    return out, full


def _promotion_refunds(
    sale: SaleRecord, back_qty: dict[int, int], back_net: dict[int, int], returned: dict[int, int]
) -> list[ReturnLine]:
    """A sale with promotions refunds what its lines still held minus what the kept
    lines cost under the same promotions (a return that breaks a "buy 2 get 1" gives
    back only what the rest no longer earns), never less than 0 nor more than held.

    Each line's share is what it held minus what it keeps; a kept line whose price
    rises (its promotion is gone) shows as a line of quantity 0 with a negative share,
    so later returns of it refund what it now holds."""
    held = {ln.line_no: ln.net.fen - back_net.get(ln.line_no, 0) for ln in sale.lines}
    kept_qty = {
        ln.line_no: ln.qty.milli - back_qty.get(ln.line_no, 0) - returned.get(ln.line_no, 0)
        for ln in sale.lines
    }
    keep = [ln for ln in sale.lines if kept_qty[ln.line_no] > 0]
    kept = dict.fromkeys(held, 0)
    if keep:
        rules = sorted(sale.promotions, key=lambda r: r.order)
        results = pm.run(rules, [_kept_line(ln, kept_qty[ln.line_no]) for ln in keep])
        cost = []
        for ln, r in zip(keep, results, strict=True):
            price = r.after(_kept_line(ln, kept_qty[ln.line_no]))
            cost.append(price - _kept_reductions(ln, price))
        total_held = sum(held.values())
        if sum(cost) > total_held:  # never refund less than nothing
            cost = allocate(total_held, cost, cost)
        kept.update((ln.line_no, c) for ln, c in zip(keep, cost, strict=True))
    out = []
    for ln in sale.lines:
        share = held[ln.line_no] - kept[ln.line_no]
        if ln.line_no in returned:
            out.append(ReturnLine(ln.line_no, Qty(returned[ln.line_no]), Money(share)))
        elif share:
            out.append(ReturnLine(ln.line_no, Qty(0), Money(share)))
    return out


def _kept_reductions(ln: RecordLine, price: int) -> int:
    """The coupon and whole-sale discount a kept line still bears: its recorded share at
    the same rate of its price (a part of a line without a promotion change: the share
    pro rata to quantity, as for any return)."""
    shares = ln.coupon_share.fen + ln.discount_share.fen
    due = ln.member.fen - ln.promo.fen
    if shares == 0 or due <= 0:
        return 0
    return min(price, round_half_up(Fraction(shares * price, due)))


def _part(fen: int, qty: int, of: int) -> int:
    return fen if qty == of else round_half_up(Fraction(fen * qty, of))


def _kept_line(ln: RecordLine, qty: int) -> pm.PromoLine:
    """A sale line's kept quantity as the promotion engine sees it, at the sale's prices."""
    member = ln.member_route if ln.member_route is not None else ln.member
    by_piece = not ln.weighed and qty % 1000 == 0
    return pm.PromoLine(
        ln.code,
        ln.category,
        _part(ln.regular.fen, qty, ln.qty.milli),
        _part(member.fen, qty, ln.qty.milli),
        qty // 1000 if by_piece else 0,
        qty if not ln.label and ln.unit_before_override is None else 0,
        ln.unit_before_override is None,
    )


def _unit(program: Program, t: Tender) -> int:
    """Smallest refundable step of a tender in fen: whole coins, whole points."""
    if t.kind == "coins":
        return program.coin_value.fen
    if t.kind == "points" and program.points_pay:
        return 100 // gcd(100, program.points_redeem_per_yuan)
    return 1


def split_refund(
    program: Program, tenders: Sequence[Tender], remaining: Sequence[int], refund: int, full: bool
) -> list[int]:
    """Pro rata to what each tender still has unrefunded, largest remainder; coin and
    points shares rounded down to whole units, the rest to the first cash, card or
    mobile tender, else stored value. A full return gives every tender back exactly."""
    if full:
        return list(remaining)
    if refund == 0 or sum(remaining) == 0:
        return [0] * len(tenders)
    shares = allocate(refund, remaining, remaining)
    spill = 0
    for i, t in enumerate(tenders):
        unit = _unit(program, t)
        if unit > 1:
            spill += shares[i] % unit
            shares[i] -= shares[i] % unit
    if spill:
        order = [i for i, t in enumerate(tenders) if t.kind in MONEY_KINDS]
        order += [i for i, t in enumerate(tenders) if t.kind == "stored_value"]
        order += [i for i, t in enumerate(tenders) if i not in order]
        for i in order:
            room = remaining[i] - shares[i]
            take = min(room, spill) if _unit(program, tenders[i]) == 1 else 0
            shares[i] += take
            spill -= take
            if spill == 0:
                break
    return shares


def settle_return(
    program: Program,
    member: m.MemberState | None,
    sale: SaleRecord,
    prior: Sequence[ReturnRecord],
    request: Sequence[tuple[int, Qty]] | None,
    today: date,
    return_id: str,
) -> ReturnSettlement:
    lines, full = plan_lines(sale, prior, request)
    refund = sum(rl.refund.fen for rl in lines)
    refunded = [
        sum(r.amount.fen for p in prior for r in p.refunds if r.tender == i)
        for i in range(len(sale.tenders))
    ]
    remaining = [t.amount.fen - refunded[i] for i, t in enumerate(sale.tenders)]
    shares = split_refund(program, sale.tenders, remaining, refund, full)

    entries: list[m.MemberEntry] = []
    state = member
    refunds: list[TenderRefund] = []
    for i, (t, share) in enumerate(zip(sale.tenders, shares, strict=True)):
        if share == 0:
            continue
        tr = TenderRefund(i, t.kind, Money(share), Money(share))
        if t.kind == "coins":
            coins = share // program.coin_value.fen
            lots = _coins_back(sale, prior, i, coins)
            tr = TenderRefund(i, t.kind, Money(share), Money(share), coins=coins, lots=tuple(lots))
            entries += [m.CoinLotChanged(lot, n, f"refund:{return_id}") for lot, n in lots]
        elif t.kind == "points":
            pts = share * program.points_redeem_per_yuan // 100
            tr = TenderRefund(i, t.kind, Money(share), Money(share), points=pts)
            entries.append(m.PointsChanged("points", pts, f"refund:{return_id}"))
        elif t.kind == "stored_value":
            rp = t.principal.fen - sum(
                r.principal.fen for p in prior for r in p.refunds if r.tender == i
            )
            rg = t.gift.fen - sum(r.gift.fen for p in prior for r in p.refunds if r.tender == i)
            if full:
                pr, gi = Money(rp), Money(rg)
            else:
                pr, gi = sv_split(Money(share), Money(rp), Money(rg))
            tr = TenderRefund(i, t.kind, Money(share), Money(share), principal=pr, gift=gi)
        refunds.append(tr)

    clawed = Earned()
    shortfall = 0
    notes: list[str] = []
    if member is not None:
        state = m.fold(entries, member)
        clawed, claw_entries, shortfall = _clawback(
            program, state, sale, prior, lines, refunds, today, return_id
        )
        entries += claw_entries
    deducted, refunds = _deduct(shortfall, refunds)
    debt = shortfall - deducted
    # Stored value goes back in its shares, after any shortfall was taken.
    for tr in refunds:
        if tr.kind == "stored_value" and (tr.principal or tr.gift):
            entries.append(m.StoredValueChanged(tr.principal, tr.gift, f"refund:{return_id}"))
    reissued: list[str] = []
    reversed_ = False
    if member is not None:
        if debt:
            entries.append(m.DebtChanged("stored_value", debt, f"return:{return_id}"))
            notes.append(f"shortfall of {Money(debt)} recorded as debt")
        entries.append(m.Purchased(today, Money(-refund), -1 if full else 0))
        state = m.fold(entries, member)
        if full:
            for cid, _ in sale.coupons:
                c = state.coupon(cid)
                if c is not None and c.state == "used" and today <= c.valid_through:
                    entries.append(m.CouponStateChanged(cid, "unused", f"reissued:{return_id}"))
                    reissued.append(cid)
        state = m.fold(entries, member)
        if sale.upgrade is not None:
            rev = reverse_upgrade(state, program, sale.upgrade)
            reversed_ = bool(rev)
            entries += rev
            state = m.fold(rev, state)
        if program.ladder_for(state.group).movement == "follow":
            moves, _ = retier(state, program, today, return_id, lambda: "")
            # a return gives back a tier its sale took (points paid), never its gifts again
            moves = [e for e in moves if not isinstance(e, m.CouponGranted)]
            entries += moves
            state = m.fold(moves, state)
        entries += due_entries(state, program, today)

    record = ReturnRecord(
        return_id,
        sale.sale_id,
        today,
        tuple(lines),
        tuple(refunds),
        Money(refund),
        Money(deducted),
        clawed,
        full,
        tuple(reissued),
        reversed_,
        Money(debt),
    )
    return ReturnSettlement(tuple(entries), record, tuple(notes))


def _coins_back(
    sale: SaleRecord, prior: Sequence[ReturnRecord], tender: int, coins: int
) -> list[tuple[str, int]]:
    """Refunded coins go back into the lots they came from, last-drawn lot first."""
    already: dict[str, int] = {}
    for p in prior:
        for r in p.refunds:
            if r.tender == tender:
                for lot, n in r.lots:
                    already[lot] = already.get(lot, 0) + n
    out, left = [], coins
    for lot, drawn in reversed(sale.tenders[tender].lots):
        room = drawn - already.get(lot, 0)
        take = min(room, left)
        if take > 0:
            out.append((lot, take))
            left -= take
    return out


def _kept_input(
    sale: SaleRecord,
    prior: Sequence[ReturnRecord],
    now: Sequence[ReturnLine],
    refunds: Sequence[TenderRefund],
) -> EarnInput:
    back: dict[int, int] = {}
    for rl in [*(rl for p in prior for rl in p.lines), *now]:
        back[rl.line_no] = back.get(rl.line_no, 0) + rl.refund.fen
    lines = [(ln.category, ln.net.fen - back.get(ln.line_no, 0)) for ln in sale.lines]
    all_refunds = [*(r for p in prior for r in p.refunds), *refunds]
    paid: dict[str, int] = {}
    for i, t in enumerate(sale.tenders):
        mine = [r for r in all_refunds if r.tender == i]
        if t.kind == "stored_value":
            paid["sv_principal"] = (
                paid.get("sv_principal", 0) + t.principal.fen - sum(r.principal.fen for r in mine)
            )
            paid["sv_gift"] = paid.get("sv_gift", 0) + t.gift.fen - sum(r.gift.fen for r in mine)
        else:
            paid[t.kind] = paid.get(t.kind, 0) + t.amount.fen - sum(r.amount.fen for r in mine)
    return EarnInput(lines, paid, sale.earn_tier, sale.day)


def _clawback(
    program: Program,
    state: m.MemberState,
    sale: SaleRecord,
    prior: Sequence[ReturnRecord],
    lines: Sequence[ReturnLine],
    refunds: Sequence[TenderRefund],
    today: date,
    rid: str,
) -> tuple[Earned, list[m.MemberEntry], int]:
    """Take back what the sale earned minus what its kept part alone would have earned."""
    kept = earn(program, _kept_input(sale, prior, lines, refunds))
    before = Earned()
    for p in prior:
        before = Earned(
            before.growth_points + p.clawed.growth_points,
            before.points + p.clawed.points,
            before.coins + p.clawed.coins,
            before.tier_spend + p.clawed.tier_spend,
        )
    back = sale.earned.minus(kept).minus(before)
    back = Earned(
        max(0, back.growth_points),
        max(0, back.points),
        max(0, back.coins),
        Money(max(0, back.tier_spend.fen)),
    )
    out: list[m.MemberEntry] = []
    shortfall = 0
    if back.growth_points:
        take = min(back.growth_points, state.growth_points)
        if take:
            out.append(m.PointsChanged("growth_points", -take, f"clawback:{rid}"))
    if back.points:
        take = min(back.points, max(state.points, 0))
        if take:
            out.append(m.PointsChanged("points", -take, f"clawback:{rid}"))
        if program.points_clawback == "deduct_from_refund" and back.points > take:
            shortfall += round_half_up(
                Fraction((back.points - take) * 100, program.points_redeem_per_yuan or 100)
            )
    if back.coins:
        left = back.coins
        lots = sorted(
            state.coin_lots, key=lambda lot: (lot.id != sale.coin_lot, lot.granted, lot.id)
        )
        for lot in lots:
            if left == 0:
                break
            if lot.live_on(today):
                take = min(lot.coins, left)
                out.append(m.CoinLotChanged(lot.id, -take, f"clawback:{rid}"))
                left -= take
        if left and program.coins_clawback == "deduct_from_refund":
            shortfall += left * program.coin_value.fen
    if back.tier_spend:
        # Taken off the sale's own day, so the window rolls the two off together.
        out.append(m.CounterChanged("spend_12m", -back.tier_spend, f"return:{rid}", sale.day))
        out.append(m.CounterChanged("cumulative_spend", -back.tier_spend, f"return:{rid}"))
    return back, out, shortfall


def _deduct(shortfall: int, refunds: list[TenderRefund]) -> tuple[int, list[TenderRefund]]:
    """Take a clawback shortfall out of the real-money refund (cash, card, mobile), then
    stored-value principal."""
    if shortfall == 0:
        return 0, refunds
    left = shortfall
    out = list(refunds)
    for i, tr in enumerate(out):
        if left and tr.kind in MONEY_KINDS:
            take = min(left, tr.paid_out.fen)
            out[i] = TenderRefund(tr.tender, tr.kind, tr.amount, tr.paid_out - Money(take))
            left -= take
    for i, tr in enumerate(out):
        if left and tr.kind == "stored_value":
            take = min(left, tr.principal.fen)
            out[i] = TenderRefund(
                tr.tender,
                tr.kind,
                tr.amount,
                tr.paid_out - Money(take),
                principal=tr.principal - Money(take),
                gift=tr.gift,
            )
            left -= take
    return shortfall - left, out
