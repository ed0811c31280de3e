"""Organizations as a hierarchy, maintained by admins (create, replace, patch, delete).

Every change is checked against the rest of the hierarchy before it is written: the parent exists,
sits at a higher level and its area contains the child's; there is no loop; rotating stationing has
duty days and only it has them; `invited_by` names courts; a court's webhook points where pushes may go
(workflows/outbox/webhook_address.py). A refusal names the field (422), an unknown code is 404, a
duplicate code or a deletion something still refers to is 409.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from models.db import write_transaction
from models.org_schemas import OrganizationCreate, OrganizationPatch, OrganizationPublic
from models.tables import Case, Mediator, Organization, User
from states.enums import MEDIATION_KINDS, CourtLevel, Level, OrgKind, Role, Stationing
from states.labels import LEVEL_LABELS
from workflows import changelog
from workflows.access import Actor, in_region
from workflows.errors import Conflict, Forbidden, NotVisible, PayloadInvalid
from workflows.outbox import webhook_address

FIELDS = tuple(OrganizationPatch.model_fields)  # every field an admin sets, the code aside
ENTITY = "organization"


def _logged(org: Organization) -> dict[str, Any]:
    """What the change log records of an organization (the webhook secret only as set or not)."""
    return {k: getattr(org, k) for k in FIELDS}


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("只有系统管理员可以维护组织机构")


def public(org: Organization) -> OrganizationPublic:
    return OrganizationPublic.model_validate(org, from_attributes=True)


def get_org(session: Session, *, code: str) -> Organization:
    org = session.exec(select(Organization).where(Organization.code == code)).first()
    if org is None:
        raise NotVisible(f"组织机构 {code[:64]} 不存在")
    return org


def _check(session: Session, code: str, v: dict[str, Any]) -> None:
    """The hierarchy rules for one organization's values `v` (its code: `code`)."""
    if v["stationing"] == Stationing.ROTATING and not v["duty_days"]:
        raise PayloadInvalid("duty_days", "duty_days：轮驻（rotating）组织须列明驻点值班日（mon … sun）")
    if v["stationing"] != Stationing.ROTATING and v["duty_days"]:
        raise PayloadInvalid("duty_days", f"duty_days：只有轮驻（rotating）组织有值班日，本组织为 {v['stationing']}")
    if v["invited_by"]:
        if v["kind"] not in MEDIATION_KINDS:
            raise PayloadInvalid("invited_by", "invited_by：只有调解组织可以作为法院的特邀调解组织")
        courts = set(
            session.exec(
                select(Organization.code).where(
                    col(Organization.code).in_(v["invited_by"]), Organization.kind == OrgKind.COURT
                )
            ).all()
        )
        missing = [c for c in v["invited_by"] if c not in courts]
        if missing:
            raise PayloadInvalid("invited_by", f"invited_by：{missing[0]} 不是已登记的人民法院")
    if v.get("kind") != OrgKind.COURT and (
        v.get("court_level") not in (None, CourtLevel.BASIC) or v.get("webhook_url") or v.get("webhook_secret")
    ):
        field = next(
            f
            for f in ("webhook_url", "webhook_secret", "court_level")
            if v.get(f) not in (None, CourtLevel.BASIC if f == "court_level" else None)
        )
        raise PayloadInvalid(field, f"{field}：只有人民法院可以设置法院层级和推送地址")
    if bool(v.get("webhook_url")) != bool(v.get("webhook_secret")):
        field = "webhook_secret" if v.get("webhook_url") else "webhook_url"
        raise PayloadInvalid(field, f"{field}：推送地址与签名密钥须同时设置（或同时清除）")
    parent_code = v["parent_code"]
    if parent_code is not None:
        if parent_code == code:
            raise PayloadInvalid("parent_code", "parent_code：上级组织不能是本组织自身")
        parent = session.exec(select(Organization).where(Organization.code == parent_code)).first()
        if parent is None:
            raise PayloadInvalid("parent_code", f"parent_code：上级组织 {parent_code} 不存在")
        if Level(parent.level).rank <= Level(v["level"]).rank:
            raise PayloadInvalid(
                "parent_code",
                f"parent_code：上级组织 {parent.name} 为{LEVEL_LABELS[parent.level]}，"
                f"应高于本组织的{LEVEL_LABELS[v['level']]}",
            )
        if not in_region(v["region"], parent.region):
            raise PayloadInvalid(
                "region", f"region：{v['region']} 不在上级组织 {parent.name} 的辖区（{parent.region}）内"
            )
        seen = {code}
        up: Organization | None = parent
        while up is not None and up.parent_code:
            if up.parent_code in seen or up.parent_code == code:
                raise PayloadInvalid("parent_code", "parent_code：上下级关系形成循环")
            seen.add(up.code)
            up = session.exec(select(Organization).where(Organization.code == up.parent_code)).first()
    for child in session.exec(select(Organization).where(Organization.parent_code == code)).all():
        if Level(child.level).rank >= Level(v["level"]).rank:
            raise PayloadInvalid(
                "level", f"level：下级组织 {child.name} 为{LEVEL_LABELS[child.level]}，本组织层级应高于它"
            )
        if not in_region(child.region, v["region"]):
            raise PayloadInvalid("region", f"region：下级组织 {child.name} 的辖区（{child.region}）须在本组织辖区内")


