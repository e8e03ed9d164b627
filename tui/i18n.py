"""Every visible string of the terminal UI, in Chinese and English.

`t(key)` answers in the current language, which the App sets from
`settings.lang` (YIMAI_LANG) and may switch at runtime; screens then relabel
themselves. Enum values (levels, kinds, genders, causes, channels, roles …) have
labels under `<kind>.<value>`; `label(kind, value)` reads them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from enum import StrEnum

LANGUAGES = ("zh", "en")

_current = "zh"


def set_language(lang: str) -> None:
    """Switch every later `t()` to `lang` ("zh" or "en")."""
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
    _current = lang


def language() -> str:
    return _current


def other_language() -> str:
    return "en" if _current == "zh" else "zh"


def has(key: str) -> bool:
    return key in CATALOGUE


def t(key: str, /, **values: object) -> str:
    """The text for `key` in the current language (the key itself when unknown)."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[0] if _current == "zh" else entry[1]
    return text.format(**values) if values else text


def t_in(lang: str, key: str, /, **values: object) -> str:
    """The text for `key` in a given language (for bilingual search)."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[0] if lang == "zh" else entry[1]
    return text.format(**values) if values else text


def label(kind: str, value: object) -> str:
    """The label of an enum value, e.g. label("gender", "female") -> "女"."""
    if value is None or value == "":
        return ""
    raw = value.value if isinstance(value, StrEnum) else str(value)
    key = f"{kind}.{raw}"
    return t(key) if key in CATALOGUE else raw


def options(kind: str, values: Iterable[StrEnum]) -> list[tuple[str, str]]:
    """(label, value) pairs for a Select over an enum."""
    return [(label(kind, v), v.value) for v in values]


def colon() -> str:
    return "：" if _current == "zh" else ": "


def join(items: Iterable[str]) -> str:
    """Items as a list: 甲、乙 / a, b."""
    return t("list.sep").join(items)


# key: (中文, English)
CATALOGUE: dict[str, tuple[str, str]] = {
    # -- the app -------------------------------------------------------------------------
    "app.title": ("一脉 · 社区服务台账", "Yimai · service ledger"),
    "app.opening": ("正在打开数据库…", "Opening the database…"),
    "app.user": ("{user}（{roles}）", "{user} ({roles})"),
    "app.read_only": ("{roles} · 只读", "{roles} · read-only"),
    "app.unexpected": ("出现意外错误：{name}", "Unexpected error: {name}"),
    "app.language_switched": ("界面语言：中文", "Interface language: English"),
    "app.logged_out": ("已退出登录", "Logged out"),
    "list.sep": ("、", ", "),
    "post.of": ("{unit}{role}", "{role} of {unit}"),
    # -- bindings (by binding id) --------------------------------------------------------
    "bind.app.help": ("帮助", "Help"),
    "bind.app.help-f1": ("帮助", "Help"),
    "bind.app.language": ("English", "中文"),
    "bind.screen.language": ("English", "中文"),
    "bind.modal.help": ("帮助", "Help"),
    "bind.app.palette": ("命令", "Commands"),
    "bind.app.quit": ("退出", "Quit"),
    "bind.textual.dismiss": ("收起", "Close menu"),
    "bind.setup.demo": ("加载演示社区", "Load demo"),
    "bind.setup.admin": ("创建管理员", "Create admin"),
    "bind.login.submit": ("登录", "Log in"),
    "bind.roster.register": ("登记", "Register"),
    "bind.roster.transfer": ("转接", "Transfer"),
    "bind.roster.correct": ("更正", "Correct"),
    "bind.roster.deregister": ("注销", "Deregister"),
    "bind.roster.open": ("详情", "Open"),
    "bind.roster.search": ("搜索", "Search"),
    "bind.roster.leave-search": ("清空搜索 / 回到列表", "Clear search / back to list"),
    "bind.staff.account": ("账号", "Account"),
    "bind.member.back": ("返回", "Back"),
    "bind.member.contact": ("查看联系方式", "Show contact"),
    "bind.form.save": ("保存", "Save"),
    "bind.form.cancel": ("取消", "Cancel"),
    "bind.account.password": ("修改密码", "Password"),
    "bind.account.language": ("English", "中文"),
    "bind.account.logout": ("退出登录", "Log out"),
    "bind.account.close": ("关闭", "Close"),
    "bind.help.close": ("关闭", "Close"),
    "bind.help.close-keys": ("关闭", "Close"),
    "bind.notice.close": ("关闭", "Close"),
    # -- command palette -----------------------------------------------------------------
    "palette.placeholder": ("搜索命令…", "Search for commands…"),
    "palette.key": ("快捷键 {key}", "Key {key}"),
    "palette.account": ("账号菜单", "Account menu"),
    "palette.account.help": ("修改密码、切换语言、退出登录", "Password, language, log out"),
    "palette.password": ("修改密码", "Change password"),
    "palette.password.help": ("修改自己的登录密码", "Change your own password"),
    "palette.language": ("切换语言（English）", "Switch language (中文)"),
    "palette.language.help": ("界面在中文和英文之间切换", "Switch the interface between zh and en"),
    "palette.logout": ("退出登录", "Log out"),
    "palette.logout.help": ("回到登录界面", "Back to the login screen"),
    "palette.help": ("帮助：快捷键", "Help: keys"),
    "palette.help.help": ("列出当前界面的快捷键", "List the keys of this screen"),
    "palette.quit": ("退出程序", "Quit"),
    "palette.quit.help": ("关闭一脉", "Close Yimai"),
    # -- help ----------------------------------------------------------------------------
    "help.title": ("快捷键", "Keys"),
    "help.key": ("按键", "Key"),
    "help.action": ("功能", "Action"),
    "help.focus": ("切换焦点", "Move focus"),
    "help.footer": (
        "按 Esc 或 ? 关闭。任何界面都可按 Ctrl+P 打开命令面板。",
        "Esc or ? closes. Ctrl+P opens the command palette anywhere.",
    ),
    # -- setup ---------------------------------------------------------------------------
    "setup.title": ("首次使用", "First start"),
    "setup.intro": (
        "这个数据库还是空的。可以先加载演示社区试用，或者创建第一个管理员账号开始正式使用。",
        "This database is empty. Load the demo community to try Yimai, "
        "or create the first admin account to start for real.",
    ),
    "setup.demo.title": ("① 加载演示社区", "① Load the demo community"),
    "setup.demo.body": (
        "一个街道、一个社区、六个网格党支部和它们的党小组、党员、居民户，每种角色各一个账号。",
        "One subdistrict, one community, six grid branches with their groups, members "
        "and households, and one account per role.",
    ),
    "setup.demo.load": ("加载演示社区", "Load demo community"),
    "setup.demo.loading": ("正在加载演示社区…", "Loading the demo community…"),
    "setup.demo.loaded": (
        "演示社区已加载。账号如下，密码都是 {password}：",
        "The demo community is loaded. Accounts (password {password} for all):",
    ),
    "setup.admin.title": ("② 创建管理员账号", "② Create the admin account"),
    "setup.admin.body": (
        "正式使用：创建第一个管理员，再由管理员开设其他账号。",
        "For real use: create the first admin, who then opens the other accounts.",
    ),
    "setup.admin.create": ("创建管理员", "Create admin"),
    "setup.admin.created": ("管理员账号 {user} 已创建。", "Admin account {user} created."),
    "setup.to_login": ("前往登录", "Continue to log in"),
    # -- login ---------------------------------------------------------------------------
    "login.title": ("登录", "Log in"),
    "login.welcome": ("一脉 · 社区服务台账", "Yimai · community service ledger"),
    "login.submit": ("登录", "Log in"),
    "login.checking": ("正在验证…", "Checking…"),
    "login.demo": ("演示账号（密码 {password}）：", "Demo accounts (password {password}):"),
    "login.language_hint": ("F2 切换为 English", "F2 switches to 中文"),
    # -- fields --------------------------------------------------------------------------
    "field.username": ("用户名", "User name"),
    "field.password": ("密码", "Password"),
    "field.password2": ("再次输入密码", "Repeat password"),
    "field.old_password": ("当前密码", "Current password"),
    "field.new_password": ("新密码", "New password"),
    "field.name": ("姓名", "Name"),
    "field.gender": ("性别", "Gender"),
    "field.birth_date": ("出生日期", "Birth date"),
    "field.phone": ("手机号码", "Phone"),
    "field.address": ("住址", "Address"),
    "field.id_number": ("身份证号", "ID number"),
    "field.joined_party_on": ("入党日期", "Joined the party"),
    "field.branch_id": ("网格党支部", "Grid branch"),
    "field.group_id": ("党小组", "Party group"),
    "field.kind": ("党员类别", "Member kind"),
    "field.resident_unit_id": ("驻区单位", "Resident unit"),
    "field.status": ("状态", "Status"),
    "field.community_id": ("社区", "Community"),
    "field.reason": ("原因", "Reason"),
    "field.cause": ("注销原因", "Cause"),
    "field.on": ("日期", "Date"),
    "field.roles": ("角色", "Roles"),
    "field.display_name": ("显示名", "Display name"),
    "field.id": ("编号", "Id"),
    "field.member_id": ("党员", "Member"),
    "field.q": ("搜索", "Search"),
    "field.label": ("服务楼栋单元", "Served building unit"),
    "field.households": ("联系户", "Households"),
    "placeholder.date": ("年-月-日，如 1970-01-02", "YYYY-MM-DD, e.g. 1970-01-02"),
    "placeholder.optional": ("可不填", "optional"),
    "placeholder.id_number": ("可不填；18位", "optional; 18 characters"),
    "placeholder.keep": ("不改请留空（现为 {current}）", "leave blank to keep ({current})"),
    "placeholder.keep_hidden": ("不改请留空（现有内容已隐藏）", "leave blank to keep (hidden)"),
    "placeholder.contact_reason": ("必填：为什么需要联系方式", "required: why you need it"),
    "placeholder.today": ("不填即今天", "blank for today"),
    "placeholder.reason": ("必填：为什么这样改", "required: why"),
    "placeholder.search": ("搜索姓名或手机号（/）", "Search name or phone (/)"),
    "select.choose": ("请选择", "Choose"),
    "select.no_group": ("不分组", "No group"),
    "select.none": ("无", "None"),
    # -- form ----------------------------------------------------------------------------
    "form.save": ("保存", "Save"),
    "form.cancel": ("取消", "Cancel"),
    "form.saving": ("正在保存…", "Saving…"),
    "form.loading": ("正在读取…", "Loading…"),
    "form.passwords_differ": ("两次输入的密码不一致", "the two passwords differ"),
    "form.bad_date": (
        "请按 年-月-日 填写，如 1970-01-02",
        "write it as YYYY-MM-DD, e.g. 1970-01-02",
    ),
    "form.member": ("党员：{name}", "Member: {name}"),
    "form.member_at": ("党员：{name}（现属 {place}）", "Member: {name} (now in {place})"),
    "form.register.title": ("登记党员", "Register a member"),
    "form.transfer.title": ("组织关系转接", "Transfer a member"),
    "form.correct.title": ("更正党员信息", "Correct a member's details"),
    "form.correct.hint": (
        "只改需要更正的项；每次更正都记录原因和经办人。",
        "Change only what is wrong; every correction records who and why.",
    ),
    "form.deregister.title": ("注销党员", "Deregister a member"),
    "form.deregister.hint": (
        "注销后党员从花名册移出，记录永久保留。",
        "A deregistered member leaves the roster; the record stays for good.",
    ),
    "form.password.title": ("修改密码", "Change password"),
    "form.contact.title": ("查看联系方式", "Show contact details"),
    "form.contact.hint": (
        "联系方式默认隐藏；每次查看都记录查看人、对象和原因，供督查和纪检查阅。",
        "Contact details are hidden; every showing records who looked, at whom and why, "
        "for supervisors and reviewers.",
    ),
    "done.registered": ("已登记：{name}", "Registered: {name}"),
    "done.transferred": ("已转接：{name}", "Transferred: {name}"),
    "done.corrected": ("已更正：{name}", "Corrected: {name}"),
    "done.deregistered": ("已注销：{name}", "Deregistered: {name}"),
    "done.password": ("密码已修改", "Password changed"),
    "done.contact": ("已显示联系方式（已记录）：{name}", "Contact shown (recorded): {name}"),
    # -- roster --------------------------------------------------------------------------
    "roster.title": ("花名册", "Roster"),
    "roster.all": ("全部", "All units"),
    "roster.loading": ("正在读取…", "Loading…"),
    "roster.members": ("党员 {n}", "members {n}"),
    "roster.no_group": ("未分组 {n}", "no group {n}"),
    "roster.households": ("户 {n}", "households {n}"),
    "roster.communities": ("社区 {n}", "communities {n}"),
    "roster.branches": ("支部 {n}", "branches {n}"),
    "roster.in_service": ("在职 {n}", "in service {n}"),
    "roster.resident_units": ("驻区单位 {n}", "resident units {n}"),
    "roster.count": ("共 {total} 人", "{total} members"),
    "roster.count_shown": (
        "共 {total} 人，显示前 {shown} 人",
        "{total} members, first {shown} shown",
    ),
    "roster.count_query": ("“{q}”：{total} 人", "“{q}”: {total} members"),
    "roster.none": ("没有符合条件的党员", "No members match"),
    "roster.select_member": ("请先在列表中选中一名党员", "Select a member in the list first"),
    "roster.posts": ("任职", "Posts"),
    "col.name": ("姓名", "Name"),
    "col.gender": ("性别", "Gender"),
    "col.phone": ("手机号码", "Phone"),
    "col.branch": ("支部", "Branch"),
    "col.group": ("党小组", "Group"),
    "col.kind": ("类别", "Kind"),
    "col.joined": ("入党日期", "Joined"),
    "col.households": ("联系户", "Households"),
    "col.when": ("时间", "When"),
    "col.who": ("经办人", "Who"),
    "col.what": ("事项", "What"),
    "col.why": ("原因", "Why"),
    "col.household": ("户", "Household"),
    "col.head": ("户主", "Head"),
    "col.since": ("联系起始", "Since"),
    "col.contacts": ("联系次数", "Contacts"),
    "col.last_contact": ("最近联系", "Last contact"),
    "col.link": ("状态", "Status"),
    # -- member --------------------------------------------------------------------------
    "member.title": ("党员详情", "Member"),
    "member.details": ("基本信息", "Details"),
    "member.links": ("联系户（3+N）", "Linked households (3+N)"),
    "member.no_links": ("尚未联系任何居民户", "No linked households yet"),
    "member.history": ("履历", "History"),
    "member.erased": ("个人信息已抹除", "personal data erased"),
    "member.contact_hidden": ("已隐藏（查看联系方式）", "hidden (show contact)"),
    "member.deregistered_as": ("已于 {on} 注销（{cause}）", "deregistered on {on} ({cause})"),
    "member.link_active": ("联系中", "current"),
    "member.link_ended": ("已解除", "ended"),
    "event.Member.Registered": ("登记入册", "Registered"),
    "event.Member.Transferred": ("组织关系转接", "Transferred"),
    "event.Member.Corrected": ("信息更正", "Corrected"),
    "event.Member.Deregistered": ("注销", "Deregistered"),
    "history.into": ("到 {place}", "into {place}"),
    "history.fields": ("更正：{fields}", "corrected: {fields}"),
    "history.cause": ("{cause}，{on}", "{cause}, {on}"),
    # -- account -------------------------------------------------------------------------
    "account.title": ("账号：{user}", "Account: {user}"),
    "account.roles": ("角色：{roles}", "Roles: {roles}"),
    "account.password": ("修改密码", "Change password"),
    "account.language": ("切换为 English", "Switch to 中文"),
    "account.logout": ("退出登录", "Log out"),
    "account.close": ("关闭", "Close"),
    # -- errors --------------------------------------------------------------------------
    "error.authentication": (
        "用户名或密码错误，或账号已停用",
        "Wrong user name or password, or the account is disabled",
    ),
    "error.throttled": (
        "登录失败次数过多，请 {seconds} 秒后再试",
        "Too many failed logins; try again in {seconds} seconds",
    ),
    "error.permission": (
        "您的账号无权进行此操作（{user}）",
        "Your account may not do this ({user})",
    ),
    "error.concurrency": (
        "他人同时修改了这条记录，请重新读取后再试",
        "Someone else changed this at the same time; reload and try again",
    ),
    "error.not_found": ("未找到：{kind}", "Not found: {kind}"),
    "reason.required": ("必填", "is required"),
    "reason.phone": (
        "须为11位手机号，或区号加座机号",
        "must be an 11-digit mobile number or an area code and landline",
    ),
    "reason.id_format": ("须为18位：17位数字加1位校验码", "must be 18 characters"),
    "reason.id_check": ("校验码不正确", "has a wrong check digit"),
    "reason.future": ("不能晚于今天", "cannot be in the future"),
    "reason.adult": ("党员须年满18岁", "a member must be at least 18 years old"),
    "reason.too_long": ("不能超过 {n} 个字", "is longer than {n} characters"),
    "reason.control": ("含有控制字符", "contains control characters"),
    "reason.choice": ("须从选项中选择", "must be one of the choices"),
    "reason.bad_id": ("不是有效的编号", "is not a valid id"),
    "reason.too_early": ("不能早于 {date}", "cannot be before {date}"),
    "reason.old_password": ("不正确", "is not the current password"),
    "reason.password_short": ("至少 {n} 个字符", "must be at least {n} characters"),
    "reason.username": (
        "3–32个字符：小写字母、数字、“.”、“_”或“-”",
        "3–32 characters: lower-case letters, digits, '.', '_' or '-'",
    ),
    "reason.needs_unit": (
        "在职党员须选择所在的驻区单位",
        "an in-service member needs a resident unit",
    ),
    "reason.only_in_service": (
        "只有在职党员才有驻区单位",
        "only an in-service member has a resident unit",
    ),
    "reason.unit_elsewhere": (
        "该驻区单位不在党员所在社区",
        "the resident unit is in another community",
    ),
    "reason.not_group": ("不是该支部下的党小组", "is not a party group of that branch"),
    "reason.not_branch": ("不是网格党支部", "is not a grid branch"),
    "rule.member_exists": ("此人已登记为党员", "This person is already registered as a member"),
    "rule.same_place": (
        "该党员已在这个支部和党小组",
        "The member is already in that branch and group",
    ),
    "rule.nothing_to_correct": ("这次更正没有改变任何内容", "The correction changes nothing"),
    "rule.nothing_changed": ("这次操作没有改变任何内容", "The command changed nothing"),
    "rule.member_deregistered": ("该党员已注销", "The member is deregistered"),
    "rule.member_holds_posts": (
        "请先结束该党员的任职：{detail}",
        "End the member's appointments first: {detail}",
    ),
    "rule.unit_closed": ("该组织已撤销，不能再变更", "The unit is closed and accepts no changes"),
    "rule.resident_unit_closed": ("该驻区单位已关闭", "The resident unit is closed"),
    "rule.in_service_community": (
        "在职党员须在其驻区单位所在社区报到",
        "An in-service member reports to the community of their resident unit",
    ),
    "rule.reason_required": ("须填写原因", "A reason is required"),
    "rule.erased": ("该党员的个人信息已被抹除", "This member's personal data was erased"),
    "rule.already_initialized": ("这个数据库已经有账号了", "This database already has accounts"),
    "rule.account_disabled": ("账号已停用", "The account is disabled"),
    "rule.demo_not_empty": (
        "数据库已有数据，演示社区只能加载到空数据库",
        "The database has data; the demo loads only into an empty one",
    ),
    # -- enum labels ---------------------------------------------------------------------
    "level.subdistrict": ("街道", "Subdistrict"),
    "level.community": ("社区", "Community"),
    "level.branch": ("网格党支部", "Grid branch"),
    "level.group": ("党小组", "Party group"),
    "branch_kind.direct": ("直管型", "Direct"),
    "branch_kind.co_building": ("共建型", "Co-building"),
    "branch_kind.combined": ("组合型", "Combined"),
    "group_kind.building": ("楼栋", "Building"),
    "group_kind.merchant": ("商户", "Merchants"),
    "member_kind.resident": ("居民党员", "Resident"),
    "member_kind.in_service": ("在职党员", "In service"),
    "member_kind.floating": ("流动党员", "Floating"),
    "gender.female": ("女", "Female"),
    "gender.male": ("男", "Male"),
    "cause.moved": ("迁出", "Moved away"),
    "cause.deceased": ("去世", "Deceased"),
    "cause.membership_ended": ("党籍终止", "Membership ended"),
    "channel.visit": ("走访", "Visit"),
    "channel.phone": ("电话", "Phone"),
    "channel.group_chat": ("群聊", "Group chat"),
    "role.clerk": ("窗口工作人员", "Clerk"),
    "role.cadre": ("社区干部", "Cadre"),
    "role.supervisor": ("督办", "Supervisor"),
    "role.reviewer": ("审查员", "Reviewer"),
    "role.admin": ("管理员", "Admin"),
    "appointment.secretary": ("书记", "Secretary"),
    "appointment.group_leader": ("党小组长", "Group leader"),
    "appointment.liaison": ("联络员", "Liaison"),
    "resident_unit_kind.agency": ("机关", "Agency"),
    "resident_unit_kind.enterprise": ("企业", "Enterprise"),
    "resident_unit_kind.institution": ("事业单位", "Institution"),
    "resident_unit_kind.social_organization": ("社会组织", "Social organization"),
    "status.active": ("在册", "Active"),
    "status.deregistered": ("已注销", "Deregistered"),
    "status.open": ("正常", "Open"),
    "status.closed": ("已撤销", "Closed"),
}


def _merge_area_texts() -> None:
    """Add each area's texts (`tui/text/<area>.py`: TEXT, REASONS) to the catalogue.

    Each screen area keeps its strings in its own module; a key defined twice is a
    mistake, caught when the app starts.
    """
    from tui import text

    for module_info in sorted(pkgutil.iter_modules(text.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"tui.text.{module_info.name}")
        for key, entry in getattr(module, "TEXT", {}).items():
            if key in CATALOGUE:
                where = f"tui.text.{module_info.name}"
                raise RuntimeError(f"text key {key!r} is defined twice ({where})")
            CATALOGUE[key] = entry
        for english, key in getattr(module, "REASONS", {}).items():
            if english in REASONS:
                raise RuntimeError(f"reason {english!r} is mapped twice")
            REASONS[english] = key


#: Exact English reasons the domain gives, by catalogue key, added by area modules
#: (tui.errors holds the roster's own).
REASONS: dict[str, str] = {}

_merge_area_texts()
