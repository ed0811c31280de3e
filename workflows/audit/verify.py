"""Verifying the audit log against a database writer (docs/audit.md says what this proves and what not).

For every case (or one), in one consistent snapshot of the database:
- its chain, event by event, with the audit key that made each event (`key_id`), up to the head on
  its row; an unkeyed (plain SHA-256) event only where the last checkpoint pins it;
- its row against what replaying its events says: state, organization, mediator, case number, and its
  parties against the opening event's listing and keyed digests;
- against the last checkpoint: still there, its chain at least as long, the checkpointed hash at the
  checkpointed seq.
And, over the whole database: the checkpoint file's signatures and links (and the database's record of
them), cases the checkpoint names that are gone, counters moved back, gaps in the case numbers.

Every problem is reported, for every case, not just the first.
"""

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from models.settings import get_settings
from models.tables import Case, CaseEvent, Party
from workflows.audit.chain import GENESIS, event_hash, legacy_hash
from workflows.audit.checkpoint import (
    Break,
    Head,
    begin_snapshot,
    counters,
    file_path,
    read_file,
    recorded_problems,
    regressions,
)
from workflows.audit.keys import AuditKeys, load_keys
from workflows.audit.parties import party_problems
from workflows.audit.replay import replay, row_problems
from workflows.case_numbers import format_case_no, parse_case_no

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
PARTIES = Party.__table__  # type: ignore[attr-defined]
_CASE_COLUMNS = (
    CASES.c.id,
    CASES.c.case_no,
    CASES.c.state,
    CASES.c.org_code,
    CASES.c.mediator_code,
    CASES.c.event_seq,
    CASES.c.event_head,
    CASES.c.created_at,
)
_PARTY_COLUMNS = tuple(PARTIES.c[f] for f in ("case_id", "position", "role", "kind", "name", "id_number", "uscc"))
_PARTY_COLUMNS += tuple(PARTIES.c[f] for f in ("phone", "address", "legal_representative", "agent"))
MAX_MISSING_LISTED = 1000  # missing case numbers named one by one; beyond it, one line for the county-year


@dataclass(slots=True)
class Report:
    events: int = 0
    cases: int = 0
    breaks: list[Break] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checkpoint: int | None = None  # the checkpoint compared with

    @property
    def intact(self) -> bool:
        return not self.breaks

    def broken_cases(self) -> list[str]:
        return list(dict.fromkeys(b.case_no for b in self.breaks))


def verify(
    session: Session, *, case_id: uuid.UUID | None = None, batch: int = 500, checkpoint_dir: Path | None = None
) -> tuple[int, Break | None]:
    """(events checked, the first problem or None): `check` for callers that want a yes or no."""
    report = check(session, case_id=case_id, batch=batch, checkpoint_dir=checkpoint_dir)
    return report.events, report.breaks[0] if report.breaks else None


