"""Every refusal of the counter in the cashier's words (zh_CN here, English from
ui/i18n/pos_en.ts, context "Refusals"), and the coupon explanation ("CouponReason").

The counter raises ``PosError`` with a stable ``code``, an English ``message`` (logs,
replay) and ``params``: the figures its text needs. ``TEXTS`` maps a code to its texts;
where one code covers situations that need different words the raise gives a ``case``
param and the key is ``code/case``. A key may hold several texts: the first whose
``{figures}`` the error carries is shown (a PIN refusal with attempts left, or
without). Money comes as its plain form ("12.50"): the text puts the ￥ in front.
tests/ui/test_refusals.py fails on a code the counter can raise without a text here
and its English.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence

from terminal.errors import Param, PosError
from terminal.rules.coupons import Why
from ui.lang import english
from ui.qt import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "Refusals"
_CJK = re.compile(r"[\u3400-\u9fff]")


def _t(*texts: str) -> tuple[str, ...]:
    return texts


TEXTS: dict[str, tuple[str, ...]] = {
    # -------------------------------------------------------------- generic (class codes)
    "pos_error": _t(QT_TRANSLATE_NOOP("Refusals", "无法办理")),
    "invalid_input": _t(
        QT_TRANSLATE_NOOP("Refusals", "商品号 {item} 或数值 {value} 超出条码秤格式"),
        QT_TRANSLATE_NOOP("Refusals", "输入有误"),
    ),
    "rule_violation": _t(QT_TRANSLATE_NOOP("Refusals", "会员方案规则不允许")),
    "not_found": _t(QT_TRANSLATE_NOOP("Refusals", "未找到")),
    "program_invalid": _t(
        QT_TRANSLATE_NOOP("Refusals", "会员方案文件有误: {file}: {key}: {problem}")
    ),
    "install_config_invalid": _t(
        QT_TRANSLATE_NOOP("Refusals", "安装设置 {file} 无法使用: {error}"),
        QT_TRANSLATE_NOOP("Refusals", "安装设置 pos-terminal.ini 无法使用"),
    ),
    "token_file_unsafe/shared": _t(
        QT_TRANSLATE_NOOP("Refusals", "令牌文件 {file} 其他用户可读 (权限 {mode}): 请改为 600")
    ),
    "token_file_unsafe/unreadable": _t(QT_TRANSLATE_NOOP("Refusals", "无法读取令牌文件 {file}")),
    "token_file_unsafe/empty": _t(QT_TRANSLATE_NOOP("Refusals", "令牌文件 {file} 里没有令牌")),
    "bad_entry": _t(QT_TRANSLATE_NOOP("Refusals", "账本记录无法读取")),
    "over_allocation": _t(
        QT_TRANSLATE_NOOP("Refusals", "无法把 ￥{total} 分摊到合计 ￥{limit} 的商品行")
    ),
    "unknown_program": _t(QT_TRANSLATE_NOOP("Refusals", "没有会员方案 {program}")),
    "store_damaged": _t(QT_TRANSLATE_NOOP("Refusals", "门店数据文件已损坏, 无法使用: 请联系总部")),
    "store_tampered": _t(
        QT_TRANSLATE_NOOP("Refusals", "本机账本校验未通过, 已停止收款: 请联系总部")
    ),
    "store_tampered/card": _t(
        QT_TRANSLATE_NOOP("Refusals", "充值卡 {number} 已充值过 (卡记录与账本不符): 请联系总部")
    ),
    "store_not_empty": _t(
        QT_TRANSLATE_NOOP(
            "Refusals",
            "{path} 已有数据 (会员 {members}, 商品 {products}, 员工 {staff}, "
            "账本 {ledger_rows} 条, 设置 {settings} 项): 演示数据只能放进新门店",
        )
    ),
    # -------------------------------------------------------------- staff, shifts, day
    "wrong_pin": _t(
        QT_TRANSLATE_NOOP("Refusals", "密码错误, 还可再试 {left} 次"),
        QT_TRANSLATE_NOOP("Refusals", "密码错误"),
    ),
    "staff_locked": _t(
        QT_TRANSLATE_NOOP("Refusals", "{name} 多次输错密码已锁定, {until} 后可再试"),
        QT_TRANSLATE_NOOP("Refusals", "{name} 多次输错密码已锁定, 请稍后再试"),
    ),
    "unknown_staff": _t(QT_TRANSLATE_NOOP("Refusals", "没有员工 {staff}")),
    "staff_disabled": _t(QT_TRANSLATE_NOOP("Refusals", "{name} 已停用")),
    "staff_managed_at_hq": _t(
        QT_TRANSLATE_NOOP("Refusals", "{name} ({staff}) 由总部管理, 请在总部管理台修改")
    ),
    "till_auth_paused": _t(
        QT_TRANSLATE_NOOP("Refusals", "本机店长密码输错次数过多, {until} 后可再试"),
    ),
    "invalid_role": _t(QT_TRANSLATE_NOOP("Refusals", "没有这种岗位: {role}")),
    "invalid_pin": _t(
        QT_TRANSLATE_NOOP("Refusals", "密码须为 {min}-{max} 位数字"),
        QT_TRANSLATE_NOOP("Refusals", "密码格式不对"),
    ),
    "not_a_manager": _t(QT_TRANSLATE_NOOP("Refusals", "{name} 不是店长")),
    "manager_required": _t(
        QT_TRANSLATE_NOOP("Refusals", "{action}需要店长授权"),
        QT_TRANSLATE_NOOP("Refusals", "此操作需要店长授权"),
    ),
    "manager_required/drawer": _t(QT_TRANSLATE_NOOP("Refusals", "不在销售中开钱箱需要店长授权")),
    "manager_required/day_close": _t(QT_TRANSLATE_NOOP("Refusals", "日结需要店长授权")),
    "no_open_shift": _t(QT_TRANSLATE_NOOP("Refusals", "请先开班 (录入备用金)")),
    "no_open_shift/report": _t(QT_TRANSLATE_NOOP("Refusals", "当前没有开班")),
    "shift_open": _t(QT_TRANSLATE_NOOP("Refusals", "已有班次未交班, 请先交班")),
    "shift_of_other": _t(
        QT_TRANSLATE_NOOP("Refusals", "{cashier} 的班次未交班: 请 {cashier} 或店长登录并交班 (F12)")
    ),
    "shift_open/day_close": _t(QT_TRANSLATE_NOOP("Refusals", "日结前请先交班")),
    "unknown_shift": _t(QT_TRANSLATE_NOOP("Refusals", "没有这个班次")),
    "day_closed": _t(
        QT_TRANSLATE_NOOP("Refusals", "{day} 已日结 (Z), 今天不能再办理"),
    ),
    "invalid_day": _t(QT_TRANSLATE_NOOP("Refusals", "{day} 还没到")),
    "z_already_run": _t(QT_TRANSLATE_NOOP("Refusals", "{day} 的日结 (Z) 已做过")),
    "reason_required": _t(QT_TRANSLATE_NOOP("Refusals", "请填写开钱箱的原因")),
    "clock_backwards": _t(QT_TRANSLATE_NOOP("Refusals", "时间不能倒退到 {when}")),
    # -------------------------------------------------------------- members
    "unknown_member": _t(QT_TRANSLATE_NOOP("Refusals", "没有会员 {member}")),
    "unknown_member/phone": _t(QT_TRANSLATE_NOOP("Refusals", "没有手机号为 {phone} 的会员")),
    "phone_ambiguous": _t(
        QT_TRANSLATE_NOOP("Refusals", "{count} 位会员使用手机号 {phone}, 请刷会员卡")
    ),
    "invalid_code": _t(QT_TRANSLATE_NOOP("Refusals", "码有误: “{text}”")),
    "invalid_code/member": _t(QT_TRANSLATE_NOOP("Refusals", "不是会员码: “{text}”")),
    "invalid_code/product": _t(QT_TRANSLATE_NOOP("Refusals", "不是商品码: “{text}”")),
    "invalid_phone": _t(QT_TRANSLATE_NOOP("Refusals", "手机号有误: “{phone}”, 请输入 11 位手机号")),
    "invalid_date": _t(QT_TRANSLATE_NOOP("Refusals", "日期有误: “{text}” (应为 2000-01-31)")),
    "member_exists": _t(QT_TRANSLATE_NOOP("Refusals", "会员 {member} 已存在")),
    "member_required": _t(QT_TRANSLATE_NOOP("Refusals", "请先识别会员")),
    "member_blocked": _t(QT_TRANSLATE_NOOP("Refusals", "该会员卡已停用 (挂失或注销)")),
    "member_busy": _t(QT_TRANSLATE_NOOP("Refusals", "会员账户正在同步变动, 请重试")),
    "app_code_unverifiable": _t(
        QT_TRANSLATE_NOOP("Refusals", "本机没有总部密钥, 无法校验会员码; 请改用会员卡或手机号")
    ),
    "app_code_bad_signature": _t(
        QT_TRANSLATE_NOOP(
            "Refusals", "会员码校验失败, 不是总部签发的码; 请会员刷新后重扫, 或改用会员卡/手机号"
        )
    ),
    "app_code_expired": _t(
        QT_TRANSLATE_NOOP(
            "Refusals", "会员码已过期 ({age} 秒前生成, 限 {limit} 秒), 请会员刷新会员码后重扫"
        )
    ),
    "app_code_from_future": _t(
        QT_TRANSLATE_NOOP("Refusals", "会员码时间比本机晚 {ahead} 秒, 请检查收银机时钟或与总部同步")
    ),
    "app_code_malformed": _t(
        QT_TRANSLATE_NOOP("Refusals", "会员码无法识别, 请会员刷新会员码后重扫")
    ),
    "app_code_key_invalid": _t(
        QT_TRANSLATE_NOOP(
            "Refusals", "本机的总部密钥配置有误, 无法校验会员码; 请改用会员卡/手机号并联系技术支持"
        )
    ),
    # -------------------------------------------------------------- gifts
    "no_gift": _t(QT_TRANSLATE_NOOP("Refusals", "没有可领的礼品")),
    "no_gift/monthly": _t(QT_TRANSLATE_NOOP("Refusals", "该会员等级没有月券礼")),
    "no_gift/birthday": _t(QT_TRANSLATE_NOOP("Refusals", "本方案没有生日礼")),
    "gift_not_claimable": _t(QT_TRANSLATE_NOOP("Refusals", "现在不能领取该礼品")),
    "gift_not_claimable/monthly": _t(
        QT_TRANSLATE_NOOP("Refusals", "月券礼在每月 {first}-{last} 日领取")
    ),
    "gift_not_claimable/birthday": _t(QT_TRANSLATE_NOOP("Refusals", "生日礼在生日当月领取")),
    "gift_not_claimable/birthday_on_file": _t(
        QT_TRANSLATE_NOOP("Refusals", "生日登记满 {days} 天后才能领生日礼 ({date} 起)")
    ),
    "gift_already_claimed": _t(QT_TRANSLATE_NOOP("Refusals", "{gift} ({period}) 已领取过")),
    "unknown_gift": _t(QT_TRANSLATE_NOOP("Refusals", "没有这种礼品: {gift}")),
    # -------------------------------------------------------------- the sale
    "no_open_sale": _t(QT_TRANSLATE_NOOP("Refusals", "当前没有进行中的销售")),
    "no_open_sale/hold": _t(QT_TRANSLATE_NOOP("Refusals", "没有可挂起的销售")),
    "no_open_sale/pay": _t(QT_TRANSLATE_NOOP("Refusals", "没有待收款的销售")),
    "no_open_sale/stale": _t(QT_TRANSLATE_NOOP("Refusals", "这笔付款不属于当前销售")),
    "sale_open": _t(QT_TRANSLATE_NOOP("Refusals", "请先结账或挂起当前销售")),
    "no_held_sale": _t(QT_TRANSLATE_NOOP("Refusals", "没有挂单")),
    "unknown_held_sale": _t(QT_TRANSLATE_NOOP("Refusals", "没有这笔挂单")),
    "unknown_product": _t(QT_TRANSLATE_NOOP("Refusals", "没有商品码 {barcode}")),
    "unknown_product/scale": _t(QT_TRANSLATE_NOOP("Refusals", "没有秤码商品号为 {item} 的商品")),
    "bad_check_digit": _t(QT_TRANSLATE_NOOP("Refusals", "条码 {barcode} 校验位错误, 请重扫")),
    "bad_check_digit/scale": _t(QT_TRANSLATE_NOOP("Refusals", "秤码 {barcode} 校验位错误, 请重扫")),
    "invalid_quantity": _t(
        QT_TRANSLATE_NOOP("Refusals", "{name} 按件销售, 数量不能是 {qty}"),
        QT_TRANSLATE_NOOP("Refusals", "数量有误: “{text}”"),
        QT_TRANSLATE_NOOP("Refusals", "数量必须大于零"),
    ),
    "invalid_quantity/fixed": _t(QT_TRANSLATE_NOOP("Refusals", "这一行的数量不能这样修改")),
    "invalid_quantity/positive": _t(QT_TRANSLATE_NOOP("Refusals", "数量必须大于零")),
    "invalid_quantity/zero_weight": _t(QT_TRANSLATE_NOOP("Refusals", "秤码 {barcode} 重量为零")),
    "invalid_quantity/zero_price": _t(QT_TRANSLATE_NOOP("Refusals", "秤码 {barcode} 金额为零")),
    "unknown_line": _t(
        QT_TRANSLATE_NOOP("Refusals", "没有第 {line} 行"),
        QT_TRANSLATE_NOOP("Refusals", "不是行号: “{text}”"),
    ),
    "invalid_amount": _t(
        QT_TRANSLATE_NOOP("Refusals", "不是有效金额: “{text}”"),
        QT_TRANSLATE_NOOP("Refusals", "请输入正确的金额"),
    ),
    "invalid_amount/negative": _t(QT_TRANSLATE_NOOP("Refusals", "金额不能为负数")),
    "invalid_amount/positive": _t(QT_TRANSLATE_NOOP("Refusals", "金额必须大于零")),
    "invalid_percent": _t(
        QT_TRANSLATE_NOOP("Refusals", "折扣须为 1-100%, 不能是 {percent}%"),
    ),
    "invalid_discount": _t(
        QT_TRANSLATE_NOOP("Refusals", "不是折扣: “{text}” (可输入 9折、15% 或金额)"),
    ),
    "discount_over_total": _t(
        QT_TRANSLATE_NOOP("Refusals", "折扣 ￥{amount} 超过应付 ￥{due}"),
    ),
    # -------------------------------------------------------------- coupons
    "unknown_coupon": _t(QT_TRANSLATE_NOOP("Refusals", "会员没有这张优惠券 ({coupon})")),
    "coupon_duplicate": _t(QT_TRANSLATE_NOOP("Refusals", "优惠券 {name} 选了两次")),
    "coupon_used": _t(QT_TRANSLATE_NOOP("Refusals", "优惠券 {name} 已使用")),
    "coupon_revoked": _t(QT_TRANSLATE_NOOP("Refusals", "优惠券 {name} 已作废")),
    "coupon_expired": _t(
        QT_TRANSLATE_NOOP("Refusals", "优惠券 {name} 已于 {date} 过期"),
        QT_TRANSLATE_NOOP("Refusals", "优惠券 {name} 已过期"),
    ),
    "coupon_below_threshold": _t(
        QT_TRANSLATE_NOOP("Refusals", "{name}: 适用商品 ￥{spend} 未达门槛 ￥{threshold}"),
        QT_TRANSLATE_NOOP("Refusals", "所选优惠券门槛合计 ￥{need} 超过小计 ￥{subtotal}"),
    ),
    "coupon_not_stackable": _t(QT_TRANSLATE_NOOP("Refusals", "本方案每单只能用一张优惠券")),
    "coupon_no_discount": _t(QT_TRANSLATE_NOOP("Refusals", "{name} 在本单减不了钱, 请保留")),
    # -------------------------------------------------------------- tenders
    "no_tenders": _t(QT_TRANSLATE_NOOP("Refusals", "还没有录入付款")),
    "unknown_tender": _t(QT_TRANSLATE_NOOP("Refusals", "没有这种付款方式: {tender}")),
    "invalid_coins": _t(QT_TRANSLATE_NOOP("Refusals", "请输入正整数个{coin}")),
    "coins_exceed_due": _t(
        QT_TRANSLATE_NOOP("Refusals", "{coins} {coin} (￥{amount}) 超过还需支付的 ￥{still}")
    ),
    "insufficient_coins": _t(
        QT_TRANSLATE_NOOP("Refusals", "{coin}只有 {have} 个可用, 不够 {want} 个")
    ),
    "invalid_points": _t(
        QT_TRANSLATE_NOOP("Refusals", "{points} 积分按每元 {rate} 积分折算不是整分"),
        QT_TRANSLATE_NOOP("Refusals", "请输入正整数积分"),
    ),
    "points_not_payable": _t(QT_TRANSLATE_NOOP("Refusals", "本方案积分不能抵现")),
    "points_exceed_due": _t(QT_TRANSLATE_NOOP("Refusals", "{points} 积分超过还需支付的 ￥{still}")),
    "insufficient_points": _t(
        QT_TRANSLATE_NOOP("Refusals", "积分只有 {have} 可用, 不够 {want}"),
    ),
    "tender_exceeds_due": _t(
        QT_TRANSLATE_NOOP("Refusals", "{tender} ￥{amount} 超过还需支付的 ￥{still}")
    ),
    "tender_exceeds_due/change": _t(
        QT_TRANSLATE_NOOP("Refusals", "只有现金可以找零: 还差 ￥{still}")
    ),
    "no_stored_value": _t(QT_TRANSLATE_NOOP("Refusals", "本方案没有储值")),
    "insufficient_stored_value": _t(
        QT_TRANSLATE_NOOP("Refusals", "储值余额 ￥{balance}, 不够支付 ￥{amount}")
    ),
    "payment_short": _t(QT_TRANSLATE_NOOP("Refusals", "还差 ￥{still}")),
    "offline_limit": _t(
        QT_TRANSLATE_NOOP("Refusals", "离线销售: {coin}与储值今天最多还能用 ￥{limit}")
    ),
    "invalid_payment_code": _t(QT_TRANSLATE_NOOP("Refusals", "不是微信或支付宝付款码")),
    "payment_not_taken": _t(
        QT_TRANSLATE_NOOP("Refusals", "移动支付 ￥{amount} 未收款: 请顾客重新出示付款码")
    ),
    "payment_not_refunded": _t(
        QT_TRANSLATE_NOOP("Refusals", "移动支付 ￥{amount} 未退款: 该笔付款保留")
    ),
    "mobile_charged": _t(
        QT_TRANSLATE_NOOP("Refusals", "已扫码收款 ￥{amount}: 请先选中该笔按 Del 退款")
    ),
    "tender_not_allowed": _t(QT_TRANSLATE_NOOP("Refusals", "充值只能用现金、银行卡或移动支付")),
    "tender_not_allowed/card": _t(
        QT_TRANSLATE_NOOP("Refusals", "充值卡只能用现金、银行卡或移动支付购买")
    ),
    # -------------------------------------------------------------- money desk
    "invalid_card_value": _t(QT_TRANSLATE_NOOP("Refusals", "没有面值 ￥{value} 的充值卡")),
    "invalid_card_number": _t(QT_TRANSLATE_NOOP("Refusals", "卡号有误: “{number}”")),
    "card_exists": _t(QT_TRANSLATE_NOOP("Refusals", "卡 {number} 已售出")),
    # one text for an unknown card, a wrong PIN, a locked card and a used one (staff.py)
    "card_refused": _t(
        QT_TRANSLATE_NOOP("Refusals", "卡号或卡密错误, 或该卡已使用, 或多次输错已锁定 (请稍后再试)")
    ),
    "nothing_to_refund": _t(QT_TRANSLATE_NOOP("Refusals", "没有可退的储值本金")),
    # -------------------------------------------------------------- returns
    "unknown_receipt": _t(QT_TRANSLATE_NOOP("Refusals", "没有小票号为 {receipt} 的销售")),
    "unknown_receipt/scenario": _t(QT_TRANSLATE_NOOP("Refusals", "剧本中没有第 {n} 笔销售")),
    "already_returned": _t(QT_TRANSLATE_NOOP("Refusals", "这张小票的商品已全部退货")),
    "nothing_to_return": _t(QT_TRANSLATE_NOOP("Refusals", "请输入要退的行号 (整单退货则不输入)")),
    "invalid_return": _t(QT_TRANSLATE_NOOP("Refusals", "第 {line} 行输入了两次")),
    "return_exceeds_sale": _t(QT_TRANSLATE_NOOP("Refusals", "第 {line} 行只剩 {left} 可退")),
    "invalid_refund_tender": _t(QT_TRANSLATE_NOOP("Refusals", "只能退现金或退回储值")),
    "refund_over_price": _t(QT_TRANSLATE_NOOP("Refusals", "退款超过 {name} 的售价")),
    # -------------------------------------------------------------- devices, script
    "scan_dropped": _t(QT_TRANSLATE_NOOP("Refusals", "扫码无效, 请重扫")),
    "scan_dropped/bad check digit": _t(
        QT_TRANSLATE_NOOP("Refusals", "扫码无效: 校验位错误, 请重扫")
    ),
    "scan_dropped/not printable ASCII": _t(
        QT_TRANSLATE_NOOP("Refusals", "扫码无效: 含无法识别的字符, 请重扫")
    ),
    "scan_dropped/too long": _t(QT_TRANSLATE_NOOP("Refusals", "扫码无效: 码太长, 请重扫")),
    "scan_dropped/too short": _t(QT_TRANSLATE_NOOP("Refusals", "扫码无效: 码太短, 请重扫")),
    "scan_dropped/wrong length": _t(QT_TRANSLATE_NOOP("Refusals", "扫码无效: 长度不对, 请重扫")),
    "scan_dropped/partial frame at timeout": _t(
        QT_TRANSLATE_NOOP("Refusals", "扫码无效: 没有收全, 请重扫")
    ),
    "unsupported_in_script": _t(QT_TRANSLATE_NOOP("Refusals", "窗口上无法演示这一步")),
    "script_unexpected_dialog": _t(QT_TRANSLATE_NOOP("Refusals", "出现了意外的对话框")),
}

#: What a refusal shows for a code it has no text for (never the English message).
UNKNOWN = QT_TRANSLATE_NOOP("Refusals", "无法办理 ({code})")
#: Not a refusal: a fault of the program itself.
INTERNAL = QT_TRANSLATE_NOOP("Refusals", "内部错误: {error}")

TENDER_NAMES = {
    "cash": QT_TRANSLATE_NOOP("Refusals", "现金"),
    "card": QT_TRANSLATE_NOOP("Refusals", "银行卡"),
    "mobile": QT_TRANSLATE_NOOP("Refusals", "移动支付"),
    "stored_value": QT_TRANSLATE_NOOP("Refusals", "储值"),
    "points": QT_TRANSLATE_NOOP("Refusals", "积分"),
}
GIFT_NAMES = {
    "monthly": QT_TRANSLATE_NOOP("Refusals", "月券礼"),
    "birthday": QT_TRANSLATE_NOOP("Refusals", "生日礼"),
}
# What a manager authorises (the counter's ``action``); another action gets the plain text.
ACTION_NAMES = {
    "price override": QT_TRANSLATE_NOOP("Refusals", "改价"),
    "whole-sale discount": QT_TRANSLATE_NOOP("Refusals", "整单折扣"),
    "recharge": QT_TRANSLATE_NOOP("Refusals", "充值"),
    "stored-value refund": QT_TRANSLATE_NOOP("Refusals", "退储值"),
    "void": QT_TRANSLATE_NOOP("Refusals", "作废已结小票"),
    "return without receipt": QT_TRANSLATE_NOOP("Refusals", "无小票退货"),
}
#: The coins' name when neither the error nor the caller gives the program's.
COINS = QT_TRANSLATE_NOOP("Refusals", "币")

# The coupon explanation beside the member's coupons (terminal.rules.coupons.Why).
WHY: dict[str, str] = {
    "none": QT_TRANSLATE_NOOP("CouponReason", "无可用优惠券"),
    "chosen": QT_TRANSLATE_NOOP("CouponReason", "店员选择"),
    "best": QT_TRANSLATE_NOOP("CouponReason", "已选最优: {picked}, 共减 ￥{discount}"),
}
WHY_NEED = QT_TRANSLATE_NOOP("CouponReason", " (门槛合计 ￥{need} ≤ 小计 ￥{subtotal})")
WHY_LEFT = QT_TRANSLATE_NOOP("CouponReason", "; 另有 {left} 张本单不可叠加")


def tr(text: str, context: str = CONTEXT) -> str:
    return QCoreApplication.translate(context, text)


def fields(text: str) -> set[str]:
    """The ``{figures}`` a text needs."""
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def texts_for(code: str, case: str = "") -> Sequence[str]:
    """The source texts a refusal of ``code`` (and ``case``) chooses from; () if none."""
    return TEXTS.get(f"{code}/{case}") or TEXTS.get(code) or ()


def choose(candidates: Sequence[str], have: set[str]) -> str:
    """The first text whose figures are all given (else the last: the plainest)."""
    return next((t for t in candidates if fields(t) <= have), candidates[-1])


def _figures(params: Mapping[str, Param], coin: str) -> dict[str, str]:
    out = {k: str(v) for k, v in params.items()}
    out.setdefault("coin", coin or tr(COINS))
    tender = str(params.get("tender", ""))
    if tender == "coins":
        out["tender"] = out["coin"]
    elif tender in TENDER_NAMES:
        out["tender"] = tr(TENDER_NAMES[tender])
    action = str(params.get("action", ""))
    if action in ACTION_NAMES:
        out["action"] = tr(ACTION_NAMES[action])
    else:
        out.pop("action", None)  # the counter's English: not for the screen
    gift = str(params.get("gift", ""))
    if gift in GIFT_NAMES:
        out["gift"] = tr(GIFT_NAMES[gift])
    return out


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:  # a figure the raise did not give: never crash
        return "?"


def refusal_text(err: BaseException, coin: str = "") -> str:
    """What the screen says for ``err``, in the installed language; ``coin`` is the
    program's name for its coins (番茄币).

    The counter's refusals (every code and figure known: tests/ui/test_refusals.py) get
    the table's words. A refusal the screen made itself, already in its language (a
    form's check: ``self.tr`` text, no figures), keeps its own message when the table
    has no text for it or lacks its figures; the counter's English never shows on the
    Chinese screen."""
    if not isinstance(err, PosError):
        return tr(INTERNAL).format(error=repr(err))
    params = err.params
    candidates = texts_for(err.code, str(params.get("case", "")))
    figures = _figures(params, coin)
    text = choose(candidates, set(figures)) if candidates else ""
    if (not text or not fields(text) <= set(figures)) and _worded(err.message):
        return err.message
    if not text:
        return tr(UNKNOWN).format(code=err.code)
    return tr(text).format_map(_Blank(figures))


def _worded(message: str) -> bool:
    """Whether a message can be shown as it is: in Chinese, or the screen is in English."""
    return bool(message) and (_CJK.search(message) is not None or english())


def coupon_text(why: Why) -> str:
    """The coupon explanation (what was picked, against which subtotal) in the screen's
    language; "" when there is none."""
    if why.code not in WHY:
        return ""
    figures = _Blank({k: str(v) for k, v in why.params})
    text = tr(WHY[why.code], "CouponReason").format_map(figures)
    if "need" in figures:
        text += tr(WHY_NEED, "CouponReason").format_map(figures)
    if int(figures.get("left", "0")):
        text += tr(WHY_LEFT, "CouponReason").format_map(figures)
    return text
