<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AmountDialog</name>
    <message>
        <location filename="../dialogs.py" line="+238"/>
        <source>金额不对: {t}</source>
        <translation>Not an amount: {t}</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>请输入金额</source>
        <translation>Enter an amount</translation>
    </message>
</context>
<context>
    <name>ChoiceDialog</name>
    <message>
        <location line="+221"/>
        <source>没有第 {no} 项: 请输入 1-{n}</source>
        <translation>No item {no}: type 1-{n}</translation>
    </message>
</context>
<context>
    <name>CouponReason</name>
    <message>
        <location filename="../refusals.py" line="+338"/>
        <source>无可用优惠券</source>
        <translation>No coupon fits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>店员选择</source>
        <translation>Chosen by the cashier</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已选最优: {picked}, 共减 ￥{discount}</source>
        <translation>Best chosen: {picked}, ￥{discount} off</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> (门槛合计 ￥{need} ≤ 小计 ￥{subtotal})</source>
        <translation> (thresholds together ￥{need} ≤ subtotal ￥{subtotal})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>; 另有 {left} 张本单不可叠加</source>
        <translation>; {left} more cannot stack on this sale</translation>
    </message>
</context>
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
        <location filename="../dialogs.py" line="-395"/>
        <source>确认 (回车)</source>
        <translation>OK (Enter)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <location line="+184"/>
        <source>打印 (P)</source>
        <translation>Print (P)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>关闭 (Esc)</source>
        <translation>Close (Esc)</translation>
    </message>
</context>
<context>
    <name>FormDialog</name>
    <message>
        <location line="+283"/>
        <source>扫码或输入</source>
        <translation>Scan or type</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>请填写{field}</source>
        <translation>Fill in {field}</translation>
    </message>
</context>
<context>
    <name>HeldDesk</name>
    <message>
        <location filename="../desks/held.py" line="+20"/>
        <source>已挂单</source>
        <translation>Sale held</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>非会员</source>
        <translation>Non-member</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n 行</source>
        <translation>
            <numerusform>%n line(s)</numerusform>
            <numerusform>%n line(s)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+5"/>
        <source>没有挂单</source>
        <translation>No held sale</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>取单 · 挂单 %n 笔</source>
        <translation>
            <numerusform>Recall · %n held sale(s)</numerusform>
            <numerusform>Recall · %n held sale(s)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>输入序号 (回车取高亮的一笔, ↑↓ 选择, Esc 取消)</source>
        <translation>Type the number (Enter takes the highlighted one, ↑↓ to choose, Esc cancels)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>已取单 {time} ￥{due}</source>
        <translation>Recalled {time} ¥{due}</translation>
    </message>
    <message numerus="yes">
        <location line="+12"/>
        <source>还有 %n 笔挂单未结 (F4 取单)。</source>
        <translation>
            <numerusform>%n held sale(s) still open (F4 recalls).</numerusform>
            <numerusform>%n held sale(s) still open (F4 recalls).</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>仍要{what}?</source>
        <translation>{what} anyway?</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>仍要{what}</source>
        <translation>{what} anyway</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>返回</source>
        <translation>Go back</translation>
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
        <location filename="../main_window.py" line="+226"/>
        <source>{store} · 收银台 {till}</source>
        <translation>{store} · Till {till}</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>扫码 / 输入商品码 · 数量* · 会员码或手机号</source>
        <translation>Scan / type a product code · quantity* · member code or phone number</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>原价合计</source>
        <translation>Regular total</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员优惠</source>
        <translation>Member savings</translation>
    </message>
    <message>
        <location line="-190"/>
        <location line="+191"/>
        <source>优惠券</source>
        <translation>Coupons</translation>
    </message>
    <message>
        <location line="-166"/>
        <source>改数量 (选中行)</source>
        <translation>Change quantity (selected line)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>改价 / 折扣 (选中行)</source>
        <translation>Price override / discount (selected line)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+163"/>
        <source>整单折扣</source>
        <translation>Whole-sale discount</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>应收</source>
        <translation>Due</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>店长授权:</source>
        <translation>Store manager (PIN):</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>&lt;b&gt;{store}&lt;/b&gt; · 收银台 {till} · 收银员 {cashier}</source>
        <translation>&lt;b&gt;{store}&lt;/b&gt; · Till {till} · Cashier {cashier}</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>✗ 内部错误: {error}</source>
        <translation>✗ Internal error: {error}</translation>
    </message>
    <message numerus="yes">
        <location line="+27"/>
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
        <location line="+18"/>
        <source>有效期至 {date}</source>
        <translation>valid through {date}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>未达等级</source>
        <translation>No tier yet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>会员 {member}</source>
        <translation>Member {member}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>(30天内到期 {n})</source>
        <translation>({n} expire within 30 days)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>储值 &lt;b&gt;￥{total}&lt;/b&gt; (本金 {principal} 赠 {gift})</source>
        <translation>Stored value &lt;b&gt;￥{total}&lt;/b&gt; (principal {principal}, gift {gift})</translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
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
        <location line="+5"/>
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
        <location line="+41"/>
        <source>离线销售中: {coin}与储值每位会员每日合计限 ￥{limit}, 联网后自动同步</source>
        <translation>Selling offline: {coin} and stored value limited to ￥{limit} a member a day in total; sync runs once back online</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>数量 {qty} ×  请扫码</source>
        <translation>Quantity {qty} ×  scan the item</translation>
    </message>
    <message numerus="yes">
        <location line="+27"/>
        <source>扫码已暂存 (%n), 关闭对话框后加入本单</source>
        <translation>
            <numerusform>%n scan held; it goes into the sale when the dialog closes</numerusform>
            <numerusform>%n scans held; they go into the sale when the dialog closes</numerusform>
        </translation>
    </message>
    <message>
        <location line="-486"/>
        <source>选择优惠券</source>
        <translation>Choose coupons</translation>
    </message>
    <message>
        <location line="+529"/>
        <source>✗ 打印 {job} 失败: {error}</source>
        <translation>✗ Printing {job} failed: {error}</translation>
    </message>
    <message>
        <location line="-537"/>
        <source>充值</source>
        <translation>Recharge</translation>
    </message>
    <message>
        <location line="+561"/>
        <source>钱箱未打开: 打印机未就绪 (钱箱接在打印机上)</source>
        <translation>Cash drawer not opened: the printer is not ready (the drawer is on the printer)</translation>
    </message>
    <message>
        <location line="-558"/>
        <source>交班</source>
        <translation>Shift handover</translation>
    </message>
    <message>
        <location line="+612"/>
        <source>店长 · 需店长授权</source>
        <translation>Store manager · needs the store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="-589"/>
        <location line="+597"/>
        <source>开钱箱</source>
        <translation>Open cash drawer</translation>
    </message>
    <message>
        <location line="-670"/>
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
        <location line="+1"/>
        <source>校验未通过</source>
        <translation>failed its check</translation>
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
        <location line="+12"/>
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
        <location line="+1"/>
        <source>本机账本</source>
        <translation>Ledger</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>小票已保存, 恢复后自动打印</source>
        <translation>receipts are kept and print once it is back</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已停止收款, 请联系总部</source>
        <translation>taking money has stopped, contact head office</translation>
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
        <source>充值记录 / 补打</source>
        <translation>Recharge history / reprint</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>部分退货 (按行)</source>
        <translation>Partial return (by line)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>锁屏 (本单保留)</source>
        <translation>Lock the screen (the sale is kept)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>补打上一张小票</source>
        <translation>Reprint the last receipt</translation>
    </message>
    <message>
        <location line="+6"/>
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
        <location line="+294"/>
        <source>会员状态: {status}</source>
        <translation>Status: {status}</translation>
    </message>
    <message>
        <location line="+257"/>
        <source>还没有可补打的小票</source>
        <translation>No receipt to reprint yet</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>已补打小票 {r}</source>
        <translation>Receipt {r} reprinted</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>补打小票 {r}</source>
        <translation>Reprint receipt {r}</translation>
    </message>
    <message>
        <location line="+22"/>
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
</context>
<context>
    <name>MemberStatus</name>
    <message>
        <location line="-676"/>
        <source>注册</source>
        <translation>registered</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>充值</source>
        <translation>recharged</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>激活</source>
        <translation>active</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>沉睡</source>
        <translation>sleeping</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>消亡</source>
        <translation>closed</translation>
    </message>
