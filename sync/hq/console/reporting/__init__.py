"""The console's reports (issue 15 item 7): each a module whose ``build(s, f)``
returns a ``kit.Report`` from the pre-aggregated tables; ``pages/reports`` shows it
(``render``) and exports its tables (``export``).

To add a report: a module here with ``build``, its texts in ``i18n.CATALOG``, and one
line in ``REPORTS`` (its URL slug, title key and the permission that may read it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sync.hq.console.reporting import balances, coupons, dashboard, liability, rfm, sales, tiers
from sync.hq.console.reporting.kit import Filters, Report
from sync.hq.console.roles import Perm

Build = Callable[[Session, Filters], Report]


@dataclass(frozen=True, slots=True)
class Spec:
    title: str  # i18n key
    perm: Perm
    build: Build


REPORTS: dict[str, Spec] = {
    "dashboard": Spec("report.dashboard", Perm.VIEW_REPORTS, dashboard.build),
    "sales": Spec("report.sales", Perm.VIEW_REPORTS, sales.build),
    "tiers": Spec("report.tiers", Perm.VIEW_REPORTS, tiers.build),
    "rfm": Spec("report.rfm", Perm.VIEW_REPORTS, rfm.build),
    "liability": Spec("report.liability", Perm.VIEW_REPORTS, liability.build),
    "coins": Spec("report.coins", Perm.VIEW_REPORTS, balances.coins),
    "points": Spec("report.points", Perm.VIEW_REPORTS, balances.points),
    "coupons": Spec("report.coupons", Perm.VIEW_REPORTS, coupons.build),
}
