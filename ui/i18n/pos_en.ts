<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>CustomerDisplay</name>
    <message>
        <location filename="../customer.py" line="+40"/>
        <source>{store} · 顾客显示</source>
        <translation>{store} · Customer display</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>欢迎光临 {store}</source>
        <translation>Welcome to {store}</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>应付</source>
        <translation>To pay</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>已为您节省 ￥{amount}</source>
        <translation>You save ￥{amount}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>会员请出示会员码</source>
        <translation>Members: please show your member code</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>会员</source>
        <translation>Member</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>储值 ￥{amount}</source>
        <translation>Stored value ￥{amount}</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>可用优惠券 %n 张</source>
        <translation>
            <numerusform>%n coupon to use</numerusform>
            <numerusform>%n coupons to use</numerusform>
        </translation>
    </message>
    <message>
        <location line="+9"/>
        <source>找零 ￥{amount}</source>
        <translation>Change ￥{amount}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>谢谢惠顾</source>
        <translation>Thank you for shopping with us</translation>
    </message>
</context>
<context>
    <name>Dialogs</name>
    <message>
        <location filename="../dialogs.py" line="+59"/>
        <source>确认 (回车)</source>
        <translation>OK (Enter)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <location line="+295"/>
        <source>打印 (P)</source>
        <translation>Print (P)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>Language</name>
    <message>
        <location filename="../lang.py" line="+54"/>
        <source>zh_CN</source>
        <extracomment>Translate as the language&apos;s code: &quot;en&quot; for English. The till reads it back.</extracomment>
        <translation>en</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../main_window.py" line="+174"/>
        <source>{store} · 收银台 {till}</source>
        <translation>{store} · Till {till}</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>扫码 / 输入商品码 · 数量* · 会员码或手机号</source>
        <translation>Scan / type a product code · quantity* · member code or phone number</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>原价合计</source>
        <translation>Regular total</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员优惠</source>
        <translation>Member savings</translation>
    </message>
    <message>
        <location line="-143"/>
        <location line="+144"/>
        <source>优惠券</source>
        <translation>Coupons</translation>
    </message>
    <message>
        <location line="-123"/>
        <location line="+124"/>
        <location line="+721"/>
        <source>整单折扣</source>
        <translation>Whole-sale discount</translation>
    </message>
    <message>
        <location line="-716"/>
        <source>应收</source>
        <translation>Due</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>店长授权:</source>
        <translation>Store manager (PIN):</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>&lt;b&gt;{store}&lt;/b&gt; · 收银台 {till} · 收银员 {cashier}</source>
        <translation>&lt;b&gt;{store}&lt;/b&gt; · Till {till} · Cashier {cashier}</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>✗ 内部错误: {error}</source>
        <translation>✗ Internal error: {error}</translation>
    </message>
    <message numerus="yes">
        <location line="+26"/>
        <source>挂单 %n 笔 (F4 取单)</source>
        <translation>
            <numerusform>%n held sale (F4 recall sale)</numerusform>
            <numerusform>%n held sales (F4 recall sale)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员: 扫会员码或输入手机号 (F2)</source>
        <translation>Member: scan the member code or type the phone number (F2)</translation>
    </message>
    <message>
        <location line="+13"/>
        <location line="+180"/>
        <source>有效期至 {date}</source>
        <translation>valid through {date}</translation>
    </message>
    <message>
        <location line="-176"/>
        <source>未达等级</source>
        <translation>No tier yet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>会员 {member}</source>
        <translation>Member {member}</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>(30天内到期 {n})</source>
        <translation>({n} expire within 30 days)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>储值 &lt;b&gt;￥{total}&lt;/b&gt; (本金 {principal} 赠 {gift})</source>
        <translation>Stored value &lt;b&gt;￥{total}&lt;/b&gt; (principal {principal}, gift {gift})</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>优惠券 %n 张</source>
        <translation>
            <numerusform>%n coupon</numerusform>
            <numerusform>%n coupons</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>、</source>
        <extracomment>The separator between the gifts&apos; names in a list: &quot;, &quot; in English.</extracomment>
        <translation>, </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{gifts}可领取 (F6)</source>
        <translation>{gifts} to claim (F6)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>分群: {name} → {action}</source>
        <translation>Segment: {name} → {action}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>欠款: {coin} {coins}, 储值 ￥{sv} (离线透支)</source>
        <translation>Owed: {coin} {coins}, stored value ￥{sv} (overdrawn while offline)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>设备: 模拟</source>
        <translation>Devices: simulated</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>离线销售中: {coin}与储值每位会员每日合计限 ￥{limit}, 联网后自动同步</source>
        <translation>Selling offline: {coin} and stored value limited to ￥{limit} a member a day in total; sync runs once back online</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>数量 {qty} ×  请扫码</source>
        <translation>Quantity {qty} ×  scan the item</translation>
    </message>
    <message numerus="yes">
        <location line="+15"/>
        <source>扫码已暂存 (%n), 关闭对话框后加入本单</source>
        <translation>
            <numerusform>%n scan held; it goes into the sale when the dialog closes</numerusform>
            <numerusform>%n scans held; they go into the sale when the dialog closes</numerusform>
        </translation>
    </message>
    <message>
        <location line="+23"/>
        <source>会员 {code} 已识别</source>
        <translation>Member {code} identified</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>请扫会员码或输入手机号 (回车)</source>
        <translation>Scan the member code or type the phone number (Enter)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已自动选择最优优惠券</source>
        <translation>Best coupons chosen</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>输入券号 (空格分隔, 空 = 不用券), 回车确认</source>
        <translation>Type coupon numbers (space separated, empty = no coupon), Enter to confirm</translation>
    </message>
    <message>
        <location line="-455"/>
        <location line="+456"/>
        <source>选择优惠券</source>
        <translation>Choose coupons</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>已选择优惠券 {ids}</source>
        <translation>Coupons chosen: {ids}</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>无</source>
        <translation>none</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>已删除第 {no} 行</source>
        <translation>Line {no} deleted</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本单已作废</source>
        <translation>Sale voided</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>已挂单</source>
        <translation>Sale held</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>没有挂单</source>
        <translation>No held sale</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>已取单</source>
        <translation>Sale recalled</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>可领取</source>
        <translation>to claim</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>领取会员礼券</source>
        <translation>Claim member gifts</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>输入序号 (回车领取)</source>
        <translation>Type the numbers (Enter claims)</translation>
    </message>
    <message numerus="yes">
        <location line="+10"/>
        <source>已领取 %n 张优惠券</source>
        <translation>
            <numerusform>%n coupon claimed</numerusform>
            <numerusform>%n coupons claimed</numerusform>
        </translation>
    </message>
    <message>
        <location line="+33"/>
        <source>✓ 已收款 小票 {receipt} 找零 ￥{change}</source>
        <translation>✓ Paid · receipt {receipt} · change ￥{change}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>✗ 打印 {job} 失败: {error}</source>
        <translation>✗ Printing {job} failed: {error}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>充值: 请先识别会员 (F2)</source>
        <translation>Recharge: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>无赠送</source>
        <translation>no gift</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>赠 ￥{amount}</source>
        <translation>gift ￥{amount}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>赠 {n} {coin}</source>
        <translation>gift {n} {coin}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>{gift} · 充后储值 ￥{after}</source>
        <translation>{gift} · stored value after ￥{after}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>满 ￥{at_least} {gift}</source>
        <translation>from ￥{at_least}: {gift}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>给 {member} {name} 充值 (现储值 ￥{balance})</source>
        <translation>Recharge for {member} {name} (stored value now ￥{balance})</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>充值礼: {steps}</source>
        <translation>Recharge gifts: {steps}</translation>
    </message>
    <message>
        <location line="-621"/>
        <location line="+622"/>
        <source>充值</source>
        <translation>Recharge</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>充值 ￥{amount} 给 {member}, {gift}</source>
        <translation>Recharge ￥{amount} for {member}, {gift}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>✓ 已充值 ￥{amount}</source>
        <translation>✓ Recharged ￥{amount}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>退货: 请扫小票上的条码 (整单退, Shift+F10 按行退)</source>
        <translation>Return: scan the barcode on the receipt (whole sale; Shift+F10 by line)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>部分退货: 请扫小票上的条码</source>
        <translation>Partial return: scan the barcode on the receipt</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>输入 行号x数量 (空格分隔, 如 1x2 3x0.5)</source>
        <translation>Type line x quantity (space separated, e.g. 1x2 3x0.5)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>部分退货 · 小票 {receipt}</source>
        <translation>Partial return · receipt {receipt}</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>退货 小票 {receipt}</source>
        <translation>Return of receipt {receipt}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>✓ 已退货 小票 {receipt} 退款 ￥{refund}</source>
        <translation>✓ Returned · receipt {receipt} · refund ￥{refund}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>钱箱未打开: 打印机未就绪 (钱箱接在打印机上)</source>
        <translation>Cash drawer not opened: the printer is not ready (the drawer is on the printer)</translation>
    </message>
    <message>
        <location line="+51"/>
        <source>报表</source>
        <translation>Report</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>实点 ￥{amount}</source>
        <translation>Counted ￥{amount}</translation>
    </message>
    <message>
        <location line="-778"/>
        <location line="+780"/>
        <source>交班</source>
        <translation>Shift handover</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>清点钱箱现金</source>
        <translation>Count the cash in the cash drawer</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>店长 · 需店长授权</source>
        <translation>Store manager · needs the store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="+25"/>
        <source>改价: 本单没有商品</source>
        <translation>Price override: the sale has no items</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>第 {no} 行 {name} × {qty}