def check(
    session: Session,
    *,
    case_id: uuid.UUID | None = None,
    checkpoint_dir: Path | None = None,
    keys: AuditKeys | None = None,
    batch: int = 500,
) -> Report:
    settings = get_settings()
    keys = keys or load_keys(settings)
    report = Report()
    directory = checkpoint_dir or Path(settings.audit_checkpoint_dir)
    cp_file = read_file(file_path(directory), keys)
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.connect() as conn:
        begin_snapshot(conn)
        report.breaks += cp_file.problems + recorded_problems(conn, cp_file)
        cp = cp_file.latest
        if cp is not None:
            report.checkpoint = cp.n
        elif settings.env == "production":
            report.breaks.append(Break(None, "检查点文件", 0, f"{cp_file.path} 中没有有效的检查点：审计链末端无从锚定"))
        else:
            report.notes.append(
                f"尚无检查点（{cp_file.path}）：删除最新事件并改回末端、整案删除无法发现；运行 jiefen audit checkpoint"
            )
        chains: dict[str, list[Break]] = {}  # per case: its chain, then the checkpoint, then its row
        rows: dict[str, list[Break]] = {}
        elsewhere: list[Break] = []
        now_heads: dict[str, Head] = {}
        unlisted = undigested = 0
        for page in _pages(conn, case_id, batch):
            ids = [row["id"] for row in page]
            events = _grouped(conn, EVENTS, EVENTS.c.seq, ids)
            parties = _grouped(conn, PARTIES, PARTIES.c.position, ids, columns=_PARTY_COLUMNS)
            for row in page:
                cid = str(row["id"])
                pinned = cp.cases[cid].seq if cp is not None and cid in cp.cases else 0
                unlisted += cp is not None and cid not in cp.cases
                evs = events.get(row["id"], [])
                chains[cid], checked = _chain(row, evs, keys, pinned)
                rows[cid], digested = _row(row, evs, parties.get(row["id"], []), keys)
                undigested += not digested
                report.events += checked
                report.cases += 1
                now_heads[cid] = _head(row)
        all_counters = counters(conn) if case_id is None else None
        if cp is not None:
            for b in regressions(conn, cp, now_heads, all_counters, only=None if case_id is None else str(case_id)):
                (chains.setdefault(str(b.case_id), []) if b.case_id else elsewhere).append(b)
        for cid, found in chains.items():
            report.breaks += found + rows.get(cid, [])
        report.breaks += elsewhere
        if all_counters is not None:
            deleted = {b.case_no for b in report.breaks if b.case_id is not None and str(b.case_id) not in now_heads}
            report.breaks += _numbering(now_heads, all_counters, deleted)
    if undigested:
        report.notes.append(
            f"{undigested} 件案件的受理事件没有当事人摘要（键控链启用前受理）：身份证号和电话只核对了未遮蔽的部分，"
            "地址、法定代表人、代理人未核对"
        )
    if unlisted:
        report.notes.append(f"{unlisted} 件案件在第 {report.checkpoint} 号检查点之后受理：其审计链尚未锚定")
    return report


def _row(case: Mapping[str, Any], events: list[Any], parties: list[Any], keys: AuditKeys) -> tuple[list[Break], bool]:
    """The case row and its parties against what its events say; and whether the opening event carries
    the parties' digests."""
    replayed = replay(events)
    found = [Break(case["id"], case["case_no"], s, p) for s, p in row_problems(replayed, case)]
    key = keys.by_id.get(replayed.parties_key_id or "")
    found += [
        Break(case["id"], case["case_no"], 1, p)
        for p in party_problems(replayed.parties, replayed.parties_digest, parties, key)
    ]
    return found, replayed.parties_digest is not None


def _head(row: Mapping[str, Any]) -> Head:
    return Head(row["case_no"], row["event_seq"], row["event_head"])


def _pages(conn: Connection, case_id: uuid.UUID | None, batch: int) -> Iterator[list[Mapping[str, Any]]]:
    """The cases, oldest first, a page at a time (keyset on created_at, id)."""
    q = sa.select(*_CASE_COLUMNS).order_by(CASES.c.created_at, CASES.c.id).limit(batch)
    if case_id is not None:
        q = q.where(CASES.c.id == case_id)
    after: tuple[Any, Any] | None = None
    while True:
        page_q = q
        if after is not None:
            last = sa.tuple_(sa.literal(after[0], CASES.c.created_at.type), sa.literal(after[1], CASES.c.id.type))
            page_q = q.where(sa.tuple_(CASES.c.created_at, CASES.c.id) > last)
        page: list[Mapping[str, Any]] = [dict(r) for r in conn.execute(page_q).mappings()]
        if not page:
            return
        yield page
        after = (page[-1]["created_at"], page[-1]["id"])


def _grouped(
    conn: Connection, table: sa.Table, order: Any, ids: Sequence[Any], columns: Sequence[Any] | None = None
) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    q = sa.select(*(columns or table.c)).where(table.c.case_id.in_(ids)).order_by(table.c.case_id, order)
    for r in conn.execute(q).mappings():
        out.setdefault(r["case_id"], []).append(_Row(r))
    return out


