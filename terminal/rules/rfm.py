"""Lifecycle segments (RFM) and the action the member panel suggests (rule book §1.6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from terminal.calendar import add_months
from terminal.money import Money


@dataclass(frozen=True, slots=True)
class RfmThresholds:
    """Where high starts; HQ recomputes them (default: medians of active members)."""

    recent_days: int
    frequency: int
    monetary: Money


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    name: str
    action: str
    name_en: str
    action_en: str


_SEGMENTS = {
    "new": Segment(
        "new", "新会员", "送欢迎礼, 介绍会员权益", "new", "welcome gift, explain benefits"
    ),
    # (recent, frequent, big spender)
    (True, True, True): Segment(
        "high_value",
        "高价值",
        "保持: 专属礼遇, 新品优先",
        "high value",
        "keep: honours, early access",
    ),
    (True, False, True): Segment(
        "important_development",
        "重要发展",
        "推荐试用, 促进复购",
        "important development",
        "trials, nudge to return sooner",
    ),
    (True, True, False): Segment(
        "general_value",
        "一般价值",
        "促销提升客单价",
        "general value",
        "promotions to raise basket size",
    ),
    # Cells the rule book's table leaves out [decision]: the standard 8-cell RFM names
    # (general_development here, general_retention below: the list is best first).
    (True, False, False): Segment(
        "general_development",
        "一般发展",
        "新人券, 培养消费习惯",
        "general development",
        "starter coupons, build a habit",
    ),
    (False, True, True): Segment(
        "important_retention",
        "重要保持",
        "挽回: 发新客券",
        "important retention",
        "win back: new-offer coupons",
    ),
    (False, True, False): Segment(
        "general_retention",
        "一般保持",
        "唤醒短信, 提醒可用券",
        "general retention",
        "wake-up message, remind of coupons",
    ),
    (False, False, True): Segment(
        "important_churned",
        "重要挽留",
        "礼包, 老会员专享优惠",
        "important churned",
        "gift bag, old-member offer",
    ),
    (False, False, False): Segment(
        "sleeping",
        "沉睡",
        "促销, 提醒兑换番茄币",
        "sleeping",
        "promotion, coin redemption reminder",
    ),
}
SEGMENTS = tuple(_SEGMENTS.values())  # every segment, best first (the console's lists)


def segment(
    *,
    today: date,
    registered: date | None,
    last_purchase: date | None,
    frequency_12m: int,
    monetary_12m: Money,
    thresholds: RfmThresholds,
    new_member_months: int = 1,
) -> Segment:
    """The member's segment from recency, frequency and monetary value over 12 months."""
    if registered is not None and today < add_months(registered, new_member_months):
        return _SEGMENTS["new"]
    recent = last_purchase is not None and (today - last_purchase).days <= thresholds.recent_days
    frequent = frequency_12m >= max(thresholds.frequency, 1)
    big = monetary_12m.fen >= max(thresholds.monetary.fen, 1)
    return _SEGMENTS[(recent, frequent, big)]


def median_thresholds(
    frequencies: list[int], monetaries: list[Money], recent_days: int
) -> RfmThresholds:
    """HQ's default: the medians of active members (upper median on even counts)."""
    f = sorted(frequencies)
    mo = sorted(x.fen for x in monetaries)
    return RfmThresholds(
        recent_days,
        f[len(f) // 2] if f else 1,
        Money(mo[len(mo) // 2] if mo else 1),
    )
