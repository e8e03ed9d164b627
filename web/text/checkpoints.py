"""The checkpoints pages' words (检查点 · 如何验证): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # -- /checkpoints ------------------------------------------------------------------
    "checkpoints.title": ("检查点", "Checkpoints"),
    "checkpoints.lead": (
        "检查点证明这本公开账本没有被悄悄改动过：任何人都可以自己核对。",
        "Checkpoints prove that this public ledger has not been quietly altered: anyone "
        "can check them for themselves.",
    ),
    "checkpoints.what_title": ("什么是检查点", "What is a checkpoint"),
    "checkpoints.what_1": (
        "账本里的每一件事，如登记、受理、认领、积分，都按先后顺序记为一个事件。"
        "检查点是整本账从第一个事件到某一个事件为止的“指纹”（根哈希），并由一脉系统的私钥签名。",
        "Everything in the ledger, such as a registration, a request, a claim or an award, "
        "is recorded in order as an event. A checkpoint is a fingerprint (the root hash) "
        "of the whole ledger from its first event up to one event, signed with Yimai's "
        "private key.",
    ),
    "checkpoints.what_2": (
        "只要有任何一个过去的事件被修改、删除或调换了顺序，重新算出的指纹就不再相符，签名也就对不上了。",
        "If any past event were changed, removed or put out of order, the fingerprint "
        "computed again would no longer match, and neither would the signature.",
    ),
    "checkpoints.what_3": (
        "每个新的检查点都必须是之前检查点的延续：“一致性证明”可以表明，后签的账本原封不动地包含先签的全部事件。",
        "Each later checkpoint must extend the earlier ones: a consistency proof shows "
        "that the ledger signed later still holds, unchanged, every event signed earlier.",
    ),
    "checkpoints.what_4": (
        "用手机扫描二维码，就能保存一个检查点；以后可以用一致性证明核对新的检查点是否延续了它。",
        "Scan a QR code with a phone to keep a checkpoint; later, a consistency proof "
        "shows whether a newer checkpoint extends it.",
    ),
    "checkpoints.how_link": ("如何自己核验", "How to check it yourself"),
    "checkpoints.latest": ("最新检查点", "Latest checkpoint"),
    "checkpoints.latest_badge": ("最新", "Latest"),
    "checkpoints.none": (
        "账本尚未签署任何检查点。",
        "No checkpoint of the ledger has been signed yet.",
    ),
    "checkpoints.number": ("检查点 #{size}", "Checkpoint #{size}"),
    "checkpoints.tree_size": ("签署的事件数", "Events signed"),
    "checkpoints.tree_size_value": ("前 {size} 个事件", "the first {size} events"),
    "checkpoints.root": ("根哈希（指纹）", "Root hash"),
    "checkpoints.made_at": ("签署时间", "Signed at"),
    "checkpoints.signature": ("签名", "Signature"),
    "checkpoints.key_id": ("密钥编号", "Key id"),
    "checkpoints.other_key": ("由另一把密钥签署", "signed by another key"),
    "checkpoints.qr_label": ("检查点 #{size} 的二维码", "QR code of checkpoint #{size}"),
    "checkpoints.qr_caption": (
        "扫码保存此检查点：内容是它的事件数、根哈希、签署时间、签名和密钥编号（JSON）。",
        "Scan to keep this checkpoint: its events signed, root hash, time, signature and "
        "key id, as JSON.",
    ),
    "checkpoints.open": ("查看此检查点", "Open this checkpoint"),
    "checkpoints.public_key": ("公钥", "Public key"),
    "checkpoints.public_key_lead": (
        "用这把公钥核对检查点的签名。请把它的密钥编号与服务站公告栏上公布的编号对照：两者一致，"
        "才能说明签名出自本社区的一脉系统。",
        "This public key checks the checkpoints' signatures. Compare its key id with the "
        "one posted on the service station's notice board: only if they match do the "
        "signatures come from your community's Yimai.",
    ),
    "checkpoints.download_key": ("下载公钥（PEM 文件）", "Download the public key (PEM file)"),
    "checkpoints.key_missing": (
        "本站暂时无法提供公钥，请向社区党群服务站索取。",
        "The public key is not available here right now; ask the service station for it.",
    ),
    "checkpoints.all": ("历次检查点（最新的在前）", "All checkpoints, newest first"),
    "checkpoints.from_previous": ("与上一个的一致性", "Consistency with the previous"),
    "checkpoints.proof_short": ("证明 #{m}→#{n}", "proof #{m}→#{n}"),
    "checkpoints.first": ("第一个检查点", "the first checkpoint"),
    # -- /checkpoints/{tree_size} ------------------------------------------------------
    "checkpoints.back": ("全部检查点", "All checkpoints"),
    "checkpoints.covers": (
        "此检查点签署了账本的前 {size} 个事件。",
        "This checkpoint signs the ledger's first {size} events.",
    ),
    "checkpoints.consistency": ("一致性证明", "Consistency proofs"),
    "checkpoints.consistency_lead": (
        "下载下面的证明文件，用核验脚本检查：它表明后一个检查点签署的账本原封不动地包含前一个检查点签署的全部事件。",
        "Download a proof file below and check it with the verification script: it shows "
        "that the ledger signed by the later checkpoint holds, unchanged, every event "
        "signed by the earlier one.",
    ),
    "checkpoints.from_previous_link": (
        "从上一个检查点 #{m} 到本检查点 #{n}",
        "From the previous checkpoint #{m} to this one, #{n}",
    ),
    "checkpoints.to_latest_link": (
        "从本检查点 #{m} 到最新检查点 #{n}",
        "From this checkpoint #{m} to the latest, #{n}",
    ),
    "checkpoints.is_first": (
        "这是第一个检查点，没有更早的检查点可以比对。",
        "This is the first checkpoint; there is no earlier one to compare it with.",
    ),
    "checkpoints.run": ("核验命令：", "To check it:"),
    "checkpoints.previous": ("上一个检查点", "Previous checkpoint"),
    "checkpoints.next": ("下一个检查点", "Next checkpoint"),
    "checkpoints.json": ("此检查点的 JSON", "This checkpoint as JSON"),
    # -- /verify -----------------------------------------------------------------------
    "checkpoints.verify_title": ("如何验证", "How to verify"),
    "checkpoints.verify_lead": (
        "不必相信本站，也不必相信任何人：用一个独立的小程序，就能在自己的电脑上核对一脉给出的证明。"
        "核对时不需要联网，也不需要一脉的数据库。",
        "You need not trust this site or anyone else: a small stand-alone program checks "
        "Yimai's proofs on your own computer, with no network and no Yimai database.",
    ),
    "checkpoints.step_need": ("准备", "What you need"),
    "checkpoints.step_need_text": (
        "一台装有 Python 3.11 或更新版本的电脑，以及 cryptography 软件包。安装命令：",
        "A computer with Python 3.11 or newer and the cryptography package. To install it:",
    ),
    "checkpoints.step_script": ("下载核验脚本", "Download the script"),
    "checkpoints.step_script_text": (
        "核验脚本只有一个文件，可以用任何文本编辑器打开阅读。",
        "The verification script is one file; any text editor opens it for reading.",
    ),
    "checkpoints.download_script": ("下载 yimai_verify.py", "Download yimai_verify.py"),
    "checkpoints.step_key": ("下载公钥，核对编号", "Download the public key and compare its id"),
    "checkpoints.step_key_text": (
        "本站公布的公钥编号是 {key_id}。请与服务站公告栏上张贴的编号对照；"
        "编号不一致时，不要相信任何证明。",
        "The key id this site publishes is {key_id}. Compare it with the id posted on the "
        "service station's notice board; if they differ, trust no proof.",
    ),
    "checkpoints.step_proof": ("取得证明文件", "Get a proof"),
    "checkpoints.step_proof_receipt": (
        "收录证明：在“回执查询”页输入回执编号，下载证明你的诉求已记入签名账本的文件。",
        "An inclusion proof: on the receipt lookup page, enter your receipt code and "
        "download the file that proves your request is in the signed ledger.",
    ),
    "checkpoints.step_proof_consistency": (
        "一致性证明：在任一检查点的页面下载，它证明后签的账本延续了先签的账本。",
        "A consistency proof: download it from any checkpoint's page; it proves that the "
        "ledger signed later extends the one signed earlier.",
    ),
    "checkpoints.step_run": ("运行核验", "Run the check"),
    "checkpoints.step_run_text": (
        "把脚本、公钥和证明文件放在同一个文件夹里，在那里运行下面的命令（把文件名换成您下载的"
        "证明文件的名字，例如回执 K7Q-4MZ2 的是 yimai-proof-K7Q-4MZ2.json；Windows 上把 python3 "
        "换成 python）：",
        "Put the script, the key and the proof file in one folder and run this there (with "
        "the name of the proof file you downloaded: for receipt K7Q-4MZ2 it is "
        "yimai-proof-K7Q-4MZ2.json; on Windows, python instead of python3):",
    ),
    "checkpoints.step_run_pinned": (
        "更稳妥的做法是同时给出公钥（或它的编号），脚本就会拒绝用其他密钥签署的文件：",
        "Safer: give it the public key (or its id) as well, and the script refuses a file "
        "signed with any other key:",
    ),
    "checkpoints.step_read": ("看懂结果", "Read the result"),
    "checkpoints.step_read_text": (
        "脚本用英文逐行列出它核对了什么，每行的开头表示结果：",
        "The script lists, line by line in English, what it checked; each line's start "
        "says how it went:",
    ),
    "checkpoints.line_start": ("行首", "Line starts with"),
    "checkpoints.line_means": ("含义", "Meaning"),
    "checkpoints.line_ok": ("这一项核对通过。", "This check held."),
    "checkpoints.line_note": (
        "不是失败，而是提醒你自己再核对一件事，例如文件里的公钥是否就是本站公布的那一把。",
        "Not a failure: something to check yourself, such as whether the key in the file "
        "is the one this site publishes.",
    ),
    "checkpoints.line_failed": (
        "这一项不相符，并说明哪里不符，例如事件或证明被改过、签名对不上、账本在两个检查点之间被改写。",
        "This did not match, and it says what: an event or the proof was changed, a "
        "signature does not fit, or the ledger was rewritten between two checkpoints.",
    ),
    "checkpoints.line_verified": (
        "所有核对都通过（程序的退出状态为 0）。",
        "Every check held (the program's exit status is 0).",
    ),
    "checkpoints.line_not_verified": (
        "至少一项不相符，括号里是问题的数目（退出状态为 1）。",
        "At least one check failed; the brackets give how many (exit status 1).",
    ),
    "checkpoints.step_compare": (
        "与本站公布的检查点对照",
        "Compare with the checkpoints published here",
    ),
    "checkpoints.step_compare_text": (
        "结果中写有“checkpoint: signed by key …”的行"
        "（一致性证明有两行：first 与 second checkpoint）写出了证明所依据的检查点："
        "事件数（N events）和根哈希（root …）。"
        "请在“检查点”页找到事件数相同的检查点，核对根哈希是否一字不差。",
        "The lines with “checkpoint: signed by key …” (a consistency proof has two, the "
        "first and the second checkpoint) name the checkpoints the proof stands on: the "
        "number of events (N events) and the root (root …). Find the checkpoint with "
        "that number of events on the checkpoints page and check that its root is "
        "exactly the same.",
    ),
    "checkpoints.example": (
        "例如，核对从检查点 #{m} 到 #{n} 的一致性证明时，脚本输出：",
        "For example, checking the consistency proof from checkpoint #{m} to #{n} prints:",
    ),
    "checkpoints.example_download": ("下载这个证明文件", "Download this proof file"),
    "checkpoints.limits_title": ("核验能说明什么", "What a check shows, and what it does not"),
    "checkpoints.limits_inclusion": (
        "收录证明通过，说明这个事件在签署检查点时已经原样记在账本中；它不能说明之后没有新的事件。",
        "A verified inclusion proof shows that the event, exactly as shown, was in the "
        "ledger when the checkpoint was signed; it cannot show that nothing came after it.",
    ),
    "checkpoints.limits_consistency": (
        "一致性证明通过，说明在前一个检查点之前的事件，到后一个检查点签署时都没有被改动。",
        "A verified consistency proof shows that nothing before the earlier checkpoint had "
        "been changed by the time the later one was signed.",
    ),
}
