"""Words every page shares: the frame, navigation, lists, errors, the basis line."""

TEXT: dict[str, tuple[str, str]] = {
    "site.name": ("一脉 · 社区公开账本", "Yimai · Community public ledger"),
    "site.tagline": (
        "群众下单、干部领单、社区督单、公开晒单：办理结果向居民公开",
        "Residents ask, cadres take it on, the community supervises, the outcome is published",
    ),
    "site.switch": ("English", "中文"),
    "site.switch_label": ("切换语言", "Switch language"),
    "site.skip": ("跳到正文", "Skip to content"),
    "site.footer": (
        "本站只公开经审核发布的信息，不含任何个人联系方式。",
        "This site shows only what has been approved for publication; no personal contact details.",
    ),
    "site.feeds": ("数据接口", "Data feeds"),
    "nav.home": ("首页", "Home"),
    "nav.outcomes": ("公开晒单", "Outcomes"),
    "nav.rankings": ("排名晾晒", "Rankings"),
    "nav.claims": ("微心愿·共建", "Wishes & needs"),
    "nav.statistics": ("统计", "Statistics"),
    "nav.receipt": ("回执查询", "Receipt lookup"),
    "nav.checkpoints": ("检查点", "Checkpoints"),
    "nav.verify": ("如何验证", "How to verify"),
    "list.empty": ("暂无记录。", "Nothing here yet."),
    "list.total": ("共 {total} 条", "{total} in all"),
    "list.page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "list.prev": ("上一页", "Previous"),
    "list.next": ("下一页", "Next"),
    "list.filter": ("筛选", "Filter"),
    "list.clear": ("清除筛选", "Clear"),
    "list.all": ("全部", "All"),
    "list.json": ("JSON", "JSON"),
    "list.csv": ("CSV", "CSV"),
    "list.download": ("下载本列表", "Download this list"),
    "field.community": ("社区", "Community"),
    "field.branch": ("网格党支部", "Grid branch"),
    "field.category": ("类别", "Category"),
    "field.year": ("年度", "Year"),
    "field.quarter": ("季度", "Quarter"),
    "value.yes": ("是", "Yes"),
    "value.no": ("否", "No"),
    "value.none": ("—", "—"),
    "count.fewer": ("少于 {n}", "fewer than {n}"),
    "count.suppressed_note": (
        "少于 {n} 件的数字不显示，以免指向具体住户。",
        "Counts under {n} are not shown, so that no household can be singled out.",
    ),
    "basis.title": ("计算依据", "Computed from"),
    "basis.line": (
        "本页数据按检查点 #{size} 计算（账本前 {size} 个事件，截至第 {position} 号事件，"
        "签署于 {made_at}）。",
        "The figures on this page are computed from checkpoint #{size} (the log's first "
        "{size} events, up to event {position}, signed {made_at}).",
    ),
    "basis.none": (
        "账本尚未签署检查点，数据将在首个检查点签署后显示。",
        "No checkpoint has been signed yet; the figures appear once the first one is.",
    ),
    "basis.check": ("核对此检查点", "Check this checkpoint"),
    "error.title": ("出错了", "Something went wrong"),
    "error.not_found": ("没有找到这一页或这条记录。", "There is no such page or record."),
    "error.invalid": ("“{field}”填写有误：{reason}", "“{field}” is not right: {reason}"),
    "error.bad_value": ("“{field}”的取值无效。", "“{field}” is not a valid value."),
    "error.other": (
        "请求无法完成，请稍后再试。",
        "The request could not be completed; try again later.",
    ),
    "error.home": ("回到首页", "Back to the home page"),
    "home.outcomes": ("件办理结果已公开", "outcomes published"),
    "home.rankings": (
        "党员积分与星级排名、年度优秀党员",
        "Members' points, stars and the year's excellent members",
    ),
    "home.claims": (
        "微心愿与共建项目的认领和兑现",
        "Micro-wishes and alliance needs, who took them on",
    ),
    "home.statistics": (
        "每月受理、按时办结率、满意度",
        "Requests a month, on-time rate, satisfaction",
    ),
    "home.receipt": ("凭回执编号查询办理进度", "Follow your request by its receipt code"),
    "home.checkpoints": (
        "签名检查点：证明账本未被改动",
        "Signed checkpoints: proof the ledger was not altered",
    ),
    "home.latest": ("最新公开", "Latest published"),
    "home.checkpoint": (
        "账本最新的签名检查点是 #{size}，签署于 {made_at}。",
        "The ledger's latest signed checkpoint is #{size}, signed {made_at}.",
    ),
    "feeds.title": ("数据接口", "Data feeds"),
    "feeds.lead": (
        "本站每个列表都可以下载为 JSON 或 CSV，供媒体、研究者和其他应用使用；"
        "内容与网页完全相同，不含个人信息。",
        "Every list on this site can be downloaded as JSON or CSV, for the press, researchers "
        "and other apps; they hold exactly what the pages show, and no personal data.",
    ),
    "feeds.what": ("列表", "List"),
    "feeds.wishes": ("微心愿", "Micro-wishes"),
    "feeds.needs": ("共建项目", "Alliance needs"),
    "feeds.paging": ("分页", "Pages"),
    "feeds.paging_text": (
        "列表分页提供：参数 page（从 1 开始）和 per_page（最多 100）；"
        "JSON 中的 next 与 prev 给出相邻页的地址。筛选参数与网页相同。",
        "Lists come in pages: page (from 1) and per_page (at most 100); in JSON, next and "
        "prev give the neighbouring pages. Filters are the same as on the pages.",
    ),
    "feeds.open311": (
        "已公开的办理结果也以 Open311 GeoReport v2 格式提供（只读），现有的城市服务应用"
        "可以直接读取。英文：加 ?lang=en；分页：page、page_size（最多 100），下一页见 Link "
        "响应头，总数见 X-Total-Count；也提供 .xml。",
        "Published outcomes are also offered as Open311 GeoReport v2 (read-only), so "
        "existing civic apps can read them. English: add ?lang=en. Pages: page and "
        "page_size (at most 100); the next page is in the Link header and the total in "
        "X-Total-Count. .xml is offered too.",
    ),
    "feeds.seal": ("检查点与公钥", "Checkpoints and the public key"),
    # What an input is called on a page, by the name the code gives it.
    "fieldname.month": ("月份", "Month"),
    "fieldname.page": ("页码", "Page"),
    "fieldname.per_page": ("每页条数", "Rows a page"),
    "fieldname.community": ("社区", "Community"),
    "fieldname.branch": ("网格党支部", "Grid branch"),
    "fieldname.category": ("类别", "Category"),
    "fieldname.year": ("年度", "Year"),
    "fieldname.quarter": ("季度", "Quarter"),
    "fieldname.code": ("回执编号", "Receipt code"),
    "fieldname.tree_size": ("检查点", "Checkpoint"),
    "fieldname.m": ("起点检查点", "First checkpoint"),
    "fieldname.n": ("终点检查点", "Second checkpoint"),
    # Why an input was refused, by the words the code gives (English as it stands).
    "reason.looks like 2026-03": ("应为 2026-03 这样的年月", "looks like 2026-03"),
    "reason.must look like 2026-03": ("应为 2026-03 这样的年月", "must look like 2026-03"),
    "reason.looks like K7Q-4MZ2": ("应为 K7Q-4MZ2 这样的编号", "looks like K7Q-4MZ2"),
    "reason.is required": ("不能为空", "is required"),
    "reason.is not one of the listed communities": (
        "不是列出的社区之一",
        "is not one of the listed communities",
    ),
    "reason.is not one of the listed places": (
        "不是列出的地点之一",
        "is not one of the listed places",
    ),
    "reason.is not one of the listed years": (
        "不是列出的年度之一",
        "is not one of the listed years",
    ),
    "reason.must be a page number from 1": ("应为从 1 开始的页码", "must be a page number from 1"),
    "reason.must be from 1 to 100": ("应在 1 到 100 之间", "must be from 1 to 100"),
    "reason.must be 1, 2, 3 or 4": ("应为 1、2、3 或 4", "must be 1, 2, 3 or 4"),
    "reason.must be a year like 2026": ("应为 2026 这样的年份", "must be a year like 2026"),
    "reason.must be a year such as 2025": ("应为 2025 这样的年份", "must be a year such as 2025"),
    "reason.must be in the years 1900–2999": (
        "应在 1900–2999 年之间",
        "must be in the years 1900–2999",
    ),
    "reason.must be a whole number": ("应为整数", "must be a whole number"),
    "reason.is not one of the listed categories": (
        "不是列出的类别之一",
        "is not one of the listed categories",
    ),
    "error.invalid_plain": ("“{field}”填写有误。", "“{field}” is not right."),
}