现单价 ￥{price}, 输入新单价</source>
        <translation>Line {no} {name} × {qty}
Unit price now ￥{price}; type the new unit price</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>新单价 ￥{price}</source>
        <translation>New unit price ￥{price}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>改价</source>
        <translation>Price override</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>改价 第 {no} 行 {name}: ￥{old} → ￥{new}</source>
        <translation>Price override, line {no} {name}: ￥{old} → ￥{new}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 第 {no} 行已改价 ￥{price}</source>
        <translation>✓ Price override on line {no}: ￥{price}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>整单折扣: 本单没有商品</source>
        <translation>Whole-sale discount: the sale has no items</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>折后应收 ￥{due}</source>
        <translation>Due after the discount ￥{due}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>应收 ￥{due}, 输入折扣金额</source>
        <translation>Due ￥{due}; type the discount amount</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>✓ 整单折扣 ￥{amount}</source>
        <translation>✓ Whole-sale discount ￥{amount}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>整单折扣 ￥{amount} (应收 ￥{due}, {note})</source>
        <translation>Whole-sale discount ￥{amount} (due ￥{due}, {note})</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>退储值: 请先识别会员 (F2)</source>
        <translation>Stored value refund: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>退储值: {member} 没有可退的储值本金</source>
        <translation>Stored value refund: {member} has no principal to refund</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>退储值 给 {member}: 退现金 ￥{principal} (赠送 ￥{gift} 作废)</source>
        <translation>Stored value refund for {member}: ￥{principal} in cash (the gift ￥{gift} lapses)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 已退储值 ￥{amount} (现金), 赠送金额作废</source>
        <translation>✓ Stored value refunded: ￥{amount} (cash); the gift lapses</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>作废已结小票: 请扫小票上的条码 (Esc 取消)</source>
        <translation>Void a paid receipt: scan the barcode on the receipt (Esc cancels)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>作废小票 {receipt} (￥{total}, 全额退回)</source>
        <translation>Void receipt {receipt} (￥{total}, refunded in full)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>✓ 已作废小票 {receipt} 退款 ￥{refund}</source>
        <translation>✓ Receipt {receipt} voided · refund ￥{refund}</translation>
    </message>
    <message>
        <location line="-902"/>
        <location line="+911"/>
        <source>开钱箱</source>
        <translation>Open cash drawer</translation>
    </message>
    <message>
        <location line="-964"/>
        <source>已断开</source>
        <translation>disconnected</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>离线</source>
        <translation>offline</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>缺纸</source>
        <translation>paper out</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>纸仓盖打开</source>
        <translation>cover open</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>无响应</source>
        <translation>not responding</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>设置有误</source>
        <translation>misconfigured</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已连接</source>
        <translation>connected</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>正常</source>
        <translation>OK</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>在线</source>
        <translation>online</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>单机</source>
        <translation>standalone</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>检测中</source>
        <translation>checking</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>打印机</source>
        <translation>Printer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码枪</source>
        <translation>Scanner</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>键盘扫码</source>
        <translation>Keyboard scanner</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>总部</source>
        <translation>HQ</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>小票已保存, 恢复后自动打印</source>
        <translation>receipts are kept and print once it is back</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员</source>
        <translation>Member</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>挂单/取单</source>
        <translation>Hold/Recall</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>售卡</source>
        <translation>Sell card</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>领券</source>
        <translation>Gifts</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>注册</source>
        <translation>Register</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>收款</source>
        <translation>Tender</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>退货</source>
        <translation>Return</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>X报表</source>
        <translation>X report</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>删除行</source>
        <translation>Delete line</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>作废</source>
        <translation>Void</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>充值卡绑定到会员</source>
        <translation>Load a prepaid card onto the member</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>部分退货 (按行)</source>
        <translation>Partial return (by line)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>补打上一张小票</source>
        <translation>Reprint the last receipt</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>改价 (选中行)</source>
        <translation>Price override (selected line)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>退储值</source>
        <translation>Stored value refund</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>作废已结小票</source>
        <translation>Void a paid receipt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>日结 (Z 报表)</source>
        <translation>Day close (Z report)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>换零钱</source>
        <translation>Get small change</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>存入备用金</source>
        <translation>Put in float</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>取出大额现金</source>
        <translation>Take out large notes</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>核对现金</source>
        <translation>Check the cash</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>月券礼</source>
        <translation>monthly coupons</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>生日礼</source>
        <translation>birthday gift</translation>
    </message>
    <message>
        <location line="+700"/>
        <source>还没有可补打的小票</source>
        <translation>No receipt to reprint yet</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>已补打小票 {r}</source>
        <translation>Receipt {r} reprinted</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>补打小票 {r}</source>
        <translation>Reprint receipt {r}</translation>
    </message>
    <message>
        <location line="+175"/>
        <source>输入序号或原因 (回车)</source>
        <translation>Type a number or a reason (Enter)</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>已记录开钱箱 ({reason}), 但钱箱未打开: 打印机未就绪</source>
        <translation>Drawer opening recorded ({reason}), but the cash drawer did not open: the printer is not ready</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 钱箱已打开 ({reason})</source>
        <translation>✓ Cash drawer opened ({reason})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>✓ 已记录开钱箱 ({reason})</source>
        <translation>✓ Drawer opening recorded ({reason})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>开钱箱: {reason}</source>
        <translation>Open cash drawer: {reason}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>日结需要店长授权</source>
        <translation>Day close needs the store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>✓ 已日结 {day} (Z {z})</source>
        <translation>✓ Day close done for {day} (Z {z})</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>日结 {day} (Z 报表): 之后今日不能再收款</source>
        <translation>Day close {day} (Z report): no more sales today after it</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>注册会员</source>
        <translation>Register a member</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>会员卡号</source>
        <translation>Member card number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>手机号</source>
        <translation>Phone number</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>生日 (YYYY-MM-DD, 可空)</source>
        <translation>Birthday (YYYY-MM-DD, optional)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>姓名 (可空)</source>
        <translation>Name (optional)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>新会员注册后即得新会员礼; 扫会员卡识别后使用</source>
        <translation>A new member gets the welcome gift at once; scan the member card to use it</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>✓ 已注册会员 {code}</source>
        <translation>✓ Member {code} registered</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>面值: {values}</source>
        <translation>Face values: {values}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>售充值卡</source>
        <translation>Sell a prepaid card</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+40"/>
        <source>卡号</source>
        <translation>Card number</translation>
    </message>
    <message>
        <location line="-39"/>
        <location line="+39"/>
        <source>密码</source>
        <translation>Card PIN</translation>
    </message>
    <message>
        <location line="-38"/>
        <source>面值</source>
        <translation>Face value</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案不售充值卡</source>
        <translation>This program sells no prepaid cards</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>售卡收款 · {number}</source>
        <translation>Prepaid card payment · {number}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>✓ 已售充值卡 {number} ￥{value}</source>
        <translation>✓ Prepaid card {number} sold: ￥{value}</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>绑卡: 请先识别会员 (F2)</source>
        <translation>Load a prepaid card: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>给 {member}</source>
        <translation>For {member}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>充值卡绑定</source>
        <translation>Load a prepaid card</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>✓ 充值卡 {number} 已存入储值</source>
        <translation>✓ Prepaid card {number} loaded into stored value</translation>
    </message>