</context>
<context>
    <name>MembersDesk</name>
    <message>
        <location filename="../desks/members.py" line="+22"/>
        <source>月券礼</source>
        <translation>monthly coupons</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>生日礼</source>
        <translation>birthday gift</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>仍为会员 {member}</source>
        <translation>Still member {member}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>本单已有会员 {old} {name} 和商品。
换成会员 {new}?</source>
        <translation>This sale already has member {old} {name} and items.
Change to member {new}?</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>更换会员</source>
        <translation>Change member</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>更换</source>
        <translation>Change</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>保留原会员</source>
        <translation>Keep the member</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>会员 {code} 已识别</source>
        <translation>Member {code} identified</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>请扫会员码或输入手机号 (回车)</source>
        <translation>Scan the member code or type the phone number (Enter)</translation>
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
        <source>新会员注册后即得新会员礼, 并加入本单</source>
        <translation>A new member gets the new-member gift at once and joins this sale</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>✓ 已注册会员 {code}</source>
        <translation>✓ Member {code} registered</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>请扫会员卡或输入卡号</source>
        <translation>Scan the member card or type its number</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>会员卡号不对: {code}</source>
        <translation>Not a member card number: {code}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>请输入手机号</source>
        <translation>Enter the mobile number</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>手机号不对: {phone} (11 位, 1 开头)</source>
        <translation>Not a mobile number: {phone} (11 digits, starting with 1)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>生日日期不对: {text} (如 1990-05-20)</source>
        <translation>Not a date: {text} (e.g. 1990-05-20)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>已自动选择最优优惠券</source>
        <translation>Best coupons chosen</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>有效期至 {date}</source>
        <translation>valid through {date}</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>输入券号 (空格分隔, 空 = 不用券), 回车确认</source>
        <translation>Type coupon numbers (space separated, empty = no coupon), Enter to confirm</translation>
    </message>
    <message>
        <location line="+1"/>
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
            <numerusform>%n coupon claimed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MenuDialog</name>
    <message>
        <location filename="../dialogs.py" line="+137"/>
        <source>按数字键选择, Esc 取消</source>
        <translation>Press a number to choose, Esc to cancel</translation>
    </message>
