"""Data and the reference reads for tests/bench/test_reads_bench.py.

`populate` bulk-inserts (Core executemany, not timed) CASES cases of the demo centre with two parties,
their clocks and their audit events each, spread over eight months before AS_OF; cases come in fours
that share one updated_at, so that keyset pages must break ties. One case in ten lies in another
district (only an admin sees it).

`orm_list_cases` is the list as it was read before workflows/read/case_list.py: ORM instances of whole
rows and a full count on every call (same clauses, same order). `loop_statistics` is the 督办
statistics as they were computed before: every (type, created_at) row and every event read into Python.
"""

import contextlib
import statistics
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, func, select

from models.db import make_engine
from models.migrate import upgrade
from models.privacy import shown_to
from models.schemas import CasePublic, CasesPublic
from models.settings import get_settings
from models.tables import Case, CaseEvent, Deadline, Party
from tests.conftest import _seed, require_postgres, scratch_postgres
from tests.factories import ID_A, ID_B
from workflows.access import Actor, visible_clause
from workflows.read import reports
from workflows.read.case_list import CaseFilters, filter_clauses

AS_OF = datetime(2026, 12, 10, 0, 0, tzinfo=UTC)
SPAN = timedelta(days=240)
INSERT_BATCH = 5_000
CASES = Case.__table__  # type: ignore[attr-defined]
PARTIES = Party.__table__  # type: ignore[attr-defined]
DEADLINES = Deadline.__table__  # type: ignore[attr-defined]
EVENTS = CaseEvent.__table__  # type: ignore[attr-defined]

TYPES = ("neighbour", "labour", "contract", "family", "traffic", "property", "consumer", "medical")
ORGS = ("CN-ZJ-XH-CC-RTW", "CN-ZJ-XH-LDTJ", "CN-ZJ-XH-RTW", "CN-ZJ-XH-XX-RTW", "CN-ZJ-XH-JTTW")
# (state, the path of (trigger, to_state) after intake, the clock of the state it ends in), by share.
PATHS: tuple[tuple[str, list[tuple[str, str]], str | None], ...] = (
    ("intake", [], None),
    ("diversion", [("divert", "diversion")], "diversion_acceptance"),
    ("diversion", [("divert", "diversion"), ("decline", "diversion")], "diversion_acceptance"),
    ("mediation", [("divert", "diversion"), ("accept", "mediation")], "mediation"),
    ("mediation", [("divert", "diversion"), ("accept", "mediation"), ("extend", "mediation")], "mediation"),
    ("agreement", [("divert", "diversion"), ("accept", "mediation"), ("reach_agreement", "agreement")], None),
    (
        "judicial_confirmation",
        [
            ("divert", "diversion"),
            ("accept", "mediation"),
            ("reach_agreement", "agreement"),
            ("request_confirmation", "judicial_confirmation"),
        ],
        "court_decision",
    ),
    ("failed", [("divert", "diversion"), ("accept", "mediation"), ("fail", "failed")], None),
    ("failed", [("divert", "diversion"), ("accept", "mediation"), ("mediation_timeout", "failed")], None),
    (
        "closed",
        [("divert", "diversion"), ("accept", "mediation"), ("reach_agreement", "agreement"), ("close", "closed")],
        "followup",
    ),
)
CLOCK_DAYS = {"diversion_acceptance": 5, "mediation": 30, "court_decision": 30, "followup": 30}


