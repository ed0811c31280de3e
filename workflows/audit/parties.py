"""The parties as the audit log knows them, and their comparison with the party rows.

Intake records, in the case's opening event, each party's role, kind, name and USCC in full, the
identity number and phone masked (the log is shown to roles that see them masked), and — for cases
opened since the chain was keyed — `parties_digest`: per party, an HMAC with the audit key over every
stored field, identity number and phone whole. Without the key the digest tells nothing about the
numbers (an unkeyed hash of an identity number whose region and last four digits are shown could be
searched in seconds).

Parties never change after intake, so the rows must equal what the opening event says. Cases opened
before the digest existed can be checked only on what the masked listing shows: role, kind, name,
USCC, the unmasked digits of the identity number and phone.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from models.privacy import mask_id_number, mask_phone
from workflows.audit.chain import canonical
from workflows.audit.keys import AuditKey, load_keys

DIGEST_FIELDS = (
    "position",
    "role",
    "kind",
    "name",
    "id_number",
    "uscc",
    "phone",
    "address",
    "legal_representative",
    "agent",
)

# What the masked listing of the opening event shows, with the label staff read.
LISTED = (
    ("role", "角色", None),
    ("kind", "类型", None),
    ("name", "姓名（名称）", None),
    ("uscc", "统一社会信用代码", None),
    ("id_number", "身份证号", mask_id_number),
    ("phone", "电话", mask_phone),
)


def party_digest(party: Mapping[str, Any], key: AuditKey) -> str:
    # The email (added later, optional) is covered when there is one; a party without one keeps the digest
    # it always had.
    email = {"email": party["email"]} if party.get("email") else {}
    return key.mac(canonical({"v": 1, **{f: party.get(f) for f in DIGEST_FIELDS}, **email}))


def party_digests(parties: Sequence[Mapping[str, Any]], key: AuditKey | None = None) -> list[str]:
    """The digest of each party (dicts with the Party columns, in position order)."""
    key = key or load_keys().current
    return [party_digest(p, key) for p in parties]


def party_problems(
    listed: Sequence[Mapping[str, Any]] | None,
    digests: Sequence[str] | None,
    rows: Sequence[Mapping[str, Any]],
    key: AuditKey | None,
) -> list[str]:
    """What differs between the party rows and the opening event's listing and digests (Chinese, one
    line per difference, never a number in full). `key`: the key the opening event was made with
    (None: the digests cannot be checked)."""
    if listed is None:
        return ["受理事件没有记录当事人"]
    problems = []
    if len(rows) != len(listed):
        problems.append(f"当事人为 {len(rows)} 人，受理事件记录为 {len(listed)} 人（当事人被增删）")
    for i, (row, was) in enumerate(zip(rows, listed, strict=False)):
        changed = [label for f, label, mask in LISTED if (mask(row.get(f)) if mask else row.get(f)) != was.get(f)]
        if changed:
            problems.append(f"第 {i + 1} 位当事人的{'、'.join(changed)}与受理事件记录不符（当事人信息被改动）")
        elif digests is not None and key is not None and i < len(digests) and party_digest(row, key) != digests[i]:
            problems.append(
                f"第 {i + 1} 位当事人的信息与受理时记录的摘要不符"
                "（身份证号或电话被遮蔽的部分、地址、法定代表人或代理人被改动）"
            )
    if digests is not None and len(digests) != len(listed):
        problems.append("受理事件的当事人摘要与当事人名单人数不符")
    return problems