</context>
<context>
    <name>MoneyDesk</name>
    <message>
        <location filename="../desks/money.py" line="+28"/>
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
        <location line="+18"/>
        <location line="+105"/>
        <source>无赠送</source>
        <translation>no gift</translation>
    </message>
    <message>
        <location line="-104"/>
        <location line="+100"/>
        <source>赠 ￥{amount}</source>
        <translation>gift ￥{amount}</translation>
    </message>
    <message>
        <location line="-99"/>
        <location line="+102"/>
        <source>赠 {n} {coin}</source>
        <translation>gift {n} {coin}</translation>
    </message>
    <message>
        <location line="-93"/>
        <source>充值: 请先识别会员 (F2)</source>
        <translation>Recharge: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+8"/>
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
        <location line="+1"/>
        <source>充值</source>
        <translation>Recharge</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>充值 ￥{amount} 给 {member}, {gift}</source>
        <translation>Recharge ￥{amount} for {member}, {gift}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>充值收款 ￥{amount}</source>
        <translation>Recharge payment ￥{amount}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>输入序号 (回车 = 现金, Esc 取消)</source>
        <translation>Type the number (Enter = cash, Esc cancels)</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>✓ 已充值 ￥{amount} ({tender}) · 单号 {no}</source>
        <translation>✓ Recharged ￥{amount} ({tender}) · slip {no}</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>充值记录: 请先识别会员 (F2)</source>
        <translation>Recharge history: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>{member} 没有充值记录</source>
        <translation>{member} has no recharges</translation>
    </message>
    <message numerus="yes">
        <location line="+3"/>
        <source>{member} 的充值记录 · %n 笔</source>
        <translation>
            <numerusform>Recharges of {member} · %n recharge(s)</numerusform>
            <numerusform>Recharges of {member} · %n recharge(s)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>输入序号补打顾客联 (回车补打高亮的一笔, ↑↓ 选择, Esc 取消)</source>
        <translation>Type the number to reprint the customer copy (Enter reprints the highlighted one, ↑↓ choose, Esc cancels)</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>✓ 已补打充值凭证 {no} (顾客联)</source>
        <translation>✓ Reprinted recharge slip {no} (customer copy)</translation>
    </message>
    <message>
        <location line="+9"/>
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
        <location line="+18"/>
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
        <location line="+42"/>
        <source>卡号</source>
        <translation>Card number</translation>
    </message>
    <message>
        <location line="-41"/>
        <location line="+42"/>
        <source>密码</source>
        <translation>Card PIN</translation>
    </message>
    <message>
        <location line="-41"/>
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
        <location line="+15"/>
        <source>绑卡: 请先识别会员 (F2)</source>
        <translation>Load a prepaid card: identify the member first (F2)</translation>
    </message>
    <message>
        <location line="+7"/>
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
    <name>PaidPanel</name>
    <message>
        <location filename="../desks/payment.py" line="+51"/>
        <source>找零 ￥{change}</source>
        <translation>Change ￥{change}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>小票 {receipt} · 应收 ￥{due} · 实收 ￥{paid}</source>
        <translation>Receipt {receipt} · due ￥{due} · tendered ￥{paid}</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>本单获得: {earned}</source>
        <translation>Earned on this sale: {earned}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{coin} {coins} · 储值 ￥{sv}</source>
        <translation>{coin} {coins} · stored value ￥{sv}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>会员余额: {balances}</source>
        <translation>Member balances: {balances}</translation>
    </message>
</context>
<context>
    <name>PaymentDesk</name>
    <message>
        <location line="+92"/>
        <source>✓ 已收款 小票 {receipt} 找零 ￥{change}</source>
        <translation>✓ Paid · receipt {receipt} · change ￥{change}</translation>
    </message>
</context>
<context>
    <name>PickDialog</name>
    <message>
        <location filename="../dialogs.py" line="-310"/>
        <source>(无)</source>
        <translation>(none)</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location line="+278"/>
        <source>店长授权</source>
        <translation>Store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>店长</source>
        <translation>Store manager</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
</context>
<context>
    <name>PinFormDialog</name>
    <message>
        <location line="-54"/>
        <source>工号</source>
        <translation>Staff code</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>密码</source>
        <translation>PIN</translation>
    </message>
