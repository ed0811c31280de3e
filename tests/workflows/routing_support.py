"""A small county of our own (330110, 测试县) for the routing tests: one organization per rule of the
shipped profile, every stationing mode, capacities, a parent chain, a court with invited bodies.

Loaded through the seed loader before a test and removed after it, so the demo centre the other
tests rely on never sees it. Cases are opened by a window clerk of this county.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.schemas import CaseCreate
from models.seed.loader import load_seed
from states.enums import Role
from tests.factories import ID_A, ID_B, T0
from workflows.access import Actor
from workflows.engine import fire
from workflows.intake import open_case

COUNTY, TOWN, VILLAGE, VILLAGE2 = "330110", "330110001", "330110001001", "330110001002"
OTHER_TOWN_VILLAGE = "330110002001"  # a town with no labour committee of its own
NO_COMMITTEE_VILLAGE = "330110001009"  # a village without a committee

ALL = [
    "labour",
    "land_contract",
    "medical",
    "traffic",
    "consumer",
    "property",
    "family",
    "neighbour",
    "contract",
    "commercial",
    "other",
]


def _org(code: str, name: str, kind: str, level: str, region: str, types: list[str], **kw: Any) -> dict[str, Any]:
    return {"code": code, "name": name, "kind": kind, "level": level, "region": region, "dispute_types": types, **kw}


HIERARCHY: dict[str, Any] = {
    "courts": [{"code": "T3-COURT", "name": "测试县人民法院", "level": "county", "region": COUNTY}],
    "organizations": [
        _org("T3-CTY-RTW", "测试县人民调解委员会", "people_mediation", "county", COUNTY, ALL, invited_by=["T3-COURT"]),
        _org(
            "T3-TWN-RTW",
            "测试镇人民调解委员会",
            "people_mediation",
            "town",
            TOWN,
            ["neighbour", "family", "property", "contract", "other", "land_contract"],
            parent="T3-CTY-RTW",
            stationing="rotating",
            duty_days=["mon", "wed"],
        ),
        _org(
            "T3-VIL-RTW",
            "测试村人民调解委员会",
            "people_mediation",
            "village",
            VILLAGE,
            ["neighbour", "family", "land_contract"],
            parent="T3-TWN-RTW",
            stationing="on_call",
        ),
        _org(
            "T3-VIL2-RTW",
            "测试二村人民调解委员会",
            "people_mediation",
            "village",
            VILLAGE2,
            ["neighbour", "family"],
            parent="T3-TWN-RTW",
            capacity=1,
        ),
        _org("T3-TWN-WY", "测试镇物业纠纷调解委员会", "property_mediation", "town", TOWN, ["property"]),
        _org("T3-TWN-LD", "测试镇劳动争议调解委员会", "labour_mediation", "town", TOWN, ["labour"], capacity=1),
        _org("T3-CTY-LD", "测试县劳动人事争议调解中心", "labour_mediation", "county", COUNTY, ["labour"]),
        _org(
            "T3-CTY-YT",
            "测试县医疗纠纷人民调解委员会",
            "medical_mediation",
            "county",
            COUNTY,
            ["medical"],
            stationing="rotating",
            duty_days=["thu"],
        ),
        _org("T3-CTY-JT", "测试县交通事故纠纷人民调解委员会", "traffic_mediation", "county", COUNTY, ["traffic"]),
        _org("T3-CTY-XF", "测试县消费者协会调解委员会", "consumer_mediation", "county", COUNTY, ["consumer"]),
        _org(
            "T3-CTY-SS",
            "测试县商事调解中心",
            "commercial_mediation",
            "county",
            COUNTY,
            ["contract", "commercial"],
            invited_by=["T3-COURT"],
            stationing="on_call",
        ),
    ],
    "mediators": [
        {"code": "TM-1", "name": "甲", "org": "T3-CTY-RTW", "specialties": ["neighbour"]},
        {
            "code": "TM-2",
            "name": "乙",
            "org": "T3-CTY-RTW",
            "specialties": ["neighbour", "family"],
            "part_time": True,
            "capacity": 1,
        },
        {"code": "TM-3", "name": "丙", "org": "T3-CTY-RTW", "specialties": ["labour"]},
    ],
}

WINDOW = Actor("t3-window", Role.INTAKE, org_code=None, org_region=COUNTY)
SUPERVISOR = Actor("t3-super", Role.SUPERVISOR, org_code=None, org_region=COUNTY)


def mediator_of(org_code: str, mediator_code: str | None = None) -> Actor:
    return Actor(f"t3-{org_code}", Role.MEDIATOR, org_code=org_code, org_region=None, mediator_code=mediator_code)


def remove_hierarchy(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM mediators WHERE code LIKE 'TM-%'"))
        conn.execute(sa.text("DELETE FROM organizations WHERE code LIKE 'T3-%' AND kind <> 'court'"))
        conn.execute(sa.text("DELETE FROM organizations WHERE code LIKE 'T3-%'"))


@contextmanager
def county(engine: Engine) -> Iterator[None]:
    remove_hierarchy(engine)
    with Session(engine, expire_on_commit=False) as s:
        load_seed(s, HIERARCHY)
    try:
        yield
    finally:
        remove_hierarchy(engine)


def body(dispute_type: str = "neighbour", region: str = VILLAGE, **over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dispute_type": dispute_type,
        "summary": "测试纠纷",
        "channel": "window",
        "region": region,
        "parties": [
            {"role": "applicant", "kind": "person", "name": "张三", "id_number": ID_A},
            {"role": "respondent", "kind": "person", "name": "李四", "id_number": ID_B},
        ],
    }
    data.update(over)
    return data


def new_case(
    session: Session, dispute_type: str = "neighbour", region: str = VILLAGE, *, now: datetime = T0, **over: Any
) -> Any:
    if dispute_type not in ("labour", "land_contract", "family"):
        over.setdefault("arbitration_agreement", True)
    case, _ = open_case(
        session, data=CaseCreate.model_validate(body(dispute_type, region, **over)), actor=WINDOW, now=now
    )
    return case


def divert(session: Session, case: Any, payload: dict[str, Any] | None = None, *, now: datetime = T0) -> Any:
    return fire(session, case_id=case.id, trigger="divert", actor=WINDOW, payload=payload or {}, now=now)
