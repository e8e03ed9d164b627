"""The statistics pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "statistics.title": ("办理统计", "Request statistics"),
    "statistics.lead": (
        "居民每月反映了多少问题、办结了多少、是否按时办结、居民是否满意。所有受理的诉求都计入，"
        "不只是已公开的。",
        "How many requests residents placed each month, how many are resolved, whether on "
        "time, and whether residents were satisfied. Every request placed counts, not only "
        "the published ones.",
    ),
    "statistics.year_heading": ("{year}年", "{year}"),
    "statistics.placed": ("受理", "Placed"),
    "statistics.resolved": ("办结", "Resolved"),
    "statistics.on_time_rate": ("按时办结率", "Resolved on time"),
    "statistics.satisfaction_rate": ("满意率", "Satisfied"),
    "statistics.head_on_time": ("按时办结率", "On time"),
    "statistics.head_satisfaction": ("满意率", "Satisfied"),
    "statistics.placed_note": ("{year}年受理的诉求", "requests placed in {year}"),
    "statistics.resolved_note": ("其中已办结", "of them resolved"),
    "statistics.on_time_note": (
        "经督办确认办结的 {n} 件中，在时限内办结的比例",
        "of the {n} confirmed as done, the share resolved within the time limit",
    ),
    "statistics.on_time_none": ("尚无经督办确认办结的诉求", "none confirmed as done yet"),
    "statistics.satisfaction_note": (
        "已回访的 {n} 件中，居民满意或基本满意的比例",
        "of the {n} followed up, the share of residents satisfied or basically satisfied",
    ),
    "statistics.satisfaction_none": ("尚无已回访的诉求", "none followed up yet"),
    "statistics.of": ("共 {n} 件", "of {n}"),
    "statistics.rate_hidden": ("不足 {n} 件，不计算", "under {n}, not computed"),
    "statistics.charts": ("图表", "Charts"),
    "statistics.chart_requests": ("每月受理与办结", "Requests placed and resolved per month"),
    "statistics.chart_on_time": ("每月按时办结率", "Resolved on time, per month"),
    "statistics.chart_satisfaction": ("每月满意率", "Residents satisfied, per month"),
    "statistics.desc_requests": (
        "{period}每月受理的诉求件数和其中已办结的件数（按受理月份）。"
        "少于 {n} 件的数字不显示，画作高至 {n} 的斜线条；为保护较小数字而不公开的数字，"
        "在底部以带“*”的点状小方块表示。各月数字见下表。",
        "Requests placed each month of {period}, and how many of them are resolved (by the "
        "month placed). Counts under {n} are not shown: they are drawn as hatched bars up "
        "to {n}. Counts withheld to protect a smaller one are a small dotted block at the "
        'base marked "*". The table below gives each month\'s figures.',
    ),
    "statistics.desc_on_time": (
        "{period}每月受理、经督办确认办结的诉求中，在时限内办结的比例（0–100%）。"
        "不足 {n} 件的月份不计算比例，在底部以标有“<{n}”的斜线小方块表示；不公开的以带“*”的"
        "点状小方块表示。各月数字见下表。",
        "Of the requests placed each month of {period} and confirmed as done, the share "
        "resolved within their time limit (0–100 %). For months with fewer than {n} no "
        'share is computed: a small hatched block at the base marked "<{n}"; withheld '
        'ones are a small dotted block marked "*". The table below gives each month\'s '
        "figures.",
    ),
    "statistics.desc_satisfaction": (
        "{period}每月受理、已回访的诉求中，居民表示满意或基本满意的比例（0–100%）。"
        "不足 {n} 件的月份不计算比例，在底部以标有“<{n}”的斜线小方块表示；不公开的以带“*”的"
        "点状小方块表示。各月数字见下表。",
        "Of the requests placed each month of {period} and followed up, the share whose "
        "resident was satisfied or basically satisfied (0–100 %). For months with fewer "
        'than {n} no share is computed: a small hatched block at the base marked "<{n}"; '
        'withheld ones are a small dotted block marked "*". The table below gives each '
        "month's figures.",
    ),
    "statistics.period": ("{year}年{first}至{last}", "{first} to {last} {year}"),
    "statistics.axis_month": ("受理月份", "Month placed"),
    "statistics.axis_count": ("件数", "Requests"),
    "statistics.axis_rate": ("比例", "Share"),
    "statistics.hidden": ("少于 {n}，不显示", "fewer than {n}, not shown"),
    "statistics.rate_hidden_legend": ("<{n}：不足 {n} 件，不计算", "<{n}: under {n}, not computed"),
    "statistics.hidden_mark": ("<{n}", "<{n}"),
    "statistics.withheld_legend": (
        "*：不公开（保护较小的数字）",
        "*: withheld (protects a smaller count)",
    ),
    "statistics.withheld": ("不公开", "withheld"),
    "statistics.withheld_note": (
        "为保护相邻的较小数字而不公开：否则用全年合计减去其他数字，就能算出那个较小的数字。",
        "Hidden so that a smaller count next to it cannot be worked out from the total.",
    ),
    "statistics.withheld_ref": ("见说明", "see the note"),
    "statistics.no_data": ("无数据", "no data"),
    "statistics.by_month": ("各月数字", "Month by month"),
    "statistics.by_category": ("按类别（全年）", "By category (the whole year)"),
    "statistics.month": ("月份", "Month"),
    "statistics.total": ("全年", "Whole year"),
    "statistics.no_months": (
        "这一年还没有可统计的月份。",
        "There are no months to count in this year yet.",
    ),
    "statistics.notes_title": ("口径说明", "How these figures are counted"),
    "statistics.note_month": (
        "诉求按受理的月份计入；所有受理的诉求都计入，包括尚未办结、撤回或不予受理的。",
        "Each request counts in the month it was placed; every request placed counts, "
        "including those not yet resolved, withdrawn or not accepted.",
    ),
    "statistics.note_resolved": (
        "“办结”：承办人已办结的诉求（包括等待督办确认的）。",
        '"Resolved": requests the member handling them has resolved (including those '
        "awaiting a supervisor's confirmation).",
    ),
    "statistics.note_on_time": (
        "“按时办结率”：经督办确认办结的诉求中，在时限内办结的比例；时限从受理时起算，"
        "经记录的暂停不计时。",
        '"Resolved on time": of the requests a supervisor confirmed as done, the share '
        "resolved within their time limit; the limit runs from placement, and only a "
        "recorded pause stops the clock.",
    ),
    "statistics.note_satisfaction": (
        "“满意率”：已回访的诉求中，居民表示满意或基本满意的比例。",
        '"Satisfied": of the requests followed up, the share whose resident was '
        "satisfied or basically satisfied.",
    ),
    "statistics.note_small": (
        "少于 {n} 件的数字不显示，以“少于 {n}”表示；不足 {n} 件时不计算比例：以免指向具体住户。",
        'Counts under {n} are shown as "fewer than {n}", and no rate is computed over fewer '
        "than {n} requests, so that no household can be singled out.",
    ),
    "statistics.note_withheld": (
        "“不公开*”：这个数字本身不小，但同一栏中只有一个数字少于 {n} 时，用全年合计减去其他数字"
        "就能算出它；因此同一栏中最小的另一个数字也不公开（相应的比例一并不公开）。",
        '"withheld*": this count is not small itself, but where only one count of a column '
        "is under {n}, the year's total minus the others would give it away; so the "
        "smallest other count of that column is hidden too (and the share computed over "
        "it).",
    ),
    "statistics.note_no_data": (
        "“—”：没有可计算的诉求，例如当月没有经督办确认办结的诉求。",
        '"—": nothing to compute, for example no request of that month confirmed as done.',
    ),
    "statistics.missing_title": ("没有{year}年的统计", "No statistics for {year}"),
    "statistics.missing": (
        "按最新签署的检查点，{year}年没有受理的诉求，因此没有统计。",
        "As of the latest signed checkpoint, no requests were placed in {year}, so there "
        "are no statistics for it.",
    ),
    "statistics.years_with": ("有统计的年份", "Years with statistics"),
    "statistics.back": ("返回办理统计", "Back to the statistics"),
    "statistics.month_name": ("{year}年{month}月", "{short} {year}"),
    "statistics.m1": ("1月", "Jan"),
    "statistics.m2": ("2月", "Feb"),
    "statistics.m3": ("3月", "Mar"),
    "statistics.m4": ("4月", "Apr"),
    "statistics.m5": ("5月", "May"),
    "statistics.m6": ("6月", "Jun"),
    "statistics.m7": ("7月", "Jul"),
    "statistics.m8": ("8月", "Aug"),
    "statistics.m9": ("9月", "Sep"),
    "statistics.m10": ("10月", "Oct"),
    "statistics.m11": ("11月", "Nov"),
    "statistics.m12": ("12月", "Dec"),
}