</context>
<context>
    <name>Refusals</name>
    <message>
        <location filename="../refusals.py" line="-308"/>
        <source>无法办理</source>
        <translation>This cannot be done</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>商品号 {item} 或数值 {value} 超出条码秤格式</source>
        <translation>Item {item} or value {value} does not fit the label scale layout</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>输入有误</source>
        <translation>Invalid input</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>会员方案规则不允许</source>
        <translation>The membership program&apos;s rules do not allow this</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>未找到</source>
        <translation>Not found</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>会员方案文件有误: {file}: {key}: {problem}</source>
        <translation>The membership program file is invalid: {file}: {key}: {problem}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>安装设置 {file} 无法使用: {error}</source>
        <translation>The installation setting {file} cannot be used: {error}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>安装设置 pos-terminal.ini 无法使用</source>
        <translation>The installation setting pos-terminal.ini cannot be used</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>令牌文件 {file} 其他用户可读 (权限 {mode}): 请改为 600</source>
        <translation>The token file {file} is readable by other users (mode {mode}): make it 600</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>无法读取令牌文件 {file}</source>
        <translation>Cannot read the token file {file}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>令牌文件 {file} 里没有令牌</source>
        <translation>The token file {file} holds no token</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>账本记录无法读取</source>
        <translation>A ledger entry cannot be read</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>无法把 ￥{total} 分摊到合计 ￥{limit} 的商品行</source>
        <translation>Cannot spread ￥{total} over lines worth ￥{limit}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有会员方案 {program}</source>
        <translation>No membership program {program}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>门店数据文件已损坏, 无法使用: 请联系总部</source>
        <translation>The store data file is damaged and cannot be used: contact head office</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机账本校验未通过, 已停止收款: 请联系总部</source>
        <translation>This till&apos;s ledger failed its check; taking money has stopped: contact head office</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>充值卡 {number} 已充值过 (卡记录与账本不符): 请联系总部</source>
        <translation>Prepaid card {number} was loaded already (its record disagrees with the ledger): contact head office</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{path} 已有数据 (会员 {members}, 商品 {products}, 员工 {staff}, 账本 {ledger_rows} 条, 设置 {settings} 项): 演示数据只能放进新门店</source>
        <translation>{path} already holds data (members {members}, products {products}, staff {staff}, ledger rows {ledger_rows}, settings {settings}): demo data goes into a new store only</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>密码错误, 还可再试 {left} 次</source>
        <translation>Wrong PIN: {left} tries left</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>密码错误</source>
        <translation>Wrong PIN</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name} 多次输错密码已锁定, {until} 后可再试</source>
        <translation>{name} is locked after repeated wrong PINs: try again after {until}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} 多次输错密码已锁定, 请稍后再试</source>
        <translation>{name} is locked after repeated wrong PINs: try again later</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有员工 {staff}</source>
        <translation>No staff member {staff}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} 已停用</source>
        <translation>{name} is disabled</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} ({staff}) 由总部管理, 请在总部管理台修改</source>
        <translation>{name} ({staff}) is managed at HQ: change them in the HQ console</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本机店长密码输错次数过多, {until} 后可再试</source>
        <translation>Too many wrong store manager PINs at this till; try again at {until}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有这种岗位: {role}</source>
        <translation>Unknown role: {role}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>密码须为 {min}-{max} 位数字</source>
        <translation>A PIN is {min} to {max} digits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>密码格式不对</source>
        <translation>Not a valid PIN</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} 不是店长</source>
        <translation>{name} is not a store manager</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{action}需要店长授权</source>
        <translation>{action} needs a store manager&apos;s authorization</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>此操作需要店长授权</source>
        <translation>This needs a store manager&apos;s authorization</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>不在销售中开钱箱需要店长授权</source>
        <translation>Opening the cash drawer without a sale needs a store manager&apos;s authorization</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>日结需要店长授权</source>
        <translation>The day close needs a store manager&apos;s authorization</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请先开班 (录入备用金)</source>
        <translation>Open a shift (with its float) first</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>当前没有开班</source>
        <translation>No shift is open</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已有班次未交班, 请先交班</source>
        <translation>A shift is already open: hand it over first</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{cashier} 的班次未交班: 请 {cashier} 或店长登录并交班 (F12)</source>
        <translation>{cashier}&apos;s shift is still open: {cashier} or a manager signs in and hands it over (F12)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>日结前请先交班</source>
        <translation>Hand the open shift over before the day close</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有这个班次</source>
        <translation>No such shift</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{day} 已日结 (Z), 今天不能再办理</source>
        <translation>{day} is closed (Z report run): nothing more can be done today</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{day} 还没到</source>
        <translation>{day} has not come yet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{day} 的日结 (Z) 已做过</source>
        <translation>The day close (Z) for {day} was already run</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请填写开钱箱的原因</source>
        <translation>Give a reason for opening the cash drawer</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>时间不能倒退到 {when}</source>
        <translation>Time cannot go back to {when}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有会员 {member}</source>
        <translation>No member {member}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有手机号为 {phone} 的会员</source>
        <translation>No member with phone {phone}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{count} 位会员使用手机号 {phone}, 请刷会员卡</source>
        <translation>{count} members share the phone {phone}: scan the member card</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>码有误: “{text}”</source>
        <translation>Not a valid code: “{text}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>不是会员码: “{text}”</source>
        <translation>Not a member code: “{text}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>不是商品码: “{text}”</source>
        <translation>Not a product code: “{text}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>手机号有误: “{phone}”, 请输入 11 位手机号</source>
        <translation>Not a mobile number: “{phone}”. Enter the 11 digits</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>日期有误: “{text}” (应为 2000-01-31)</source>
        <translation>Not a date: “{text}” (write it as 2000-01-31)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员 {member} 已存在</source>
        <translation>Member {member} already exists</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请先识别会员</source>
        <translation>Identify the member first</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>该会员卡已停用 (挂失或注销)</source>
        <translation>This member card is blocked (lost or closed)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>会员账户正在同步变动, 请重试</source>
        <translation>The member&apos;s account kept changing while paying (sync): try again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本机没有总部密钥, 无法校验会员码; 请改用会员卡或手机号</source>
        <translation>This till holds no HQ key to check member codes: use the member card or phone number</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>会员码校验失败, 不是总部签发的码; 请会员刷新后重扫, 或改用会员卡/手机号</source>
        <translation>The member code failed its check (not issued by HQ): ask the member to refresh it and rescan, or use the member card or phone number</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>会员码已过期 ({age} 秒前生成, 限 {limit} 秒), 请会员刷新会员码后重扫</source>
        <translation>The member code has expired (issued {age} s ago, limit {limit} s): ask the member to refresh it and rescan</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>会员码时间比本机晚 {ahead} 秒, 请检查收银机时钟或与总部同步</source>
        <translation>The member code is dated {ahead} s after the till&apos;s clock: check the clock or sync it with HQ</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>会员码无法识别, 请会员刷新会员码后重扫</source>
        <translation>Not a valid member code: ask the member to refresh it and rescan</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>本机的总部密钥配置有误, 无法校验会员码; 请改用会员卡/手机号并联系技术支持</source>
        <translation>This till&apos;s HQ key is misconfigured and member codes cannot be checked: use the member card or phone number and call support</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>没有可领的礼品</source>
        <translation>No gift to claim</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>该会员等级没有月券礼</source>
        <translation>This tier has no monthly coupons</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>本方案没有生日礼</source>
        <translation>This program has no birthday gift</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>现在不能领取该礼品</source>
        <translation>This gift cannot be claimed now</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>月券礼在每月 {first}-{last} 日领取</source>
        <translation>Monthly coupons are claimed on days {first}-{last} of the month</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>生日礼在生日当月领取</source>
        <translation>The birthday gift is claimed in the birthday month</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>生日登记满 {days} 天后才能领生日礼 ({date} 起)</source>
        <translation>The birthday gift can be claimed once the birthday has been on file {days} days (from {date})</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{gift} ({period}) 已领取过</source>
        <translation>The {gift} for {period} was already claimed</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有这种礼品: {gift}</source>
        <translation>Unknown gift: {gift}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>当前没有进行中的销售</source>
        <translation>There is no open sale</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有可挂起的销售</source>
        <translation>There is no open sale to hold</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有待收款的销售</source>
        <translation>There is no open sale to pay</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>这笔付款不属于当前销售</source>
        <translation>This payment is not the open sale&apos;s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请先结账或挂起当前销售</source>
        <translation>Finish or hold the open sale first</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有挂单</source>
        <translation>No sale is held</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有这笔挂单</source>
        <translation>No such held sale</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有商品码 {barcode}</source>
        <translation>Unknown product code {barcode}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有秤码商品号为 {item} 的商品</source>
        <translation>No product with scale item number {item}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>条码 {barcode} 校验位错误, 请重扫</source>
        <translation>Check digit wrong on {barcode}: scan again</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>秤码 {barcode} 校验位错误, 请重扫</source>
        <translation>Check digit wrong on scale code {barcode}: scan again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{name} 按件销售, 数量不能是 {qty}</source>
        <translation>{name} is sold by the piece, not {qty}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>数量有误: “{text}”</source>
        <translation>Not a quantity: “{text}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+3"/>
        <source>数量必须大于零</source>
        <translation>The quantity must be more than zero</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>这一行的数量不能这样修改</source>
        <translation>This line&apos;s quantity cannot be changed that way</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>秤码 {barcode} 重量为零</source>
        <translation>Zero weight on scale code {barcode}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>秤码 {barcode} 金额为零</source>
        <translation>Zero price on scale code {barcode}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有第 {line} 行</source>
        <translation>There is no line {line}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>不是行号: “{text}”</source>
        <translation>Not a line number: “{text}”</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>不是有效金额: “{text}”</source>
        <translation>Not an amount: “{text}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请输入正确的金额</source>
        <translation>Enter a valid amount</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>金额不能为负数</source>
        <translation>An amount cannot be negative</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>金额必须大于零</source>
        <translation>The amount must be more than zero</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>折扣须为 1-100%, 不能是 {percent}%</source>
        <translation>A discount is 1 to 100%, not {percent}%</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>不是折扣: “{text}” (可输入 9折、15% 或金额)</source>
        <translation>Not a discount: “{text}” (9折, 15% or an amount)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>折扣 ￥{amount} 超过应付 ￥{due}</source>
        <translation>A discount of ￥{amount} exceeds the ￥{due} due</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>会员没有这张优惠券 ({coupon})</source>
        <translation>The member holds no such coupon ({coupon})</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>优惠券 {name} 选了两次</source>
        <translation>Coupon {name} chosen twice</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>优惠券 {name} 已使用</source>
        <translation>Coupon {name} was already used</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>优惠券 {name} 已作废</source>
        <translation>Coupon {name} was revoked</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>优惠券 {name} 已于 {date} 过期</source>
        <translation>Coupon {name} expired on {date}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>优惠券 {name} 已过期</source>
        <translation>Coupon {name} has expired</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{name}: 适用商品 ￥{spend} 未达门槛 ￥{threshold}</source>
        <translation>{name}: its goods come to ￥{spend}, below its threshold ￥{threshold}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>所选优惠券门槛合计 ￥{need} 超过小计 ￥{subtotal}</source>
        <translation>The chosen coupons&apos; thresholds together (￥{need}) exceed the subtotal ￥{subtotal}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案每单只能用一张优惠券</source>
        <translation>This program allows one coupon per sale</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name} 在本单减不了钱, 请保留</source>
        <translation>{name} would take nothing off this sale: keep it</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>还没有录入付款</source>
        <translation>No tender given</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>没有这种付款方式: {tender}</source>
        <translation>Unknown tender: {tender}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请输入正整数个{coin}</source>
        <translation>Enter a whole number of {coin}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>{coins} {coin} (￥{amount}) 超过还需支付的 ￥{still}</source>
        <translation>{coins} {coin} (￥{amount}) exceed the ￥{still} still due</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{coin}只有 {have} 个可用, 不够 {want} 个</source>
        <translation>Only {have} {coin} available, not {want}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{points} 积分按每元 {rate} 积分折算不是整分</source>
        <translation>{points} points is not a whole number of fen at {rate} points a yuan</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请输入正整数积分</source>
        <translation>Enter a whole number of points</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案积分不能抵现</source>
        <translation>Points do not pay in this program</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{points} 积分超过还需支付的 ￥{still}</source>
        <translation>{points} points exceed the ￥{still} still due</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>积分只有 {have} 可用, 不够 {want}</source>
        <translation>Only {have} points available, not {want}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>{tender} ￥{amount} 超过还需支付的 ￥{still}</source>
        <translation>{tender} ￥{amount} exceeds the ￥{still} still due</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>只有现金可以找零: 还差 ￥{still}</source>
        <translation>Only cash gives change: ￥{still} still due</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案没有储值</source>
        <translation>This program has no stored value</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>储值余额 ￥{balance}, 不够支付 ￥{amount}</source>
        <translation>Stored value balance is ￥{balance}, not enough for ￥{amount}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>还差 ￥{still}</source>
        <translation>￥{still} still due</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>离线销售: {coin}与储值今天最多还能用 ￥{limit}</source>
        <translation>Selling offline: {coin} and stored value are limited to ￥{limit} more today</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>不是微信或支付宝付款码</source>
        <translation>Not a WeChat or Alipay payment code</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>移动支付 ￥{amount} 未收款: 请顾客重新出示付款码</source>
        <translation>Mobile pay ￥{amount} not taken: ask the customer to show the payment code again</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>移动支付 ￥{amount} 未退款: 该笔付款保留</source>
        <translation>Mobile pay ￥{amount} not refunded: the payment stays</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已扫码收款 ￥{amount}: 请先选中该笔按 Del 退款</source>
        <translation>￥{amount} was taken by payment code: select it and press Del to refund it first</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>充值只能用现金、银行卡或移动支付</source>
        <translation>A recharge is paid in cash, bank card or mobile pay</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>充值卡只能用现金、银行卡或移动支付购买</source>
        <translation>Prepaid cards are paid in cash, bank card or mobile pay</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>没有面值 ￥{value} 的充值卡</source>
        <translation>There is no prepaid card of ￥{value}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>卡号有误: “{number}”</source>
        <translation>Not a card number: “{number}”</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>卡 {number} 已售出</source>
        <translation>Card {number} was already sold</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>卡号或卡密错误, 或该卡已使用, 或多次输错已锁定 (请稍后再试)</source>
        <translation>Wrong card number or PIN, or the card is used, or it is locked after repeated wrong PINs (try again later)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有可退的储值本金</source>
        <translation>No principal left to refund</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>没有小票号为 {receipt} 的销售</source>
        <translation>No sale with receipt {receipt}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>剧本中没有第 {n} 笔销售</source>
        <translation>This scenario has no sale number {n}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>这张小票的商品已全部退货</source>
        <translation>Every line of this sale was already returned</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>请输入要退的行号 (整单退货则不输入)</source>
        <translation>Name the lines to return (none for the whole sale)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>第 {line} 行输入了两次</source>
        <translation>Line {line} named twice</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>第 {line} 行只剩 {left} 可退</source>
        <translation>Line {line}: only {left} left to return</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>只能退现金或退回储值</source>
        <translation>Refund to cash or stored value</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>退款超过 {name} 的售价</source>
        <translation>The refund exceeds the shelf price of {name}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫码无效, 请重扫</source>
        <translation>Scan not valid: scan again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫码无效: 校验位错误, 请重扫</source>
        <translation>Scan not valid: check digit wrong, scan again</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>扫码无效: 含无法识别的字符, 请重扫</source>
        <translation>Scan not valid: unreadable characters, scan again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫码无效: 码太长, 请重扫</source>
        <translation>Scan not valid: too long, scan again</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码无效: 码太短, 请重扫</source>
        <translation>Scan not valid: too short, scan again</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫码无效: 长度不对, 请重扫</source>
        <translation>Scan not valid: wrong length, scan again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扫码无效: 没有收全, 请重扫</source>
        <translation>Scan not valid: incomplete, scan again</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>窗口上无法演示这一步</source>
        <translation>This step cannot be played on the window</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>出现了意外的对话框</source>
        <translation>An unexpected dialog appeared</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>无法办理 ({code})</source>
        <extracomment>What a refusal shows for a code it has no text for (never the English message).</extracomment>
        <translation>This cannot be done ({code})</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>内部错误: {error}</source>
        <extracomment>Not a refusal: a fault of the program itself.</extracomment>
        <translation>Internal error: {error}</translation>
    </message>
    <message>
        <location line="+3"/>
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
        <source>积分</source>
        <translation>Points</translation>
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
        <location line="+4"/>
        <source>改价</source>
        <translation>A price override</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>整单折扣</source>
        <translation>A whole-sale discount</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>充值</source>
        <translation>A recharge</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>退储值</source>
        <translation>A stored-value refund</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>作废已结小票</source>
        <translation>Voiding a committed sale</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>无小票退货</source>
        <translation>A return without a receipt</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>币</source>
        <extracomment>The coins&apos; name when neither the error nor the caller gives the program&apos;s.</extracomment>
        <translation>coins</translation>
    </message>
