"""Every Chinese label staff and parties read, in one place (keys are the enums' values)."""

from datetime import datetime, timedelta, tzinfo

from states.enums import (
    Channel,
    CourtLevel,
    DisputeType,
    Level,
    OrgKind,
    PartyRole,
    Role,
    State,
    Stationing,
    Trigger,
    Weekday,
)

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

TRIGGER_LABELS: dict[Trigger, str] = {
    Trigger.DIVERT: "分流交办",
    Trigger.ACCEPT: "受理调解",
    Trigger.DECLINE: "退回",
    Trigger.ESCALATE: "上报上级",
    Trigger.REJECT: "不予受理",
    Trigger.TRANSFER_OUT: "移交其他机关",
    Trigger.WITHDRAW: "撤回申请",
    Trigger.EXTEND: "延长调解期限",
    Trigger.PAUSE_CLOCK: "暂停计时",
    Trigger.RESUME_CLOCK: "恢复计时",
    Trigger.REACH_AGREEMENT: "达成调解协议",
    Trigger.FAIL: "调解终止",
    Trigger.SIGN_JOINT_APPLICATION: "当事人在线签署司法确认申请",
    Trigger.REQUEST_CONFIRMATION: "申请司法确认",
    Trigger.COURT_CONFIRM: "裁定确认有效",
    Trigger.COURT_REJECT: "裁定驳回",
    Trigger.COURT_FILE: "司法确认立案",
    Trigger.COURT_EXTEND: "延长审查期限（院长批准）",
    Trigger.WITHDRAW_CONFIRMATION: "撤回司法确认申请",
    Trigger.REAPPLY_CONFIRMATION: "向有管辖权的法院重新申请",
    Trigger.RESUME_MEDIATION: "重新调解",
    Trigger.REFER_ARBITRATION: "引导仲裁",
    Trigger.ARBITRATION_ACCEPTED: "登记仲裁受理",
    Trigger.ARBITRATION_NOT_ACCEPTED: "登记仲裁不予受理",
    Trigger.ARBITRATION_EXTENDED: "登记仲裁延期",
    Trigger.RECORD_AWARD: "登记仲裁裁决",
    Trigger.REFER_LITIGATION: "引导诉讼",
    Trigger.RECORD_OUTCOME: "登记处理结果",
    Trigger.RECORD_FULFILMENT: "登记履行完毕",
    Trigger.CLOSE: "结案",
    Trigger.RECORD_FOLLOWUP: "回访",
    Trigger.DIVERSION_TIMEOUT: "分流超时上报",
    Trigger.MEDIATION_TIMEOUT: "调解期满",
    Trigger.MEDIATION_OVERDUE: "调解逾期督办",
    Trigger.COURT_OVERDUE: "法院逾期督办",
}
"""What staff see on each action; the table's rows read it as `Transition.label`."""

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
    Role.INTAKE: "窗口受理",
    Role.MEDIATOR: "调解员",
    Role.COURT: "人民法院",
    Role.SUPERVISOR: "督办",
    Role.ADMIN: "系统管理",
    Role.PARTY: "当事人",
}

CHANNEL_LABELS: dict[str, str] = {
    Channel.WINDOW: "窗口来访",
    Channel.GRID: "网格员上报",
    Channel.HOTLINE: "热线来电",
    Channel.ONLINE: "网上申请",
    Channel.COURT_REFERRAL: "法院委派/委托",
    Channel.POLICE: "公安移送",
    Channel.PETITION: "信访转办",
}

PARTY_ROLE_LABELS: dict[str, str] = {
    PartyRole.APPLICANT: "申请人",
    PartyRole.RESPONDENT: "被申请人",
    PartyRole.THIRD_PARTY: "第三人",
}

DEADLINE_KIND_LABELS: dict[str, str] = {
    "diversion_acceptance": "分流受理时限",
    "mediation": "调解期限",
    "confirmation_window": "申请司法确认期限",
    "court_decision": "司法确认审结期限",
    "arbitration_award": "仲裁裁决期限",
    "arbitration_acceptance": "仲裁受理审查期限",
    "award_challenge": "不服仲裁裁决起诉期限",
    "award_set_aside": "申请撤销终局裁决期限",
    "followup": "回访期限",
    "enforcement": "申请强制执行期限",
    "limitation": "时效期间",
}

DEADLINE_STATUS_LABELS: dict[str, str] = {
    "pending": "计时中",
    "paused": "已暂停",
    "fired": "已到期",
    "cancelled": "已取消",
    "met": "已完成",
    "interrupted": "已中断",
}

LEVEL_LABELS: dict[str, str] = {
    Level.VILLAGE: "村（社区）级",
    Level.TOWN: "乡镇（街道）级",
    Level.COUNTY: "县（区）级",
    Level.CITY: "市级",
}

