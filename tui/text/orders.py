"""Texts every screen of the four orders shares: the labels of a request's enums
(`request_state.*`, `request_channel.*`, `urgency.*`, `requester_kind.*`,
`queue_reason.*`), the labels of its fields (`field.*`, read by forms and by error
messages), and the reasons its commands give (REASONS)."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    # -- a request's enums ----------------------------------------------------------------
    "request_state.placed": ("待分类", "Placed"),
    "request_state.classified": ("待认领", "Classified"),
    "request_state.claimed": ("办理中", "Claimed"),
    "request_state.resolved": ("待验收", "Resolved"),
    "request_state.accepted": ("待回访", "Accepted"),
    "request_state.visited": ("待公开", "Visited"),
    "request_state.published": ("已公开", "Published"),
    "request_state.closed": ("已关闭", "Closed"),
    "request_state.withdrawn": ("已撤回", "Withdrawn"),
    "request_state.rejected": ("不予受理", "Rejected"),
    "request_state.merged": ("已合并", "Merged"),
    "request_channel.walk_in": ("窗口来访", "Walk-in"),
    "request_channel.phone": ("电话", "Phone"),
    "request_channel.online": ("线上反映", "Online"),
    "request_channel.cadre_visit": ("干部下访", "Cadre's visit"),
    "request_channel.liaison_visit": ("联络员走访", "Liaison's visit"),
    "urgency.normal": ("一般", "Normal"),
    "urgency.urgent": ("紧急", "Urgent"),
    "requester_kind.household": ("名册住户", "Household (roster)"),
    "requester_kind.resident": ("居民个人", "Resident"),
    "requester_kind.anonymous": ("匿名", "Anonymous"),
    # Why a request is in the supervision queue (projections.requests).
    "queue_reason.awaiting_acceptance": ("待验收", "to accept"),
    "queue_reason.overdue": ("超期", "overdue"),
    "queue_reason.awaiting_publication": ("待公开", "to publish"),
    "queue_reason.pressed": ("已催办", "pressed"),
    "queue_reason.escalated": ("已上报", "escalated"),
    # -- a request's fields -----------------------------------------------------------------
    "field.channel": ("来源", "Channel"),
    "field.category": ("类别", "Category"),
    "field.description": ("诉求内容", "Description"),
    "field.urgency": ("紧急程度", "Urgency"),
    "field.requester_kind": ("诉求人", "Requester"),
    "field.household_id": ("住户", "Household"),
    "field.contact_name": ("姓名", "Name"),
    "field.contact_phone": ("电话", "Phone"),
    "field.building": ("楼栋", "Building"),
    # -- reasons the request commands give --------------------------------------------------
    "orders.reason.needs_name": ("个人诉求须填姓名", "a resident's request needs a name"),
    "orders.reason.needs_phone": ("个人诉求须填电话", "a resident's request needs a phone"),
    "orders.reason.anonymous": (
        "匿名诉求不能带诉求人或联系方式",
        "an anonymous request carries no requester or contact",
    ),
    "orders.reason.not_household": ("仅住户诉求可选住户", "is for a household's request"),
    "orders.reason.other_community": ("该住户不在所选社区", "is not in that community"),
    "orders.reason.not_category": ("不在类别目录中", "is not in the catalogue"),
    "orders.reason.retired": ("该类别已停用", "is retired from the catalogue"),
    "orders.reason.dissatisfied": (
        "居民不满意时须写明原因",
        "say why the resident is dissatisfied",
    ),
    "orders.reason.only_dissatisfied": (
        "只有不满意时才填写原因",
        "is only for a dissatisfied resident",
    ),
    "orders.reason.name_branch": ("请指定责任网格支部", "name the grid branch responsible"),
    "orders.reason.no_numbers": (
        "不能含有电话或身份证号",
        "must not contain a phone or ID number",
    ),
    "orders.reason.no_room": (
        "不能写到楼栋以下的单元、门牌",
        "must not give a room or door below the building",
    ),
    "orders.reason.no_names": (
        "不能出现居民姓名或联系方式",
        "must not name the resident or give their contact",
    ),
    "orders.reason.receipt_code": ("格式如 K7Q-4MZ2", "looks like K7Q-4MZ2"),
    "orders.reason.evidence": ("最多20项", "at most 20 references"),
}

#: Exact English reasons of place_request, classify and the other request commands.
#: ("is not a grid branch of that community" and "is not a community committee" are
#: mapped by tui.text.points, which meets them first.)
REASONS: dict[str, str] = {
    "a resident's request needs a name": "orders.reason.needs_name",
    "a resident's request needs a phone": "orders.reason.needs_phone",
    "an anonymous request carries no requester or contact": "orders.reason.anonymous",
    "is for a household's request": "orders.reason.not_household",
    "is not in that community": "orders.reason.other_community",
    "is not in the catalogue": "orders.reason.not_category",
    "is not a category code": "orders.reason.not_category",
    "is retired from the catalogue": "orders.reason.retired",
    "say why the resident is dissatisfied": "orders.reason.dissatisfied",
    "is only for a dissatisfied resident": "orders.reason.only_dissatisfied",
    "name the grid branch responsible": "orders.reason.name_branch",
    "must not contain a phone or ID number": "orders.reason.no_numbers",
    "must not give a room or door below the building": "orders.reason.no_room",
    "must not name the resident or give their contact": "orders.reason.no_names",
    "looks like K7Q-4MZ2": "orders.reason.receipt_code",
    "at most 20 references": "orders.reason.evidence",
}
