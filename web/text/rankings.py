"""The rankings pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "rankings.title": ("排名晾晒", "Rankings"),
    "rankings.lead": (
        "党员的年度积分与星级。每个年度结束并进入公示期后公开；姓名部分隐去。",
        "Members' points and stars for each year, published once the year has ended and "
        "entered its publicity window; names are partly hidden.",
    ),
    "rankings.year_title": ("{year} 年度", "{year}"),
    "rankings.year_quarter_title": ("{year} 年度 · 第{quarter}季度", "{year}, quarter {quarter}"),
    "rankings.whole_year": ("全年", "Whole year"),
    "rankings.quarter_n": ("第{n}季度", "Quarter {n}"),
    "rankings.rank": ("名次", "Rank"),
    "rankings.name": ("党员", "Member"),
    "rankings.points": ("积分", "Points"),
    "rankings.stars": ("星数", "Stars"),
    "rankings.level": ("星级", "Star level"),
    "rankings.level_value": ("{level} 星级", "{level}"),
    "rankings.level_more": ("{level} 星级（{stars} 星）", "{level} ({stars} stars)"),
    "rankings.total": ("共 {total} 名党员", "{total} members"),
    "rankings.state_window": ("公示中", "Publicity window"),
    "rankings.state_window_ended": ("公示期已结束", "Publicity over"),
    "rankings.state_final": ("已确定", "Final"),
    "rankings.window": (
        "公示期至 {end}：公示期内，党员可对本人积分提出异议。",
        "In its publicity window until {end}: until then members may object to their points.",
    ),
    "rankings.window_ended": (
        "公示期已于 {end} 结束，异议全部处理完毕后排名即确定。",
        "The publicity window ended {end}; the rankings become final once every objection "
        "is settled.",
    ),
    "rankings.final": (
        "排名已于 {date} 确定，不再变动。",
        "Final since {date}; they no longer change.",
    ),
    "rankings.selection_link": ("{year} 年度优秀党员名单", "The excellent members of {year}"),
    "rankings.scope_note": (
        "名次是所选季度、社区或支部范围内的名次；季度按积分事项的发生日期计算。",
        "A rank is the rank within the quarter, community or branch chosen; quarters go by "
        "the date of the deed.",
    ),
    "rankings.level_note": (
        "参加主题党日、帮助群众解决一个问题各得一星；星级即所得星数，最高 {cap} 星级。"
        "按积分排名，积分相同时按星数；积分和星数都相同的名次并列。",
        "A themed party day or a resident helped earns one star; the star level is the stars "
        "earned, up to {cap}. Ranked by points, then stars; equal points and stars share a "
        "rank.",
    ),
    "rankings.no_year": (
        "截至最新检查点，还没有结束并公示的年度。",
        "As of the latest checkpoint no year has been closed and published yet.",
    ),
    "rankings.not_closed_title": (
        "{year} 年度的排名尚未公开",
        "The rankings of {year} are not published",
    ),
    "rankings.not_closed": (
        "截至最新签署的检查点，{year} 年度尚未关账：年度结束、关账进入公示期后才公开排名。",
        "As of the latest signed checkpoint, {year} has not been closed. A year's rankings "
        "are published once it has ended and entered its publicity window.",
    ),
    "rankings.closed_years": ("可查看的年度", "Years you can view"),
    "rankings.back": ("排名晾晒", "Rankings"),
    "rankings.back_year": ("{year} 年度排名", "Rankings of {year}"),
    "rankings.selection_title": ("{year} 年度优秀党员", "Excellent members of {year}"),
    "rankings.selection_lead": (
        "从各网格党支部星数最多的党员中推荐（有未撤销的底线扣分者除外），经社区党委确认，"
        "于 {date} 公布。",
        "Proposed from each grid branch's members with the most stars (none with a standing "
        "bottom-line deduction), confirmed by the community committee, published {date}.",
    ),
    "rankings.selection_total": ("共 {total} 名", "{total} in all"),
    "rankings.selection_unpublished": (
        "{year} 年度优秀党员名单尚未公布。名单在年度积分确定、社区党委确认后公布。",
        "The excellent members of {year} have not been published. The list is published "
        "once the year's totals are final and the community committee has confirmed it.",
    ),
    "rankings.selection_uncovered": (
        "{year} 年度优秀党员名单已在最新签署的检查点之后公布，下一个检查点签署后即在此显示。",
        "The excellent members of {year} were published after the latest signed checkpoint; "
        "they appear here once the next checkpoint is signed.",
    ),
}
