"""The chain's three operating targets (seed 000: 会员用户达到90%以上, 重要价值客户占比
20%以上, 流失客户控制在5%以内), as HQ settings a chain sets to its own plan; the
seed's figures are the defaults. Basis points: 9000 = 90.00%."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sync.hq import service as svc

MEMBER_SHARE, IMPORTANT, CHURNED = (
    "target_member_share_bp",
    "target_important_share_bp",
    "target_churned_share_bp",
)
DEFAULTS = {MEMBER_SHARE: 9000, IMPORTANT: 2000, CHURNED: 500}


@dataclass(frozen=True, slots=True)
class Targets:
    member_share: int  # members' share of receipts and of sales: at least
    important: int  # the high-value RFM segment's share of segmented members: at least
    churned: int  # the churned segments' share: at most


def of(s: Session) -> Targets:
    """The targets HQ's settings hold (a setting that is not 0-10000 is the default)."""
    got = {k: svc.int_setting(s, k, v, high=10_000) for k, v in DEFAULTS.items()}
    return Targets(got[MEMBER_SHARE], got[IMPORTANT], got[CHURNED])