</context>
<context>
    <name>ReportsDesk</name>
    <message>
        <location filename="../desks/reports.py" line="+26"/>
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
        <source>积分</source>
        <translation>Points</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>净销售额 (销售 - 退款)</source>
        <translation>Net sales (sales - refunds)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>充值收款</source>
        <translation>Recharges taken</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>应有现金</source>
        <translation>Expected cash</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>实点现金</source>
        <translation>Counted cash</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>长款</source>
        <translation>Over</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>短款</source>
        <translation>Short</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>长短款: 无差额</source>
        <translation>Over/short: none</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>报表</source>
        <translation>Report</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>日结</source>
        <translation>Day close</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>日结需要店长授权</source>
        <translation>Day close needs the store manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>✓ 已日结 {day} (Z {z})</source>
        <translation>✓ Day close done for {day} (Z {z})</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>日结 {day}: 正在汇总当日账本…</source>
        <translation>Day close {day}: totalling the day&apos;s ledger…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>日结 {day} (Z 报表): 之后今日不能再收款</source>
        <translation>Day close {day} (Z report): no more sales today after it</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>请稍候</source>
        <translation>Please wait</translation>
    </message>
</context>
<context>
    <name>ReturnsDesk</name>
    <message>
        <location filename="../desks/returns.py" line="+23"/>
        <source>现金退 ￥{amount}</source>
        <translation>cash back ￥{amount}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>退回银行卡 ￥{amount}</source>
        <translation>back to the bank card ￥{amount}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>退回移动支付 ￥{amount}</source>
        <translation>back to mobile payment ￥{amount}</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>退回储值 ￥{amount}</source>
        <translation>back to stored value ￥{amount}</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>退货: 请扫小票上的条码 (整单退, Shift+F10 按行退)</source>
        <translation>Return: scan the barcode on the receipt (whole sale; Shift+F10 by line)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>部分退货: 请扫小票上的条码</source>
        <translation>Partial return: scan the barcode on the receipt</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>输入 行号x数量 (空格分隔, 如 1x2 3x0.5)</source>
        <translation>Type line x quantity (space separated, e.g. 1x2 3x0.5)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>部分退货 · 小票 {receipt}</source>
        <translation>Partial return · receipt {receipt}</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>退回 {n} {coin}</source>
        <translation>{n} {coin} back</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>退回 {n} 积分</source>
        <translation>{n} points back</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>无退款</source>
        <translation>nothing to refund</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>扣回 {n} 积分</source>
        <translation>{n} points taken back</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扣回 {n} {coin}</source>
        <translation>{n} {coin} taken back</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>扣回成长值 {n}</source>
        <translation>{n} growth points taken back</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>退款中扣回已获赠 ￥{amount}</source>
        <translation>￥{amount} of gifts already received taken from the refund</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>退货金额 ￥{refund}</source>
        <translation>Return value ￥{refund}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>需店长授权</source>
        <translation>Needs the manager&apos;s PIN</translation>
    </message>
    <message>
        <location line="+8"/>
        <location line="+19"/>
        <source>退货 小票 {receipt}</source>
        <translation>Return of receipt {receipt}</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>确认退货</source>
        <translation>Return</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>未退货</source>
        <translation>Nothing returned</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>✓ 已退货 小票 {receipt}: {split}</source>
        <translation>✓ Returned · receipt {receipt}: {split}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>作废已结小票: 请扫小票上的条码 (Esc 取消)</source>
        <translation>Void a paid receipt: scan the barcode on the receipt (Esc cancels)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>作废小票 {receipt} (￥{total}, 全额退回)</source>
        <translation>Void receipt {receipt} (￥{total}, refunded in full)</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>✓ 已作废小票 {receipt} 退款 ￥{refund}</source>
        <translation>✓ Receipt {receipt} voided · refund ￥{refund}</translation>
    </message>
