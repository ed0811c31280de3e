"""What a party does itself through the portal (/p/, docs/contract.md §4 v2): sign the joint application for
judicial confirmation (`sign_joint_application`) and rate the handling after closing (`record_followup` by
the party). The actor is `workflows.access.party_actor` (Role.PARTY): the audit log names it
`party:<position>`, its payload holds no phone and no identity number.

Signatures are kept on the case while it stays in `agreement`:

    case.confirmation["portal_signatures"] = {"1": {"signed_at": "…+08:00", "signed_on": "2026-12-02",
                                                    "agreement": "<sha256 of the agreement signed>"}}

each tied to the agreement it was shown (a signature for another agreement never counts), dropped when the
case leaves `agreement` (an application made of them, mediation resumed, arbitration, litigation, closing),
and read by `request_confirmation` when it comes without a paper `joint_application`.
"""

import hashlib
import json
from datetime import date
from typing import Any

import sqlalchemy as sa

from models.tables import CaseEvent
from states.enums import Role, State, Trigger
from workflows.errors import Forbidden, PayloadInvalid
from workflows.stages.base import Context, Empty, Stage
from workflows.stages.joint import JointApplication

EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
KEY = "portal_signatures"
CHANNEL = "portal"


def agreement_digest(agreement: dict[str, Any] | None) -> str:
    """The agreement a party was shown, as a fingerprint its signature carries."""
    text = json.dumps(agreement or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def bound_positions(agreement: dict[str, Any] | None) -> list[int]:
    """The parties the agreement binds: every obligor and obligee of its obligations."""
    obligations = (agreement or {}).get("obligations") or []
    return sorted({int(o[side]) for o in obligations for side in ("obligor", "obligee") if side in o})


def signatures(case: Any) -> dict[int, dict[str, Any]]:
    """The portal signatures that count now: those given for the case's current agreement, by position."""
    if str(case.state) != State.AGREEMENT:
        return {}
    digest = agreement_digest(case.agreement)
    kept = (case.confirmation or {}).get(KEY) or {}
    return {int(pos): sig for pos, sig in kept.items() if sig.get("agreement") == digest}


def _party_position(ctx: Context) -> int:
    """The position of the party acting: the portal actor's own, which must be a party of this case."""
    position = ctx.actor.position
    if ctx.actor.role is not Role.PARTY or position is None:
        raise Forbidden("只有当事人本人可以在线签署或评价")
    if position not in {p.position for p in ctx.parties()}:
        raise Forbidden("当事人身份与本案不符")
    return position


def _party_name(ctx: Context, position: int) -> str:
    return next((p.name for p in ctx.parties() if p.position == position), f"当事人{position}")


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- sign_joint_application ----------------------------------------------------------------------------


def _resolve_sign(ctx: Context) -> None:
    position = _party_position(ctx)
    earlier = signatures(ctx.case).get(position)
    ctx.refs["signer"] = {
        "position": position,
        "name": _party_name(ctx, position),
        "bound": position in bound_positions(ctx.case.agreement),
        "signed_on": _cn(date.fromisoformat(earlier["signed_on"])) if earlier else None,
    }


def _sign(ctx: Context) -> None:
    position = ctx.refs["signer"]["position"]
    signed_on = ctx.deadlines.local_date(ctx.now).isoformat()
    digest = agreement_digest(ctx.case.agreement)
    kept = {
        pos: sig
        for pos, sig in ((ctx.case.confirmation or {}).get(KEY) or {}).items()
        if sig.get("agreement") == digest
    }
    kept[str(position)] = {"signed_at": ctx.now.isoformat(), "signed_on": signed_on, "agreement": digest}
    ctx.case.confirmation = {**(ctx.case.confirmation or {}), KEY: kept}
    ctx.record.update({"position": position, "signed_on": signed_on, "channel": CHANNEL})


def forget_signatures(ctx: Context, dest: State) -> None:
    """Signatures live while the case stays in `agreement`: leaving it (an application made of them, or the
    agreement given up or about to change) drops them."""
    if ctx.case.state == State.AGREEMENT and dest is State.AGREEMENT:
        return
    if KEY in (ctx.case.confirmation or {}):
        ctx.case.confirmation = {k: v for k, v in (ctx.case.confirmation or {}).items() if k != KEY}


# --- request_confirmation without a paper application ----------------------------------------------------


def application_for(ctx: Context, paper: JointApplication | None) -> tuple[JointApplication, list[dict[str, Any]]]:
    """The joint application `request_confirmation` makes: the paper one given, joined by the parties who
    signed online for this agreement (a party counts once, on paper if it signed both); without a paper
    one, the online signatures alone (no agents). `signed_on` is the latest signing day. Returns it and
    the online signatures it includes (position, day, channel) for the record and the PDF."""
    online = signatures(ctx.case)
    paper_signers = set(paper.applicants) if paper else set()
    entries = [
        {"party": pos, "signed_on": sig["signed_on"], "signed_at": sig["signed_at"], "channel": CHANNEL}
        for pos, sig in sorted(online.items())
        if pos not in paper_signers
    ]
    if paper is None and not entries:
        raise PayloadInvalid("joint_application", "joint_application：缺少共同申请书，当事人也尚未在线签署司法确认申请")
    days = [date.fromisoformat(e["signed_on"]) for e in entries] + ([paper.signed_on] if paper else [])
    application = JointApplication(
        applicants=sorted(paper_signers | {e["party"] for e in entries}),
        signed_on=max(days),
        agents=list(paper.agents) if paper else [],
    )
    return application, entries


# --- record_followup by the party ----------------------------------------------------------------------


def resolve_followup(ctx: Context) -> None:
    """A party's own rating: once per party (the guard `one_followup_per_party` reads whether it did)."""
    if ctx.actor.role is not Role.PARTY:
        return
    position = _party_position(ctx)
    done = ctx.conn.execute(
        sa.select(EVENTS.c.id)
        .where(
            EVENTS.c.case_id == ctx.case.id,
            EVENTS.c.trigger == str(Trigger.RECORD_FOLLOWUP),
            EVENTS.c.actor == ctx.actor.name,
        )
        .limit(1)
    ).first()
    ctx.refs["party_followup"] = done is not None
    ctx.record.update({"position": position, "channel": CHANNEL})


STAGES = (Stage(Trigger.SIGN_JOINT_APPLICATION, Empty, resolve=_resolve_sign, effect=_sign),)