</context>
<context>
    <name>MenuDialog</name>
    <message>
        <location filename="../dialogs.py" line="+145"/>
        <source>按数字键选择, Esc 取消</source>
        <translation>Press a number to choose, Esc to cancel</translation>
    </message>
</context>
<context>
    <name>PickDialog</name>
    <message>
        <location line="-79"/>
        <source>(无)</source>
        <translation>(none)</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location line="-131"/>
        <source>店长授权</source>
        <translation>Store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
</context>
<context>
    <name>SaleModel</name>
    <message>
        <location filename="../models.py" line="+26"/>
        <source>商品</source>
        <translation>Item</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>数量</source>
        <translation>Qty</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>单价</source>
        <translation>Unit price</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>会员价</source>
        <translation>member price</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>等级折扣</source>
        <translation>tier discount</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>原 {price}</source>
        <translation>was {price}</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../hq_link.py" line="+31"/>
        <source>总部 未连接 (单店模式)</source>
        <translation>HQ not connected (standalone)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>在线</source>
        <translation>online</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>离线</source>
        <translation>offline</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>上次同步 {time}</source>
        <translation>last sync {time}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>总部 {light} {state} · 待同步 {waiting}</source>
        <translation>HQ {light} {state} · {waiting} waiting to sync</translation>
    </message>
