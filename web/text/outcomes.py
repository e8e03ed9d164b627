"""The outcome pages' words: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "outcomes.title": ("公开晒单", "Published outcomes"),
    "outcomes.lead": (
        "居民反映的问题办理完毕、回访后，经社区审核公开办理结果。",
        "Once a resident's request is resolved and followed up, the community publishes "
        "the approved outcome.",
    ),
    "outcomes.status": ("状态", "Status"),
    "outcomes.placed": ("受理日期", "Placed"),
    "outcomes.resolved": ("办结日期", "Resolved"),
    "outcomes.published": ("公开日期", "Published"),
    "outcomes.on_time": ("按时办结", "On time"),
    "outcomes.in_time": ("按时", "On time"),
    "outcomes.late": ("超时", "Late"),
    "outcomes.satisfaction": ("满意度", "Satisfaction"),
    "outcomes.summary": ("办理结果", "Outcome"),
    "satisfaction.satisfied": ("满意", "Satisfied"),
    "satisfaction.basically_satisfied": ("基本满意", "Basically satisfied"),
    "satisfaction.dissatisfied": ("不满意", "Dissatisfied"),
    "satisfaction.none": ("未回访", "Not followed up"),
    "state.placed": ("已受理", "Received"),
    "state.classified": ("已分类派单", "Sorted and assigned"),
    "state.claimed": ("办理中", "Being handled"),
    "state.resolved": ("已办结，待确认", "Resolved, awaiting confirmation"),
    "state.accepted": ("已确认，待回访", "Confirmed, awaiting follow-up"),
    "state.visited": ("已回访，待公开", "Followed up, awaiting publication"),
    "state.published": ("已公开", "Published"),
    "state.closed": ("已归档", "Closed"),
    "state.withdrawn": ("已撤回", "Withdrawn"),
    "state.rejected": ("不予受理", "Not accepted"),
    "state.merged": ("已合并到其他工单", "Merged into another request"),
}
