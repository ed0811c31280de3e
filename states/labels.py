"""Every Chinese label staff and parties read, in one place (keys are the enums' values)."""

from states.enums import DisputeType, Role, State

STATE_LABELS: dict[State, str] = {
    State.INTAKE: "受理登记",
    State.DIVERSION: "分流交办",
    State.MEDIATION: "调解中",
    State.AGREEMENT: "达成协议",
    State.FAILED: "调解未成",
    State.JUDICIAL_CONFIRMATION: "司法确认中",
    State.CONFIRMED: "已司法确认",
    State.CONFIRMATION_REJECTED: "确认被驳回",
    State.ARBITRATION: "仲裁中",
    State.LITIGATION: "诉讼中",
    State.CLOSED: "已结案",
}

DISPUTE_TYPE_LABELS: dict[DisputeType, str] = {
    DisputeType.LABOUR: "劳动争议",
    DisputeType.LAND_CONTRACT: "农村土地承包经营纠纷",
    DisputeType.MEDICAL: "医疗纠纷",
    DisputeType.TRAFFIC: "道路交通事故损害赔偿纠纷",
    DisputeType.CONSUMER: "消费纠纷",
    DisputeType.PROPERTY: "物业纠纷",
    DisputeType.FAMILY: "婚姻家庭纠纷",
    DisputeType.NEIGHBOUR: "邻里纠纷",
    DisputeType.CONTRACT: "合同纠纷",
    DisputeType.COMMERCIAL: "商事纠纷",
    DisputeType.OTHER: "其他纠纷",
}


ROLE_LABELS: dict[str, str] = {
    Role.INTAKE: "窗口受理", Role.MEDIATOR: "调解员", Role.COURT: "人民法院", Role.SUPERVISOR: "督办",
    Role.ADMIN: "系统管理",
}

CHANNEL_LABELS: dict[str, str] = {
    "window": "窗口来访", "grid": "网格员上报", "hotline": "热线来电", "online": "网上申请",
    "court_referral": "法院委派/委托", "police": "公安移送", "petition": "信访转办",
}

PARTY_ROLE_LABELS: dict[str, str] = {"applicant": "申请人", "respondent": "被申请人", "third_party": "第三人"}

DEADLINE_KIND_LABELS: dict[str, str] = {
    "diversion_acceptance": "分流受理时限",
    "mediation": "调解期限",
    "confirmation_window": "申请司法确认期限",
    "court_decision": "司法确认审结期限",
    "arbitration_award": "仲裁裁决期限",
    "followup": "回访期限",
    "enforcement": "申请强制执行期限",
}

DEADLINE_STATUS_LABELS: dict[str, str] = {
    "pending": "计时中", "paused": "已暂停", "fired": "已到期", "cancelled": "已取消", "met": "已完成",
}

LEVEL_LABELS: dict[str, str] = {"village": "村（社区）级", "town": "乡镇（街道）级", "county": "县（区）级", "city": "市级"}

STATIONING_LABELS: dict[str, str] = {"resident": "常驻", "rotating": "轮驻", "on_call": "随叫随驻"}

ARBITRATION_BODY_LABELS: dict[str, str] = {
    "labour_arbitration": "劳动人事争议仲裁委员会",
    "land_arbitration": "农村土地承包经营纠纷仲裁委员会",
    "commercial_arbitration": "仲裁委员会",
}

EVENT_LABELS: dict[str, str] = {"open": "受理登记", "document_generated": "生成文书"}
"""Audit events that are not transitions (transitions are labelled in the table)."""