class _Row(dict[str, Any]):
    """A row readable as a mapping (party comparison) and by attribute (replay)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _chain(case: Mapping[str, Any], events: list[Any], keys: AuditKeys, pinned: int) -> tuple[list[Break], int]:
    """The case's chain, event by event, to its head. Returns ([the break, if any], events checked)."""
    cid, case_no = case["id"], case["case_no"]
    expected_seq, prev_hash, keyed, checked = 1, GENESIS, False, 0

    def broken(seq: int, problem: str) -> tuple[list[Break], int]:
        return [Break(cid, case_no, seq, problem)], checked

    for ev in events:
        checked += 1
        if ev.seq != expected_seq:
            return broken(expected_seq, f"事件序号不连续：应为 {expected_seq}，实为 {ev.seq}")
        if ev.prev_hash != prev_hash:
            return broken(ev.seq, "prev_hash 与上一事件的哈希不符")
        fields = {
            "case_id": cid,
            "seq": ev.seq,
            "at": ev.at,
            "actor": ev.actor,
            "trigger": ev.trigger,
            "from_state": ev.from_state,
            "to_state": ev.to_state,
            "payload": ev.payload,
            "prev_hash": ev.prev_hash,
        }
        if ev.key_id is None:
            if keyed:
                return broken(ev.seq, "加密钥的事件之后出现未加密钥的旧式哈希（链被降级改写）")
            if ev.seq > pinned:
                return broken(
                    ev.seq,
                    "未加密钥的旧式哈希（SHA-256）且不在任何检查点之内：任何能写数据库的人都能改写后重算，无法证明未被改动",
                )
            h = legacy_hash(**fields)
        else:
            key = keys.by_id.get(ev.key_id)
            if key is None:
                return broken(ev.seq, f"事件由未知的审计密钥（{ev.key_id}）生成")
            keyed = True
            h = event_hash(**fields, key=key)
        if h != ev.hash:
            return broken(ev.seq, "事件内容与其哈希不符（记录被改动，或由不持有审计密钥者重算了哈希）")
        expected_seq, prev_hash = ev.seq + 1, ev.hash
    if expected_seq == 1:
        return broken(1, "案件没有任何审计事件")
    head_seq, head_hash = case["event_seq"], case["event_head"]
    if (expected_seq - 1, prev_hash) != (head_seq, head_hash):
        return broken(
            min(expected_seq, head_seq + 1),
            f"审计链末端与案件记录不符：案件记录第 {head_seq} 号事件，日志止于第 {expected_seq - 1} 号（事件被删除或篡改）",
        )
    return [], checked


def _numbering(heads: Mapping[str, Head], counts: Mapping[tuple[str, int], int], reported: set[str]) -> list[Break]:
    """Case numbers against the counters: every number up to a county-year's counter taken by a case."""
    taken: dict[tuple[str, int], set[int]] = {}
    out = []
    for cid, h in heads.items():
        parsed = parse_case_no(h.case_no)
        if parsed is None:
            out.append(Break(uuid.UUID(cid), h.case_no, 1, "案件编号格式不符"))
            continue
        region, year, number = parsed
        taken.setdefault((region, year), set()).add(number)
    for (region, year), numbers in sorted(taken.items()):
        last = counts.get((region, year), 0)
        for number in sorted(n for n in numbers if n > last):
            out.append(
                Break(
                    None,
                    format_case_no(year, region, number),
                    0,
                    f"案件编号超出计数器（{region} {year} 年计数器为 {last}）：计数器被改回或删除",
                )
            )
    for (region, year), last in sorted(counts.items()):
        numbers = taken.get((region, year), set())
        if last - len(numbers) > MAX_MISSING_LISTED:  # a counter pushed far ahead: say so once
            out.append(
                Break(
                    None,
                    f"{region} {year} 年案件编号计数器",
                    last,
                    f"计数器为 {last}，而该年只有 {len(numbers)} 件案件：大量编号缺失（整案被删除或计数器被改动）",
                )
            )
            continue
        for number in range(1, last + 1):
            case_no = format_case_no(year, region, number)
            if number not in numbers and case_no not in reported:
                out.append(
                    Break(
                        None,
                        case_no,
                        0,
                        f"案件编号缺失：{region} {year} 年已编号至第 {last} 号，本编号的案件不存在（整案被删除）",
                    )
                )
    return out
