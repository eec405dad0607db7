"""Coins HQ jobs credit (rule book §1.5 "Other grants"): pure calculations.

The till never runs these (§7: they are HQ jobs); HQ folds their results into
the ledger as entries, idempotently keyed by member and period.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import datetime, timedelta

from terminal.money import Money
from terminal.rules.program import Program


def spend_bonus(program: Program, running: Money, spent: Money) -> tuple[int, Money]:
    """Each time the month's running spend reaches the step: the bonus, and the running
    total restarts from the excess. Returns (coins, new running total)."""
    g = program.hq_grants
    if not g.monthly_spend_coins or g.monthly_spend_step.fen <= 0:
        return 0, running + spent
    times, rest = divmod(running.fen + spent.fen, g.monthly_spend_step.fen)
    return times * g.monthly_spend_coins, Money(rest)


def count_visits(purchases: Iterable[datetime], merge_hours: int) -> int:
    """Purchases within ``merge_hours`` after a counted visit are the same visit."""
    visits, window_end = 0, None
    for at in sorted(purchases):
        if window_end is None or at > window_end:
            visits += 1
            window_end = at + timedelta(hours=merge_hours)
    return visits


def visit_bonus(program: Program, month_spend: Money, purchases: Iterable[datetime]) -> int:
    """Settled on the 1st of the next month, only if the month's spend reached the minimum."""
    g = program.hq_grants
    if not g.visit_bonuses or month_spend < g.visit_min_month_spend:
        return 0
    visits = count_visits(purchases, g.visit_merge_hours)
    reached = [b.coins for b in g.visit_bonuses if visits >= b.visits_at_least]
    return reached[-1] if reached else 0


def profile_grant(program: Program, field: str, already: Set[str]) -> int:
    """Coins for completing a profile field, once each."""
    if field in already:
        return 0
    return dict(program.hq_grants.profile_grants).get(field, 0)


def legacy_coins(program: Program, old_points: int) -> int:
    """Members migrated from the old points system: floor(points / N) coins, once."""
    per = program.hq_grants.legacy_points_per_coin
    return old_points // per if per and old_points > 0 else 0
