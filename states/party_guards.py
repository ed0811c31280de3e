"""Guards of what a party does itself through the portal (/p/): signing the joint application for judicial
confirmation, and its own 回访 rating. Registered in states.guards.GUARDS like every other guard; each
reads what the stage resolved (workflows/stages/portal.py) and passes when it resolved nothing (the
table's own tests fire every row on a bare snapshot)."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from states.guards import CaseSnapshot, guard


@guard("民诉法解释 第351条；人民调解法 第33条：由调解协议的双方当事人共同申请司法确认")
def signer_bound_by_agreement(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Only a party bound by the agreement (an obligor or obligee of one of its obligations) signs the
    application (refs["signer"]: the party's name and whether it is bound)."""
    signer = case.refs.get("signer")
    if signer is None or signer["bound"]:
        return None
    return f"{signer['name']}不是调解协议的义务人或权利人，无需签署司法确认申请"


@guard("民诉法解释 第351条：每位申请人对同一调解协议签署一次共同申请")
def signed_once(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """A party signs the application for the current agreement once (refs["signer"]["signed_on"]: the day
    it signed already, if it did)."""
    signer = case.refs.get("signer")
    if signer is None or not signer.get("signed_on"):
        return None
    return f"{signer['name']}已于{signer['signed_on']}在线签署司法确认申请，无需重复签署"


@guard("人民调解法 第31条第2款；人民调解工作若干规定（回访）：每位当事人提交一次回访评价")
def one_followup_per_party(case: CaseSnapshot, payload: Mapping[str, Any], now: datetime) -> str | None:
    """A party rates the handling of its case once (refs["party_followup"]: whether it did already). Staff
    record as many follow-up visits as they make."""
    done = case.refs.get("party_followup")
    if not done:
        return None
    return "已提交回访评价，每位当事人只能提交一次"