</context>
<context>
    <name>TenderDialog</name>
    <message>
        <location filename="../dialogs.py" line="-267"/>
        <source>现金</source>
        <translation>Cash</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>银行卡</source>
        <translation>Bank card</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>移动支付</source>
        <translation>Mobile pay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>储值</source>
        <translation>Stored value</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>番茄币</source>
        <translation>Coins</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>积分</source>
        <translation>Points</translation>
    </message>
    <message>
        <location line="+63"/>
        <source>收款</source>
        <translation>Tender</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>应收</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>储值余额 ￥{sv} · {coin} {n}</source>
        <translation>Stored value balance ￥{sv} · {coin} {n}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> · 离线限额 ￥{x}</source>
        <translation> · offline limit ￥{x}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>金额 (回车确认)</source>
        <translation>Amount (Enter to confirm)</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>需先识别会员</source>
        <translation>Identify the member first</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案积分不能抵现</source>
        <translation>Points do not pay in this program</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>请输入整数个币</source>
        <translation>Type a whole number of coins</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>请输入整数积分</source>
        <translation>Type a whole number of points</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>金额不对: {t}</source>
        <translation>Not an amount: {t}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>只有现金可以找零: 还差 ￥{r}</source>
        <translation>Only cash gives change: ￥{r} still due</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>现金 ￥{v}</source>
        <translation>Cash ￥{v}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>找零 ￥{c}</source>
        <translation>Change ￥{c}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>还差 ￥{r}</source>
        <translation>Still due ￥{r}</translation>
    </message>
</context>
<context>
    <name>TillDevices</name>
    <message>
        <location filename="../devices.py" line="+272"/>
        <source>✗ 打印机设置有误: {error}</source>
        <translation>✗ Printer settings are wrong: {error}</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>扫码无效: {reason}</source>
        <translation>Invalid scan: {reason}</translation>
    </message>
</context>
</TS>
