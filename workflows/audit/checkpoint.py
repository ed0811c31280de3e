"""Checkpoints: signed snapshots of every case's chain head and of the case-number counters, appended to
a file outside the database (JIEFEN_AUDIT_CHECKPOINT_DIR/checkpoints.jsonl), one JSON line each:

    {"v": 1, "n": 7, "at": "…", "prev": "<sha256 of line 6>", "kid": "<audit key id>",
     "cases": {"<case id>": ["<case_no>", <head seq>, "<head hash>"], …}, "case_count": …,
     "counters": [["330106", 2026, 41], …], "sig": "<Ed25519 over the line without sig>"}

Each line is signed with the Ed25519 key derived from the audit key and names the hash of the line
before it, so an edited or removed line breaks the file; the database keeps each line's number and
hash (audit_checkpoints) too, so a file cut short by its last lines no longer matches it.

A checkpoint is written only when the database is still at or beyond the previous one — every case
in it present, its chain not shorter, the event at the checkpointed seq with the checkpointed hash, no
counter lower — so a scheduled checkpoint never turns a truncation or a deleted case into the new
anchor. `accept` (the operator's reason, `jiefen audit checkpoint --accept-loss`, e.g. after restoring
a backup) writes one anyway, recording what was lost in the line itself.
"""

import fcntl
import hashlib
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from sqlalchemy.engine import Connection, Engine

from models.db import is_postgresql
from models.tables import AuditCheckpoint, Case, CaseCounter, CaseEvent
from workflows.audit.chain import GENESIS, canonical
from workflows.audit.keys import AuditKeys, load_keys

FILE_NAME = "checkpoints.jsonl"
FORMAT = 1
FILE_LABEL = "检查点文件"

CASES = Case.__table__  # type: ignore[attr-defined]
EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]
COUNTERS = CaseCounter.__table__  # type: ignore[attr-defined]
CHECKPOINTS = AuditCheckpoint.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Head:
    case_no: str
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Break:
    """Something verification (or the checkpoint writer) found wrong: in a case, or elsewhere (case_id
    None: the checkpoint file, a counter, a missing case number), at an event seq or line number."""

    case_id: uuid.UUID | None
    case_no: str
    seq: int
    problem: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    n: int
    at: str
    line_hash: str
    cases: dict[str, Head]
    counters: dict[tuple[str, int], int]


@dataclass(slots=True)
class FileCheck:
    """A checkpoint file read and checked: its last good checkpoint and what is wrong with it."""

    path: Path
    exists: bool
    latest: Checkpoint | None = None
    hashes: dict[int, str] = field(default_factory=dict)
    problems: list[Break] = field(default_factory=list)


