"""The claims pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "claims.title": ("微心愿·共建项目", "Micro-wishes and alliance needs"),
    "claims.lead": (
        "党员认领并兑现居民的微心愿，驻区单位认领党建联盟的共建项目。"
        "这里公开经社区审核的兑现情况。",
        "Members take on residents' micro-wishes and make them come true; resident units "
        "take on the party-building alliance's projects. Here are the outcomes the "
        "community approved for publication.",
    ),
    "claims.wishes": ("微心愿", "Micro-wishes"),
    "claims.needs": ("共建项目", "Alliance needs"),
    "claims.wishes.title": ("已兑现的微心愿", "Micro-wishes fulfilled"),
    "claims.needs.title": ("已完成的共建项目", "Alliance needs met"),
    "claims.wishes.lead": (
        "居民的微心愿由党员认领并兑现，经居民确认、社区审核后公开。"
        "认领党员的姓名部分隐去，心愿人的信息不公开。",
        "A resident's micro-wish is claimed and fulfilled by a party member, confirmed by "
        "the resident and published once the community approves. Members' names are "
        "partly hidden; nothing about the resident is shown.",
    ),
    "claims.needs.lead": (
        "党建联盟列出需求项目，驻区单位每家认领一至两个，完成后经社区确认公开。",
        "The party-building alliance lists the community's needs; each resident unit takes "
        "on one or two, and the community publishes them once they are met.",
    ),
    "claims.wishes.item": ("心愿", "Wish"),
    "claims.needs.item": ("项目", "Project"),
    "claims.wishes.claimant": ("认领党员", "Member"),
    "claims.needs.claimant": ("认领单位", "Resident unit"),
    "claims.wishes.fulfilled": ("兑现日期", "Fulfilled"),
    "claims.needs.fulfilled": ("完成日期", "Met"),
    "claims.wishes.summary": ("兑现情况", "What was done"),
    "claims.needs.summary": ("完成情况", "What was done"),
    "claims.wishes.all": ("全部 {total} 个已兑现的微心愿", "All {total} micro-wishes fulfilled"),
    "claims.needs.all": ("全部 {total} 个已完成的共建项目", "All {total} alliance needs met"),
    "claims.wishes.kind": ("微心愿", "Micro-wish"),
    "claims.needs.kind": ("共建项目", "Alliance need"),
    "claims.claimed": ("认领日期", "Claimed"),
    "claims.published": ("公开日期", "Published"),
    "claims.alliance": ("党建联盟", "Alliance"),
    "claims.description": ("项目内容", "What was needed"),
    "claims.erased": ("（已按本人要求删除）", "(erased at their request)"),
    "claims.none_yet": ("暂无已公开的记录。", "Nothing has been published yet."),
}