def _check_webhook(v: dict[str, Any]) -> None:
    """Where a court's webhook may point (workflows/outbox/webhook_address.py)."""
    if v.get("webhook_url") and (reason := webhook_address.configured_refusal(v["webhook_url"])):
        raise PayloadInvalid("webhook_url", f"webhook_url：{reason}")


def _values(data: OrganizationCreate) -> dict[str, Any]:
    """The columns to store, as plain JSON values (the enums' values)."""
    return data.model_dump(mode="json", include=set(FIELDS))


def create_org(
    session: Session, *, actor: Actor, data: OrganizationCreate, now: datetime | None = None
) -> Organization:
    _admin(actor)
    if not data.code:
        raise PayloadInvalid("code", "code：请填写组织代码")
    if any(c.isspace() for c in data.code):
        raise PayloadInvalid("code", "code：组织代码不能含有空格")
    now = now or datetime.now(UTC)
    with write_transaction(session):
        if session.exec(select(Organization.id).where(Organization.code == data.code)).first() is not None:
            raise Conflict(f"组织代码 {data.code} 已存在", field="code")
        v = _values(data)
        _check(session, data.code, v)
        _check_webhook(v)
        org = Organization(code=data.code, created_at=now, updated_at=now, **v)
        session.add(org)
        changelog.record(session, actor=actor.name, entity=ENTITY, key=org.code, action="create", after=_logged(org))
    return org


def replace_org(
    session: Session, *, actor: Actor, code: str, data: OrganizationCreate, now: datetime | None = None
) -> Organization:
    _admin(actor)
    if data.code is not None and data.code != code:
        raise PayloadInvalid("code", "code：组织代码不可修改（应与地址中的代码一致）")
    return _write(session, actor, code, _values(data), now)


def patch_org(
    session: Session, *, actor: Actor, code: str, data: OrganizationPatch, now: datetime | None = None
) -> Organization:
    _admin(actor)
    given = data.model_dump(mode="json", include=data.model_fields_set & set(FIELDS))
    for key in (
        "name",
        "kind",
        "level",
        "region",
        "stationing",
        "dispute_types",
        "duty_days",
        "invited_by",
        "court_level",
    ):
        if key in given and given[key] is None:
            raise PayloadInvalid(key, f"{key}：不能为空")
    return _write(session, actor, code, given, now, partial=True)


def _write(
    session: Session, actor: Actor, code: str, given: dict[str, Any], now: datetime | None, *, partial: bool = False
) -> Organization:
    now = now or datetime.now(UTC)
    with write_transaction(session):
        org = get_org(session, code=code)
        before = _logged(org)
        v = {k: getattr(org, k) for k in FIELDS} | given if partial else given
        if partial and given.get("stationing") not in (None, Stationing.ROTATING) and "duty_days" not in given:
            v["duty_days"] = []  # leaving rotating stationing drops the duty days
        _check(session, code, v)
        _check_webhook(given)  # a stored URL is checked again on every delivery, not on unrelated changes
        changed = False
        for key, value in v.items():
            if getattr(org, key) != value:
                setattr(org, key, value)
                changed = True
        if changed:
            org.updated_at = now
            session.add(org)
            changelog.record(
                session, actor=actor.name, entity=ENTITY, key=code, action="update", before=before, after=_logged(org)
            )
    return org


def delete_org(session: Session, *, actor: Actor, code: str) -> None:
    _admin(actor)
    with write_transaction(session):
        org = get_org(session, code=code)
        uses = [
            ("下级组织", select(func.count()).select_from(Organization).where(Organization.parent_code == code)),
            ("调解员", select(func.count()).select_from(Mediator).where(Mediator.org_code == code)),
            ("用户", select(func.count()).select_from(User).where(User.org_code == code)),
            (
                "案件",
                select(func.count())
                .select_from(Case)
                .where(
                    sa.or_(
                        col(Case.org_code) == code,
                        col(Case.court_code) == code,
                        col(Case.arbitration_body_code) == code,
                    )
                ),
            ),
        ]
        for what, query in uses:
            n = session.exec(query).one()
            if n:
                raise Conflict(f"组织 {org.name} 仍有{n}个{what}关联，不能删除（可先调整或停用）", field="code")
        invited = [o.code for o in session.exec(select(Organization)).all() if code in (o.invited_by or [])]
        if invited:
            raise Conflict(f"组织 {org.name} 仍被 {invited[0]} 等列为特邀法院，不能删除", field="code")
        changelog.record(session, actor=actor.name, entity=ENTITY, key=code, action="delete", before=_logged(org))
        session.delete(org)
