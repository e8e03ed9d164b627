"""The roster's newer texts: households, 3+N links and their contact logs, a member's
points and stars. (The roster's first texts are still in tui.i18n.)

Field labels and reasons of the household forms live under `household.field.*` and
`household.reason.*` (read by tui.screens.forms.describe_roster), so they never clash
with another area's `field.*` keys for fields of the same name.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # -- bindings -----------------------------------------------------------------------
    "bind.roster.households": ("住户", "Households"),
    "bind.member.link": ("联系新户", "Link household"),
    "bind.member.unlink": ("解除联系", "Unlink"),
    "bind.member.log-contact": ("记录联系", "Log contact"),
    "bind.households.register": ("登记住户", "Register"),
    "bind.households.search": ("搜索", "Search"),
    "bind.households.back": ("返回", "Back"),
    "bind.households.next": ("下一页", "Next page"),
    "bind.households.prev": ("上一页", "Previous page"),
    "bind.households.open": ("详情", "Open"),
    "bind.household.correct": ("更正", "Correct"),
    "bind.household.close": ("迁出", "Moved out"),
    "bind.household.contact": ("查看联系方式", "Show contact"),
    "bind.household.back": ("返回", "Back"),
    # -- the households list ---------------------------------------------------------------
    "household.list.title": ("住户 · {unit}", "Households · {unit}"),
    "household.search": ("搜索户主、手机号或楼栋（/）", "Search head, phone or building (/)"),
    "household.count": ("共 {total} 户", "{total} households"),
    "household.count_page": (
        "共 {total} 户，当前第 {first}–{last} 户",
        "{total} households, showing {first}–{last}",
    ),
    "household.none": ("没有符合条件的住户", "No households match"),
    "household.col.building": ("楼栋", "Building"),
    "household.col.size": ("人口", "Size"),
    "household.col.members": ("联系党员", "Linked members"),
    "household.col.on": ("日期", "Date"),
    "household.col.member": ("党员", "Member"),
    "household.col.channel": ("方式", "Channel"),
    "household.col.note": ("记录", "Note"),
    # -- one household ----------------------------------------------------------------------
    "household.title": ("住户详情", "Household"),
    "household.details": ("住户信息", "Household"),
    "household.contacts": ("联系记录（最近 {n} 条）", "Contact log (latest {n})"),
    "household.no_contacts": ("还没有联系记录", "No contacts logged yet"),
    "household.no_links": ("还没有党员联系这一户", "No member is linked to this household"),
    "household.history": ("变更记录", "History"),
    "household.erased": ("个人信息已抹除", "personal data erased"),
    "household.status.open": ("在住", "Living here"),
    "household.status.closed": ("已迁出", "Moved out"),
    "household.event.Household.Registered": ("登记", "Registered"),
    "household.event.Household.Corrected": ("信息更正", "Corrected"),
    "household.event.Household.Closed": ("迁出", "Moved out"),
    # -- fields (labels of the household, link and contact forms) ---------------------------
    "household.field.building": ("楼栋", "Building"),
    "household.field.unit": ("单元", "Unit"),
    "household.field.room": ("门牌号", "Room"),
    "household.field.head_name": ("户主姓名", "Head of household"),
    "household.field.head_phone": ("户主电话", "Head's phone"),
    "household.field.size": ("户人口", "Household size"),
    "household.field.place": ("所属", "Belongs to"),
    "household.field.household_id": ("居民户", "Household"),
    "household.field.q": ("查找", "Find"),
    "household.field.since": ("联系起始", "Linked since"),
    "household.field.channel": ("联系方式", "Channel"),
    "household.field.on": ("联系日期", "Date"),
    "household.field.note": ("记录内容", "Note"),
    "household.ph.size": ("人数，如 3", "people, e.g. 3"),
    "household.ph.find": ("输入户主、手机号或楼栋缩小范围", "type a head, phone or building"),
    "household.ph.note": (
        "可不填：政策宣传、信息收集、救助帮扶……",
        "optional: policy news, collecting views, help given…",
    ),
    "household.ph.keep": ("不改请留空", "leave blank to keep"),
    "household.choices": ("共 {total} 户可选", "{total} households to choose from"),
    "household.choices_more": (
        "共 {total} 户，列出前 {shown} 户；输入关键字缩小范围",
        "{total} households, first {shown} listed; type to narrow",
    ),
    "household.choices_none": ("没有可联系的住户", "No household to link"),
    # -- forms ------------------------------------------------------------------------------
    "household.form.household": ("住户：{name}", "Household: {name}"),
    "household.form.link": ("党员：{member} · 住户：{household}", "Member: {member} · {household}"),
    "household.register.title": ("登记居民户", "Register a household"),
    "household.register.hint": (
        "单元、门牌号和户主电话默认隐藏，查看时须说明原因并记录。",
        "Unit, room and the head's phone stay hidden; showing them asks why and is recorded.",
    ),
    "household.correct.title": ("更正住户信息", "Correct a household"),
    "household.correct.hint": (
        "只填需要更正的项，留空的保持不变；每次更正都记录原因和经办人。",
        "Fill in only what is wrong; blank keeps it. Every correction records who and why.",
    ),
    "household.close.title": ("住户迁出", "A household moved out"),
    "household.close.hint": (
        "迁出后该户不再出现在住户列表，也不能再记录联系；记录永久保留。请写明原因后保存。",
        "The household leaves the list and takes no more contacts; the record stays. "
        "Give the reason, then save.",
    ),
    "household.link.title": ("联系居民户（3+N）", "Link a household (3+N)"),
    "household.link.hint": (
        "党员与所联系的住户建立连心卡、联系群和联系记录簿。",
        "The member keeps a link card, a contact group and a contact log with the household.",
    ),
    "household.unlink.title": ("解除联系", "Unlink a household"),
    "household.unlink.hint": (
        "解除后不能再记录联系；以往的联系记录保留。请写明原因后保存。",
        "No more contacts can be logged; the log so far stays. Give the reason, then save.",
    ),
    "household.log.title": ("记录联系（联系记录簿）", "Log a contact"),
    "household.done.registered": ("已登记住户：{name}", "Household registered: {name}"),
    "household.done.corrected": ("已更正住户：{name}", "Household corrected: {name}"),
    "household.done.closed": ("住户已迁出：{name}", "Household moved out: {name}"),
    "household.done.linked": ("已联系住户：{name}", "Household linked: {name}"),
    "household.done.unlinked": ("已解除联系：{name}", "Household unlinked: {name}"),
    "household.done.logged": ("已记录联系：{name}", "Contact logged: {name}"),
    # -- reasons and rules, as the household forms show them ---------------------------------
    "household.reason.positive": ("须为不小于 1 的整数", "must be a whole number of at least 1"),
    "household.reason.at_most": ("不能超过 {n}", "must be at most {n}"),
    "household.reason.before_link": (
        "不能早于建立联系的日期",
        "is before the member was linked to the household",
    ),
    "household.rule.household_closed": ("该户已迁出", "The household has moved out"),
    "household.rule.already_linked": (
        "该党员已在联系这一户",
        "The member is already linked to this household",
    ),
    "household.rule.not_linked": (
        "该党员现在没有联系这一户",
        "The member is not linked to this household now",
    ),
    "household.rule.other_community": (
        "党员只能联系本社区的住户",
        "A member links households in their own community",
    ),
    "household.rule.erased": (
        "该户的个人信息已被抹除",
        "This household's personal data was erased",
    ),
    "household.rule.no_contact": ("没有可显示的联系方式", "There are no contact details to show"),
    # -- the member screen: points, stars, links ----------------------------------------------
    "member.points": ("积分与星级（{year}年）", "Points and stars ({year})"),
    "member.points_line": (
        "合计 {points} 分 · 获星 {stars} 颗 · 星级 {level}/{cap}",
        "{points} points · {stars} stars · star level {level}/{cap}",
    ),
    "member.bottom_line": ("有底线扣分", "a bottom-line deduction stands"),
    "member.points_hidden": ("此账号不能查看积分", "This account may not read points"),
    "member.no_entries": ("{year}年暂无积分记录", "No point entries in {year}"),
    "member.entries": ("最近 {shown} 条，共 {total} 条", "latest {shown} of {total}"),
    "member.entry_reversed": ("已撤销", "reversed"),
    "member.col.deed": ("日期", "Date"),
    "member.col.rule": ("事项", "For"),
    "member.col.points": ("分值", "Points"),
    "member.col.stars": ("星", "Stars"),
    "member.col.year_contacts": ("今年联系", "This year"),
    "member.links_summary": (
        "联系中 {n} 户 · {year}年联系 {count} 次",
        "{n} households linked · {count} contacts in {year}",
    ),
    "member.select_link": ("请先在联系户列表中选中一户", "Select a linked household first"),
    # -- reasons of the member commands ---------------------------------------------------------
    "roster.reason.before_18": (
        "不能早于党员年满18周岁之日",
        "is before the member's 18th birthday",
    ),
    "roster.reason.before_joining": ("不能早于入党日期", "is before the member joined the party"),
    "roster.reason.before_registration": (
        "不能早于登记入册的日期",
        "is before the member was registered in the roster",
    ),
    "roster.reason.not_community": ("不是社区", "is not a community"),
}

#: Exact English reasons of the member and household commands, by catalogue key (the
#: household forms read theirs first through tui.screens.forms.describe_roster).
REASONS: dict[str, str] = {
    "is before the member's 18th birthday": "roster.reason.before_18",
    "is before the member joined the party": "roster.reason.before_joining",
    "is before the member was registered in the roster": "roster.reason.before_registration",
    "is not a community": "roster.reason.not_community",
    "is before the member was linked to the household": "household.reason.before_link",
    "must be a whole number of at least 1": "household.reason.positive",
}