def _rows(i: int, n: int) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    state, path, clock = PATHS[(i * 7) % len(PATHS)]
    created = AS_OF - SPAN + SPAN * (i // 4 * 4) / n  # four cases per instant
    updated = created + timedelta(days=len(path))
    cid = uuid.UUID(int=(i * 2654435761) % (1 << 122) | (1 << 124))  # distinct, not in insertion order
    case = {
        "id": cid,
        "case_no": f"（2026）330106调B{i:07d}号",
        "region": "330102001001" if i % 10 == 9 else "330106001001",
        "dispute_type": TYPES[i % len(TYPES)],
        "channel": "window",
        "summary": f"基准测试案件 {i}：{'楼上漏水' if i % 3 else '噪音扰民'}，双方协商未果",
        "state": state,
        "version": 1 + len(path),
        "org_code": None if state == "intake" else ORGS[i % len(ORGS)],
        "mediator_code": None,
        "court_code": "CN-ZJ-XH-FY" if state == "judicial_confirmation" else None,
        "flags": ["escalation_exhausted"] if i % 50 == 0 else [],
        "created_by": "bench",
        "created_at": created,
        "updated_at": updated,
    }
    parties = [
        {"id": uuid.uuid4(), "case_id": cid, "position": 0, "role": "applicant", "kind": "person"}
        | {"name": f"张{i}", "id_number": ID_A, "phone": "13812345678", "address": "杭州市西湖区北山街道1号"},
        {"id": uuid.uuid4(), "case_id": cid, "position": 1, "role": "respondent", "kind": "person"}
        | {"name": f"李{i}", "id_number": ID_B, "phone": "13987654321", "address": None},
    ]
    deadlines = []
    if clock:
        start = updated
        due = start + timedelta(days=CLOCK_DAYS[clock])
        status = "fired" if clock == "followup" and i % 2 else "pending"
        deadlines.append(_deadline(cid, clock, start, due, status))
    if i % 3 == 0:  # a limitation period, opened at intake
        deadlines.append(_deadline(cid, "limitation", created, created + timedelta(days=3 * 365), "pending"))
    events, at, prev = [], created, "0" * 64
    for seq, (trigger, to_state) in enumerate([("open", "intake"), *path], start=1):
        h = f"{seq:064x}"
        events.append(
            {"case_id": cid, "seq": seq, "at": at, "actor": "bench", "trigger": trigger}
            | {"from_state": events[-1]["to_state"] if events else None, "to_state": to_state, "payload": {}}
            | {"prev_hash": prev, "hash": h}
        )
        at, prev = at + timedelta(days=1 + (i * seq) % 9, hours=i % 5), h
    return case, parties, deadlines, events


def _deadline(cid: uuid.UUID, kind: str, start: datetime, due: datetime, status: str) -> dict[str, Any]:
    last = (due - timedelta(hours=16)).date()
    return {
        "id": uuid.uuid4(),
        "case_id": cid,
        "kind": kind,
        "profile": f"{kind}.bench",
        "start_date": start.date(),
        "days": (due - start).days,
        "working_days": False,
        "last_day": last,
        "due_at": due,
        "status": status,
        "basis": "基准测试",
        "provisional": False,
        "created_at": start,
        "updated_at": start,
    }


def populate(engine: Any, n: int) -> None:
    with engine.begin() as conn:
        for lo in range(0, n, INSERT_BATCH):
            batch = [_rows(i, n) for i in range(lo, min(n, lo + INSERT_BATCH))]
            conn.execute(CASES.insert(), [b[0] for b in batch])
            conn.execute(PARTIES.insert(), [p for b in batch for p in b[1]])
            if deadlines := [d for b in batch for d in b[2]]:
                conn.execute(DEADLINES.insert(), deadlines)
            conn.execute(EVENTS.insert(), [e for b in batch for e in b[3]])
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


@contextlib.contextmanager
def populated_engine(backend: str, tmp_path: Path, n: int, name: str) -> Iterator[Any]:
    """A migrated, seeded database (`backend` sqlite or postgres: a scratch one) holding `populate`'s n cases."""
    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'{name}.db'}"
        else:
            url = stack.enter_context(scratch_postgres(require_postgres()))
        upgrade(url)
        engine = make_engine(url)
        stack.callback(engine.dispose)
        _seed(engine)
        t = time.perf_counter()
        populate(engine, n)
        print(f"\n[{engine.dialect.name}] {n:,} cases inserted in {time.perf_counter() - t:.1f} s")
        yield engine


def orm_list_cases(session: Session, actor: Actor, f: CaseFilters, *, now: datetime) -> CasesPublic:
    where = filter_clauses(actor, f, now)
    count = session.exec(select(func.count()).select_from(Case).where(*where)).one()
    rows = session.exec(
        select(Case)
        .where(*where)
        .order_by(col(Case.updated_at).desc(), col(Case.id).desc())
        .offset(f.offset)
        .limit(f.limit)
    ).all()
    ids = [c.id for c in rows]
    parties: dict[uuid.UUID, list[Party]] = {i: [] for i in ids}
    for p in session.exec(select(Party).where(col(Party.case_id).in_(ids)).order_by(col(Party.position))):
        parties[p.case_id].append(p)
    deadlines: dict[uuid.UUID, list[Deadline]] = {i: [] for i in ids}
    for d in session.exec(
        select(Deadline).where(col(Deadline.case_id).in_(ids)).order_by(col(Deadline.created_at), col(Deadline.kind))
    ):
        deadlines[d.case_id].append(d)
    data = [CasePublic.of(c, parties[c.id], deadlines[c.id]) for c in rows]
    session.expunge_all()  # as a request's session would end: no identity map carried to the next call
    return CasesPublic(data=shown_to(actor.role, data), count=count)


def loop_statistics(session: Session, actor: Actor, *, now: datetime, months: int = 6) -> reports.Statistics:
    since = now - timedelta(days=31 * months)
    labels = reports.month_labels(now, months)
    rows = session.exec(
        select(Case.dispute_type, Case.created_at).where(visible_clause(actor), Case.created_at >= since)
    ).all()
    by_type: dict[str, dict[str, int]] = defaultdict(lambda: Counter())
    total = 0
    for dispute_type, created_at in rows:
        month = created_at.astimezone(get_settings().tz).strftime("%Y-%m")
        if month in labels:
            by_type[dispute_type][month] += 1
            total += 1
    events = session.exec(
        select(CaseEvent.case_id, CaseEvent.at, CaseEvent.trigger, CaseEvent.to_state)
        .join(Case, col(Case.id) == CaseEvent.case_id)
        .where(visible_clause(actor), Case.created_at >= since)
        .order_by(col(CaseEvent.case_id), col(CaseEvent.seq))
    ).all()
    triggers = Counter(e[2] for e in events)
    spans: dict[str, list[float]] = defaultdict(list)
    entered: dict[str, datetime] = {}
    current = None
    for case_id, at, _trigger, to_state in events:
        if case_id != current:
            current, entered = case_id, {}
        for state, start in list(entered.items()):
            if state != to_state:
                spans[state].append((at - start).total_seconds() / 86400)
                del entered[state]
        if to_state not in entered:
            entered[to_state] = at
    stages = reports.STAGES
    return reports.Statistics(
        months=labels,
        by_type_month={k: dict(v) for k, v in by_type.items()},
        total=total,
        resolved=sum(triggers[t] for t in reports.RESOLVED),
        unresolved=sum(triggers[t] for t in reports.UNRESOLVED),
        median_days={s: (round(statistics.median(spans[s]), 1) if spans[s] else None) for s in stages},
        stage_samples={s: len(spans[s]) for s in stages},
    )
