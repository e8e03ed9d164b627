"""The receipts pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "receipts.title": ("回执查询", "Receipt lookup"),
    "receipts.lead": (
        "输入您回执上的编号，查看诉求的办理进度。",
        "Type the code on your receipt to follow your request.",
    ),
    "receipts.code": ("回执编号", "Receipt code"),
    "receipts.code_hint": (
        "如 K7Q-4MZ2：7 位数字和字母，大小写均可，短横线和空格可省略。",
        "Like K7Q-4MZ2: 7 digits and letters; case, spaces and the dash do not matter.",
    ),
    "receipts.submit": ("查询", "Look up"),
    "receipts.error_required": (
        "请填写“回执编号”。",
        "Fill in the receipt code.",
    ),
    "receipts.error_invalid": (
        "“回执编号”格式不对：应为 3 位、短横线、4 位，如 K7Q-4MZ2"
        "（只用数字 2–9 和字母，没有 0、1、I、L、O）。",
        "The receipt code is not right: it is 3 characters, a dash and 4 more, like "
        "K7Q-4MZ2 (digits 2–9 and letters only, never 0, 1, I, L or O).",
    ),
    "receipts.not_found": (
        "没有诉求使用这个回执编号。请核对回执上的编号后再试。",
        "No request has this receipt code. Check the code on your receipt and try again.",
    ),
    "receipts.privacy": (
        "查询结果只显示办理进度，不显示诉求内容、反映人、联系方式和办理人。",
        "The answer shows the progress only: never what the request says, who made it, "
        "how to reach them or who handles it.",
    ),
    "receipts.heading": ("回执 {code}", "Receipt {code}"),
    "receipts.status": ("当前状态", "Status"),
    "receipts.progress": ("办理进程", "Progress"),
    "receipts.placed": ("受理", "Received"),
    "receipts.classified": ("分类派单", "Sorted and assigned"),
    "receipts.claimed": ("干部领单", "Taken on by a cadre"),
    "receipts.resolved": ("办结", "Resolved"),
    "receipts.visited": ("回访", "Followed up"),
    "receipts.published": ("公开晒单", "Outcome published"),
    "receipts.not_yet": ("尚未", "Not yet"),
    "receipts.limits": ("办理时限", "Time limits"),
    "receipts.claim_by": ("应领单日期", "To be taken on by"),
    "receipts.resolve_by": ("应办结日期", "To be resolved by"),
    "receipts.overdue": ("已超时", "Late"),
    "receipts.paused": (
        "计时已暂停：暂停期间不计入办理时限。",
        "The clock is paused: the time limits do not run while it is.",
    ),
    "receipts.outcome": ("查看公开的办理结果", "Read the published outcome"),
    "receipts.proof_title": ("存证证明", "Proof of record"),
    "receipts.proof_explains": (
        "证明文件可以证明：回执 {code} 于 {day} 记入经签名的账本，此后未被改动。"
        "文件里只有回执编号、工单编号、登记时间和登记的工作人员账号，不含诉求内容和反映人。",
        "The proof shows that receipt {code} was recorded in the signed ledger on {day} and "
        "has not been altered since. It holds only the receipt code, the request's number, "
        "when it was recorded and the staff account that recorded it: nothing of what the "
        "request says or who made it.",
    ),
    "receipts.proof_covered": (
        "它由检查点 #{size}（签署于 {made_at}）覆盖。",
        "It is covered by checkpoint #{size}, signed {made_at}.",
    ),
    "receipts.proof_download": ("下载证明文件（JSON）", "Download the proof (JSON)"),
    "receipts.proof_pending": (
        "证明将在下一个检查点签署后提供（服务运行期间每 {minutes} 分钟签署一次），届时请再来查询。",
        "The proof will be ready after the next checkpoint (one is signed every {minutes} "
        "minutes while the server runs); look again then.",
    ),
    "receipts.proof_pending_manual": (
        "证明将在下一个检查点签署后提供，届时请再来查询。",
        "The proof will be ready once the next checkpoint is signed; look again then.",
    ),
    "receipts.how_to_verify": ("如何验证证明文件", "How to check the proof"),
    "receipts.another": ("查询其他回执", "Look up another receipt"),
}