STATIONING_LABELS: dict[str, str] = {
    Stationing.RESIDENT: "常驻",
    Stationing.ROTATING: "轮驻",
    Stationing.ON_CALL: "随叫随驻",
}

WEEKDAY_LABELS: dict[str, str] = {
    Weekday.MON: "周一",
    Weekday.TUE: "周二",
    Weekday.WED: "周三",
    Weekday.THU: "周四",
    Weekday.FRI: "周五",
    Weekday.SAT: "周六",
    Weekday.SUN: "周日",
}

COURT_LEVEL_LABELS: dict[str, str] = {CourtLevel.BASIC: "基层人民法院", CourtLevel.INTERMEDIATE: "中级人民法院"}

ORG_KIND_LABELS: dict[str, str] = {
    OrgKind.PEOPLE_MEDIATION: "人民调解委员会",
    OrgKind.LABOUR_MEDIATION: "劳动争议调解组织",
    OrgKind.MEDICAL_MEDIATION: "医疗纠纷人民调解委员会",
    OrgKind.TRAFFIC_MEDIATION: "交通事故纠纷调解组织",
    OrgKind.CONSUMER_MEDIATION: "消费纠纷调解组织",
    OrgKind.PROPERTY_MEDIATION: "物业纠纷调解组织",
    OrgKind.COMMERCIAL_MEDIATION: "商事调解组织",
    OrgKind.COURT: "人民法院",
    OrgKind.LABOUR_ARBITRATION: "劳动人事争议仲裁委员会",
    OrgKind.LAND_ARBITRATION: "农村土地承包经营纠纷仲裁委员会",
    OrgKind.COMMERCIAL_ARBITRATION: "仲裁委员会",
    OrgKind.AGENCY: "综治中心（受理窗口）",
}

# The administrative change log (workflows/changelog.py): what was changed, and how.
ADMIN_ENTITY_LABELS: dict[str, str] = {
    "user": "账号",
    "mediator": "调解员",
    "organization": "组织机构",
    "document": "文书",
    "notification": "推送",
}
ADMIN_ACTION_LABELS: dict[str, str] = {
    "create": "新建",
    "update": "修改",
    "delete": "删除",
    "disable": "停用",
    "enable": "启用",
    "reset_password": "重置密码",
    "move": "调动",
    "retire": "退出",
    "reinstate": "恢复",
    "retry": "重试",
    "unlock": "解除锁定",
}

ARBITRATION_BODY_LABELS: dict[str, str] = {
    OrgKind.LABOUR_ARBITRATION: "劳动人事争议仲裁委员会",
    OrgKind.LAND_ARBITRATION: "农村土地承包经营纠纷仲裁委员会",
    OrgKind.COMMERCIAL_ARBITRATION: "仲裁委员会",
}

ROUTING_FACT_LABELS: dict[str, str] = {
    "all_persons": "当事人均为自然人",
    "commercial_mediation_chosen": "当事人选择商事调解",
    "land_requisition": "征地补偿纠纷",
    "domestic_violence": "涉家庭暴力",
}
"""The yes/no facts of a case a routing rule may test (`when: facts:` in workflows/rules/routing.yaml)."""

OBLIGATION_FIELD_LABELS: dict[str, str] = {"amount": "金额", "due_date": "履行期限"}
"""Fields of an agreement's obligation, as a court's pre-screen names what is missing."""

EVENT_LABELS: dict[str, str] = {
    "open": "受理登记",
    "document_generated": "生成文书",
    "court_received": "法院已接收",
    "deadline_expired": "期限届满",
    "calendar_recount": "节假日安排调整，期限重算",
}
"""Audit events that are not transitions (those are in TRIGGER_LABELS)."""

# Document kinds (the names of docs/contract.md §5) and their titles.
DOCUMENT_TITLES: dict[str, str] = {
    "mediation_agreement": "调解协议书",  # its own title follows its organization (documents/wording.py)
    "confirmation_application": "司法确认申请书",
    "termination_notice": "终止调解告知书",
    "acceptance_notice": "案件分流受理告知书",
    "intake_receipt": "受理回执",
}

# Time zones whose clock is 北京时间 (UTC+8, the national standard time).
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def zone_label(tz: tzinfo | None) -> str:
    """How a message names the zone of the times it shows: 北京时间, or the zone's own name."""
    key = getattr(tz, "key", None) or (tz.tzname(None) if tz is not None else None) or "UTC"
    return "北京时间" if key in BEIJING_ZONES else key


def local_text(at: datetime) -> str:
    """An aware time, already in the zone to show, for a message: "2026-12-31 24:00（北京时间）". A deadline's
    end (00:00 of the next day) reads as 24:00 of its last day (民法典 第203条)."""
    if (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0):
        text = f"{(at - timedelta(days=1)).date().isoformat()} 24:00"
    else:
        text = at.strftime("%Y-%m-%d %H:%M")
    return f"{text}（{zone_label(at.tzinfo)}）"