</context>
<context>
    <name>SaleDesk</name>
    <message>
        <location filename="../desks/sale.py" line="+24"/>
        <source>顾客不要了</source>
        <translation>Customer changed their mind</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>扫错商品</source>
        <translation>Wrong item scanned</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>顾客付款失败</source>
        <translation>Customer could not pay</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>本单没有商品</source>
        <translation>This sale has no items</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>已删除第 {no} 行 {name}</source>
        <translation>Line {no} {name} removed</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>改数量: 本单没有商品</source>
        <translation>Quantity: this sale has no items</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>第 {no} 行 {name}, 现数量 {qty}
输入新数量 (回车)</source>
        <translation>Line {no} {name}, quantity now {qty}
Enter the new quantity (Enter)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>改数量</source>
        <translation>Change quantity</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>✓ 第 {no} 行数量 {qty}</source>
        <translation>✓ Line {no} quantity {qty}</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>改价: 本单没有商品</source>
        <translation>Price override: this sale has no items</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>第 {no} 行 {name} × {qty}
现单价 ￥{price}
输入新单价, 或 9折 / 10%</source>
        <translation>Line {no} {name} × {qty}
Unit price now ￥{price}
Enter the new unit price, or 9折 (90%) / 10% off</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>改价</source>
        <translation>Price override</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>改价 第 {no} 行 {name}: ￥{old} → ￥{new} ({how})</source>
        <translation>Price override line {no} {name}: ￥{old} → ￥{new} ({how})</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 第 {no} 行已改价 ￥{old}→￥{new}</source>
        <translation>✓ Line {no} price changed ￥{old}→￥{new}</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>整单折扣: 本单没有商品</source>
        <translation>Whole-sale discount: this sale has no items</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>应收 ￥{due}
