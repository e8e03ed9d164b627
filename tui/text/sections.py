"""The sections' names, keys and palette entries."""

from __future__ import annotations

#: name: (中文, English, palette help in 中文, in English)
_SECTIONS = {
    "dashboard": ("工作台", "Dashboard", "今日受理、超期、待督办、待审批", "Today at a glance"),
    "intake": ("受理", "Intake", "柜台受理居民诉求（下单）", "Place a resident's request"),
    "board": ("工单", "Requests", "全部诉求：筛选、搜索、处理", "Every request: filter, act"),
    "supervision": ("督办", "Supervision", "待督办的诉求", "Requests awaiting supervision"),
    "roster": ("名册", "Roster", "组织树、党员、住户", "Organization, members, households"),
    "points": ("积分", "Points", "积分、扣分、异议、排名", "Points, objections, rankings"),
    "audit": ("审计", "Audit", "记录历史、回放、核验", "History, replay, verification"),
    "statistics": ("统计", "Statistics", "按月统计与图表", "Monthly figures and charts"),
}

TEXT: dict[str, tuple[str, str]] = {
    "app.short_title": ("一脉", "Yimai"),
    "app.no_sections": ("该账号没有可查看的内容", "This account may not see anything"),
}
for _name, (_zh, _en, _help_zh, _help_en) in _SECTIONS.items():
    TEXT[f"section.{_name}"] = (_zh, _en)
    TEXT[f"bind.app.section-{_name}"] = (_zh, _en)
    TEXT[f"palette.section.{_name}"] = (f"转到：{_zh}", f"Go to: {_en}")
    TEXT[f"palette.section.{_name}.help"] = (_help_zh, _help_en)