class CheckpointRefused(RuntimeError):
    def __init__(self, problems: list[Break]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def file_path(directory: Path) -> Path:
    return directory / FILE_NAME


def _file_problem(n: int, text: str) -> Break:
    return Break(None, FILE_LABEL, n, text)


def read_file(path: Path, keys: AuditKeys) -> FileCheck:
    """Check every line's signature, number and link to the line before it. Reading stops at the first
    bad line: `latest` is the last checkpoint before it."""
    check = FileCheck(path, path.exists())
    if not check.exists:
        return check
    prev = GENESIS
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip(b"\n")
            try:
                record = json.loads(line)
                sig = bytes.fromhex(record.pop("sig"))
                key = keys.by_id.get(record.get("kid"))
                if key is None:
                    check.problems.append(_file_problem(n, f"第 {n} 行由未知的审计密钥签名"))
                    return check
                key.public_key().verify(sig, canonical(record))
            except InvalidSignature:
                check.problems.append(_file_problem(n, f"第 {n} 行的签名不符（检查点被改动）"))
                return check
            except (ValueError, KeyError, TypeError, AttributeError):
                check.problems.append(_file_problem(n, f"第 {n} 行不是完整的检查点记录（被改动或写入中断）"))
                return check
            if record.get("n") != n or record.get("prev") != prev:
                check.problems.append(_file_problem(n, f"第 {n} 行的编号或前一检查点哈希不符（检查点被删除或插入）"))
                return check
            prev = hashlib.sha256(line).hexdigest()
            check.hashes[n] = prev
            check.latest = Checkpoint(
                n,
                record["at"],
                prev,
                {cid: Head(c[0], int(c[1]), c[2]) for cid, c in record["cases"].items()},
                {(r, int(y)): int(last) for r, y, last in record["counters"]},
            )
    return check


def recorded_problems(conn: Connection, check: FileCheck) -> list[Break]:
    """The database's record of the checkpoints written against the file (its last lines removed)."""
    out = []
    for n, line_hash in conn.execute(sa.select(CHECKPOINTS.c.n, CHECKPOINTS.c.line_hash).order_by(CHECKPOINTS.c.n)):
        if n not in check.hashes:
            if not check.problems:  # a broken line is named already
                out.append(_file_problem(n, f"数据库记录已写入第 {n} 号检查点，检查点文件中没有（文件末尾被删除）"))
            break
        if check.hashes[n] != line_hash:
            out.append(_file_problem(n, f"第 {n} 号检查点与数据库中的记录不符（检查点文件被替换）"))
            break
    return out


# --- the database side ---------------------------------------------------------------------------------


def begin_snapshot(conn: Connection) -> None:
    """One consistent view for everything read next (PostgreSQL: REPEATABLE READ; SQLite's read
    transaction is a snapshot already)."""
    if is_postgresql(conn):
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def heads(conn: Connection, case_id: uuid.UUID | None = None) -> dict[str, Head]:
    q = sa.select(CASES.c.id, CASES.c.case_no, CASES.c.event_seq, CASES.c.event_head)
    if case_id is not None:
        q = q.where(CASES.c.id == case_id)
    return {str(cid): Head(no, seq, head) for cid, no, seq, head in conn.execute(q)}


def counters(conn: Connection) -> dict[tuple[str, int], int]:
    return {(r, y): last for r, y, last in conn.execute(sa.select(COUNTERS.c.region, COUNTERS.c.year, COUNTERS.c.last))}


def regressions(
    conn: Connection,
    cp: Checkpoint,
    now: dict[str, Head],
    counts: dict[tuple[str, int], int] | None,
    *,
    only: str | None = None,
    batch: int = 500,
) -> list[Break]:
    """Where the database is behind checkpoint `cp`: deleted cases, chains cut short or rewritten at the
    checkpointed seq, counters moved back (`counts` None: not compared; `only`: one case)."""
    out: list[Break] = []
    later: list[tuple[str, Head]] = []
    for cid, was in cp.cases.items():
        if only is not None and cid != only:
            continue
        cur, case_id = now.get(cid), uuid.UUID(cid)
        if cur is None:
            out.append(
                Break(
                    case_id,
                    was.case_no,
                    was.seq,
                    f"案件已被删除：第 {cp.n} 号检查点记录了该案（审计链至第 {was.seq} 号事件），数据库中已不存在",
                )
            )
        elif cur.seq < was.seq:
            out.append(
                Break(
                    case_id,
                    cur.case_no,
                    cur.seq + 1,
                    f"审计链末端后退：第 {cp.n} 号检查点记录至第 {was.seq} 号事件，"
                    f"数据库只到第 {cur.seq} 号（事件被删除、末端被改回）",
                )
            )
        elif cur.seq == was.seq and cur.hash != was.hash:
            out.append(Break(case_id, cur.case_no, was.seq, _rewritten(cp.n, was.seq)))
        elif cur.seq > was.seq:
            later.append((cid, was))
    for i in range(0, len(later), batch):
        part = later[i : i + batch]
        found = {
            (str(cid), seq): h
            for cid, seq, h in conn.execute(
                sa.select(EVENTS.c.case_id, EVENTS.c.seq, EVENTS.c.hash).where(
                    sa.tuple_(EVENTS.c.case_id, EVENTS.c.seq).in_([(uuid.UUID(c), w.seq) for c, w in part])
                )
            )
        }
        for cid, was in part:
            if found.get((cid, was.seq)) != was.hash:
                out.append(Break(uuid.UUID(cid), now[cid].case_no, was.seq, _rewritten(cp.n, was.seq)))
    if counts is not None:
        for (region, year), last in sorted(cp.counters.items()):
            cur_last = counts.get((region, year))
            if cur_last is None or cur_last < last:
                out.append(
                    Break(
                        None,
                        f"{region} {year} 年案件编号计数器",
                        last,
                        f"案件编号计数器后退：第 {cp.n} 号检查点为 {last}，数据库为 {cur_last or 0}（计数器被改回或删除）",
                    )
                )
    return out


def _rewritten(n: int, seq: int) -> str:
    return f"第 {seq} 号事件的哈希与第 {n} 号检查点不符（事件被改写）"


# --- writing -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    n: int
    cases: int
    path: Path
    accepted: list[Break]


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / f"{FILE_NAME}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # one writer at a time: the scheduler and a command may race
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_checkpoint(
    engine: Engine,
    directory: Path,
    *,
    keys: AuditKeys | None = None,
    now: datetime | None = None,
    accept: str | None = None,
) -> Written:
    """Append a signed checkpoint of every case head and the counters. Raises CheckpointRefused when
    the file is broken, or when the database is behind the last checkpoint and no `accept` reason is
    given."""
    keys = keys or load_keys()
    now = now or datetime.now(UTC)
    path = file_path(directory)
    with _locked(directory):
        check = read_file(path, keys)
        with engine.connect() as conn:
            begin_snapshot(conn)
            check.problems += recorded_problems(conn, check)
            if check.problems:
                raise CheckpointRefused(check.problems)
            now_heads, now_counters = heads(conn), counters(conn)
            lost = regressions(conn, check.latest, now_heads, now_counters) if check.latest else []
            conn.rollback()
        if lost and not accept:
            raise CheckpointRefused(lost)
        n = (check.latest.n if check.latest else 0) + 1
        record: dict[str, Any] = {
            "v": FORMAT,
            "n": n,
            "at": now.astimezone(UTC).isoformat(timespec="microseconds"),
            "prev": check.latest.line_hash if check.latest else GENESIS,
            "kid": keys.current.kid,
            "cases": {cid: [h.case_no, h.seq, h.hash] for cid, h in now_heads.items()},
            "case_count": len(now_heads),
            "counters": [[r, y, last] for (r, y), last in sorted(now_counters.items())],
        }
        if lost:
            record["accepted"] = {"reason": accept, "lost": [f"{p.case_no} 第 {p.seq} 号：{p.problem}" for p in lost]}
        record["sig"] = keys.current.signing_key().sign(canonical(record)).hex()
        line = canonical(record)
        new_file = not path.exists()
        with path.open("ab") as f:
            f.write(line + b"\n")
            f.flush()
            os.fsync(f.fileno())
        if new_file:
            _fsync_dir(directory)
        with engine.begin() as conn:
            conn.execute(
                CHECKPOINTS.insert(),
                {"n": n, "at": now, "line_hash": hashlib.sha256(line).hexdigest(), "cases": len(now_heads)},
            )
    return Written(n, len(now_heads), path, lost)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