输入折扣金额, 或 9折 / 10%</source>
        <translation>Due ￥{due}
Enter the amount off, or 9折 (90%) / 10% off</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>整单折扣</source>
        <translation>Whole-sale discount</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>整单折扣 {how}: 应收 ￥{due} → ￥{after}</source>
        <translation>Whole-sale discount {how}: due ￥{due} → ￥{after}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 整单折扣 ￥{amount}, 应收 ￥{after}</source>
        <translation>✓ Whole-sale discount ￥{amount}, due ￥{after}</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>已清空</source>
        <translation>Cleared</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>作废本单 {n} 行, 应收 ￥{due}?
输入序号或原因, 回车作废 · Esc 不作废</source>
        <translation>Void this sale of {n} lines, due ￥{due}?
Type a number or a reason, Enter voids · Esc keeps the sale</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>作废本单</source>
        <translation>Void sale</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>未作废</source>
        <translation>Not voided</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>本单已作废 ({reason})</source>
        <translation>Sale voided ({reason})</translation>
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
        <location line="+1"/>
        <source>改价</source>
        <translation>override</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>{name} -{amount}</source>
        <translation>{name} -{amount}</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>原 {price}</source>
        <translation>was {price}</translation>
    </message>
</context>
<context>
    <name>ShiftDesk</name>
    <message>
        <location filename="../desks/shift.py" line="+40"/>
        <source>输入工号 (或刷工牌), 回车, 输入密码, 回车</source>
        <translation>Type your staff code (or scan your badge), Enter, your PIN, Enter</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>✓ {name} 已登录</source>
        <translation>✓ {name} signed in</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>今日已日结, 不能开班</source>
        <translation>Today is closed (Z): no shift can be opened</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>备用金 ￥{amount}</source>
        <translation>Float ￥{amount}</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>开班</source>
        <translation>Open shift</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>{name}, 输入钱箱备用金</source>
        <translation>{name}, enter the drawer&apos;s float</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>尚未开班: 按 F12 开班</source>
        <translation>No shift open: press F12 to open one</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>✓ 已开班, 备用金 ￥{amount}</source>
        <translation>✓ Shift open, float ￥{amount}</translation>
    </message>
    <message>
        <location line="+20"/>
        <location line="+5"/>
        <source>交班</source>
        <translation>Shift handover</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>实点 ￥{amount}</source>
        <translation>Counted ￥{amount}</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>清点钱箱现金</source>
        <translation>Count the cash in the drawer</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>已锁屏</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>本单保留. 输入密码解锁 (店长也可解锁)</source>
        <translation>The sale is kept. Enter your PIN to unlock (a manager may unlock too)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>✓ 已解锁</source>
        <translation>✓ Unlocked</translation>
    </message>
