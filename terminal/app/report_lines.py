"""A report as (中文, English, value) rows: what a receipt printer or a screen renders.

Amounts are plain yuan ("12.50"); "3 / 45.00" is a count and an amount. Optional
rows (points, prepaid cards, deductions...) are left out when they are zero; the
cash tender is always shown because the drawer depends on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from terminal.money import Money

if TYPE_CHECKING:
    from terminal.app.reports import Bucket, Report, Tally

Row = tuple[str, str, str]

TITLES = {
    "X": ("X报表(当班)", "X report (shift so far)"),
    "handover": ("交班报表", "Shift handover report"),
    "Z": ("日结报表(Z)", "Z report (day close)"),
}
TENDER_LABELS = {
    "cash": ("现金", "Cash"),
    "card": ("银行卡", "Bank card"),
    "mobile": ("移动支付", "Mobile pay"),
    "stored_value": ("储值", "Stored value"),
    "points": ("积分", "Points"),
}


def _pair(count: int, amount: Money) -> str:
    return f"{count} / {amount.plain()}"


def _signed(amount: Money) -> str:
    return f"+{amount.plain()}" if amount.fen > 0 else amount.plain()


def _tenders(b: Bucket, coin_name: str) -> list[Row]:
    out = []
    for t in b.by_tender:
        if t.count or t.kind == "cash":
            zh, en = TENDER_LABELS.get(
                t.kind, (coin_name, "Coins") if t.kind == "coins" else (t.kind, t.kind)
            )
            out.append((f"  {zh}", f"  {en}", _pair(t.count, t.amount)))
    return out


def _opt(rows: list[Row], zh: str, en: str, value: int | Tally) -> None:
    if isinstance(value, int):
        if value:
            rows.append((zh, en, str(value)))
    elif value.count:
        rows.append((zh, en, _pair(value.count, value.amount)))


def cashiers_text(r: Report) -> str:
    """Each cashier by name with their staff code ("张丽 (c1)"); a code alone where the
    name is not known (a stored report from before names were kept, a removed staff)."""
    names = dict(r.cashier_names)
    return ", ".join(f"{names[c]} ({c})" if names.get(c) else c for c in r.cashiers)


def report_lines(r: Report, coin_name: str = "兑币") -> list[Row]:
    zh, en = TITLES.get(r.kind, (r.kind, r.kind))
    rows: list[Row] = [(zh, en, ""), ("终端", "Terminal", r.terminal_id)]
    if r.z_no is not None:
        rows.append(("Z序号", "Z number", str(r.z_no)))
    if r.day is not None:
        rows.append(("营业日", "Business day", r.day.isoformat()))
    if r.shift_id is not None:
        rows.append(("班次", "Shift", r.shift_no or r.shift_id))
    rows += [
        ("收银员", "Cashier", cashiers_text(r)),
        ("开始", "From", r.start.isoformat(sep=" ")),
        ("结束", "To", r.end.isoformat(sep=" ")),
        ("打印时间", "Printed", r.made_at.isoformat(sep=" ")),
        ("【销售】", "[Sales]", ""),
        ("销售", "Sales", _pair(r.sales.count, r.sales.amount)),
        *_tenders(r.sales, coin_name),
        ("会员销售", "Member sales", _pair(r.member_sales.count, r.member_sales.amount)),
        (
            "非会员销售",
            "Non-member sales",
            _pair(r.non_member_sales.count, r.non_member_sales.amount),
        ),
        ("优惠券使用", "Coupons used", _pair(r.coupons_used.count, r.coupons_used.amount)),
        ("【退货】", "[Returns]", ""),
        ("退货退款", "Refunds paid", _pair(r.returns.count, r.returns.amount)),
        *_tenders(r.returns, coin_name),
    ]
    if r.return_deducted:
        rows.append(("退货商品金额", "Value of goods returned", r.return_value.plain()))
        rows.append(("退款扣回", "Deducted from refunds", r.return_deducted.plain()))
    _opt(rows, "其中无小票退货", "Of which without receipt", r.returns_no_receipt)
    _opt(rows, "退货返还优惠券", "Coupons given back", r.coupons_reissued)
    rows += [
        ("【充值】", "[Recharges]", ""),
        ("充值", "Recharges", _pair(r.recharges.count, r.recharges.amount)),
        *_tenders(r.recharges, coin_name),
    ]
    if r.recharge_gift:
        rows.append(("充值赠送金额", "Recharge gift value", r.recharge_gift.plain()))
    _opt(rows, f"充值赠送{coin_name}", "Recharge gift coins", r.recharge_coins)
    _opt(rows, "充值卡售出", "Prepaid cards sold", r.card_sales)
    _opt(rows, "充值卡充入", "Prepaid cards loaded", r.card_loads)
    _opt(rows, "储值退款", "Stored value refunded", r.sv_refunds)
    rows += [
        (f"【{coin_name}/积分】", "[Coins and points]", ""),
        (f"{coin_name}发放", "Coins earned", str(r.coins_earned)),
        (f"{coin_name}使用", "Coins spent", str(r.coins_spent)),
    ]
    _opt(rows, f"{coin_name}退回", "Coins refunded", r.coins_refunded)
    _opt(rows, f"{coin_name}扣回", "Coins clawed back", r.coins_clawed_back)
    _opt(rows, "积分获得", "Points earned", r.points_earned)
    _opt(rows, "积分使用", "Points spent", r.points_spent)
    _opt(rows, "积分退回", "Points refunded", r.points_refunded)
    _opt(rows, "积分扣回", "Points clawed back", r.points_clawed_back)
    _opt(rows, "成长值获得", "Growth points earned", r.growth_points_earned)
    rows += [
        ("【现金】", "[Cash]", ""),
        ("备用金", "Float", r.opening_float.plain()),
        ("现金收入", "Cash in", r.cash_in.plain()),
        ("现金支出", "Cash out", r.cash_out.plain()),
        ("应有现金", "Expected cash", r.expected_cash.plain()),
    ]
    if r.counted_cash is not None:
        rows.append(("实点现金", "Counted cash", r.counted_cash.plain()))
    if r.difference is not None:
        rows.append(("差额(长+/短-)", "Difference (over+/short-)", _signed(r.difference)))
    rows.append(("开钱箱(无销售)", "Drawer opened (no sale)", str(r.drawer_opens)))
    _opt(rows, "店长授权", "Manager authorizations", r.manager_auths)
    return rows
