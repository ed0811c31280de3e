"""Verifying the audit log: every case's chain recomputed from its first event to the head on its row."""

import uuid
from dataclasses import dataclass

from sqlmodel import Session, col, select

from models.tables import Case, CaseEvent
from workflows.audit.chain import GENESIS, event_hash


@dataclass(frozen=True, slots=True)
class Break:
    case_id: uuid.UUID
    case_no: str
    seq: int
    problem: str


def verify(session: Session, *, case_id: uuid.UUID | None = None, batch: int = 500) -> tuple[int, Break | None]:
    """Walk every chain (or one). Returns (events checked, first break or None)."""
    checked = 0
    query = select(Case.id, Case.case_no, Case.event_seq, Case.event_head).order_by(col(Case.created_at), col(Case.id))
    if case_id is not None:
        query = query.where(Case.id == case_id)
    for cid, case_no, head_seq, head_hash in session.exec(query):
        expected_seq, prev_hash = 1, GENESIS
        events = session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == cid)
            .order_by(col(CaseEvent.seq))
            .execution_options(yield_per=batch)
        )
        for ev in events:
            checked += 1
            if ev.seq != expected_seq:
                return checked, Break(cid, case_no, expected_seq, f"事件序号不连续：应为 {expected_seq}，实为 {ev.seq}")
            if ev.prev_hash != prev_hash:
                return checked, Break(cid, case_no, ev.seq, "prev_hash 与上一事件的哈希不符")
            h = event_hash(
                case_id=cid,
                seq=ev.seq,
                at=ev.at,
                actor=ev.actor,
                trigger=ev.trigger,
                from_state=ev.from_state,
                to_state=ev.to_state,
                payload=ev.payload,
                prev_hash=ev.prev_hash,
            )
            if h != ev.hash:
                return checked, Break(cid, case_no, ev.seq, "事件内容与其哈希不符（记录被改动）")
            expected_seq, prev_hash = ev.seq + 1, ev.hash
        if expected_seq == 1:
            return checked, Break(cid, case_no, 1, "案件没有任何审计事件")
        if (expected_seq - 1, prev_hash) != (head_seq, head_hash):
            return checked, Break(
                cid,
                case_no,
                min(expected_seq, head_seq + 1),
                f"审计链末端与案件记录不符：案件记录第 {head_seq} 号事件，日志止于第 {expected_seq - 1} 号（事件被删除或篡改）",
            )
    return checked, None