</context>
<context>
    <name>SyncStatus</name>
    <message>
        <location filename="../hq_link.py" line="+37"/>
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
    <name>TakenDialog</name>
    <message>
        <location filename="../tender_dialog.py" line="+474"/>
        <source>移动支付</source>
        <translation>Mobile pay</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>请在{wallet}收款终端退还 ￥{amount}</source>
        <translation>Refund ￥{amount} on the {wallet} terminal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已退款 (回车)</source>
        <translation>Refunded (Enter)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>未退款 (Esc)</source>
        <translation>Not refunded (Esc)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>请在{wallet}收款终端收取 ￥{amount}</source>
        <translation>Take ￥{amount} on the {wallet} terminal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>已收款 (回车)</source>
        <translation>Taken (Enter)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>未收款 (Esc)</source>
        <translation>Not taken (Esc)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>付款码 {code}</source>
        <translation>Payment code {code}</translation>
    </message>
</context>
<context>
    <name>TenderDialog</name>
    <message>
        <location line="-442"/>
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
        <location line="+6"/>
        <source>微信</source>
        <translation>WeChat</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>支付宝</source>
        <translation>Alipay</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>收款</source>
        <translation>Tender</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>应收</source>
        <translation>Amount due</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>储值余额 ￥{sv} · {coin} {n}</source>
        <translation>Stored value balance ￥{sv} · {coin} {n}</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> · 离线限额 ￥{x}</source>
        <translation> · offline limit ￥{x}</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>↑↓ 选择已录入的付款 · Del 删除 · 扫付款码 = 移动支付</source>
        <translation>↑↓ select a tender entered · Del removes it · scan a payment code = mobile pay</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>金额 (回车确认)</source>
        <translation>Amount (Enter to confirm)</translation>
    </message>
    <message>
        <location line="+62"/>
        <source>需先识别会员</source>
        <translation>Identify the member first</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>本方案积分不能抵现</source>
        <translation>Points do not pay in this program</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>回车替换已录入的{name}</source>
        <translation>Enter replaces the {name} entered</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>请输入整数个币</source>
        <translation>Type a whole number of coins</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>请输入整数积分</source>
        <translation>Type a whole number of points</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>金额不对: {t}</source>
        <translation>Not an amount: {t}</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>只有现金可以找零: 还差 ￥{r}</source>
        <translation>Only cash gives change: ￥{r} still due</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>已扫码收款 ￥{amount}: 请先选中该笔按 Del 退款</source>
        <translation>￥{amount} was taken by payment code: select it and press Del to refund it first</translation>
    </message>
    <message>
        <location line="+43"/>
        <source>{n} 个</source>
        <translation>{n}</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>现金 ￥{v}</source>
        <translation>Cash ￥{v}</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>找零 ￥{c}</source>
        <translation>Change ￥{c}</translation>
    </message>
    <message>
        <location line="-122"/>
        <location line="+124"/>
        <source>还差 ￥{r}</source>
        <translation>Still due ￥{r}</translation>
    </message>
</context>
<context>
    <name>TillDevices</name>
    <message>
        <location filename="../devices.py" line="+288"/>
        <source>✗ 打印机设置有误: {error}</source>
        <translation>✗ Printer settings are wrong: {error}</translation>
    </message>
</context>
</TS>
