"""The fire benchmark's parts (tests/bench/test_fire_throughput.py): the raw SQL floor, the same passes
through `fire`, and the cases both run on."""

import gc
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from models.db import is_postgresql, make_engine
from models.migrate import upgrade
from models.tables import Case, CaseEvent
from states.enums import State, Trigger
from tests.conftest import _seed
from tests.factories import T0, actor, make_case
from workflows import audit
from workflows.access import Actor
from workflows.engine import fire

PAYLOAD = {"reason": "鉴定"}
MEDIATOR = "mediator1"
RAW_ACTOR = "bench:raw"  # the raw floor's events are told apart from fire's by their actor
PAIR = (Trigger.PAUSE_CLOCK, Trigger.RESUME_CLOCK)
CLOCK_STATUS = {Trigger.PAUSE_CLOCK: ("pending", "paused"), Trigger.RESUME_CLOCK: ("paused", "pending")}


# --- a deterministic clock: every transition happens 1 ms after the previous one --------------------


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        self.at += timedelta(milliseconds=1)
        return self.at


# --- the raw floor ----------------------------------------------------------------------------------


def canonical_hmac(body: dict) -> str:
    """The audit log's own keyed hash (workflows/audit/chain.py), computed here as plain code would."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hmac.new(audit.load_keys().current.secret, text, hashlib.sha256).hexdigest()


class RawFloor:
    """The same transition as fire's, in plain SQL on a DBAPI connection of the same engine.

    `sent` counts what it sends: each statement, BEGIN and COMMIT (on PostgreSQL each one a round trip:
    psycopg sends BEGIN on its own before a transaction's first statement)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.pg = is_postgresql(engine)
        self.sent = 0
        self.kid = audit.load_keys().current.kid
        p = "%s" if self.pg else "?"
        lock = " FOR UPDATE" if self.pg else ""
        self.select_case = f"SELECT state, version, event_seq, event_head FROM cases WHERE id = {p}{lock}"
        self.update_case = (
            f"UPDATE cases SET state = {p}, version = version + 1, updated_at = {p}, "
            f"event_seq = {p}, event_head = {p} WHERE id = {p}"
        )
        self.update_deadline = (
            f"UPDATE deadlines SET status = {p}, updated_at = {p} "
            f"WHERE case_id = {p} AND kind = 'mediation' AND status = {p}"
        )
        self.insert_event = (
            "INSERT INTO case_events (case_id, seq, at, actor, trigger, from_state, to_state, payload, prev_hash, "
            f"hash, key_id) VALUES ({', '.join([p] * 11)})"
        )
        if self.pg:
            from psycopg.types.json import Json

            self._json: Callable[[dict], object] = Json
        else:
            self._json = json.dumps  # what SQLAlchemy's JSON type stores on SQLite

    def _key(self, case_id: uuid.UUID) -> object:
        return case_id if self.pg else case_id.hex  # sa.Uuid: native on PostgreSQL, CHAR(32) hex on SQLite

    def _ts(self, at: datetime) -> object:
        # UTCDateTime: aware on PostgreSQL, naive UTC text on SQLite (SQLAlchemy's storage format)
        return at if self.pg else at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def run_pass(self, case_ids: list[uuid.UUID], clock: Clock) -> int:
        """pause_clock on every case, then resume_clock on every case. Returns transitions done."""
        pooled = self.engine.raw_connection()  # same engine, same pool, same connect-time PRAGMAs
        try:
            dbapi = pooled.driver_connection
            done = 0
            for trigger in PAIR:
                for cid in case_ids:
                    self._transition(dbapi, cid, trigger, clock())
                    done += 1
            return done
        finally:
            pooled.close()

    def _transition(self, dbapi, case_id: uuid.UUID, trigger: Trigger, now: datetime) -> None:
        key, ts = self._key(case_id), self._ts(now)
        before, after = CLOCK_STATUS[trigger]
        cur = dbapi.cursor()
        try:
            if not self.pg:
                cur.execute("BEGIN IMMEDIATE")  # the connect hook put sqlite3 in autocommit mode
            cur.execute(self.select_case, (key,))
            state, _version, last_seq, last_hash = cur.fetchone()
            cur.execute(self.update_deadline, (after, ts, key, before))
            if cur.rowcount != 1:
                raise AssertionError(f"raw floor: {trigger} found no {before} mediation clock on case {case_id}")
            seq = last_seq + 1
            prev_hash = last_hash or audit.GENESIS
            body = {
                "case_id": str(case_id),
                "seq": seq,
                "at": now.astimezone(UTC).isoformat(timespec="microseconds"),
                "actor": RAW_ACTOR,
                "trigger": trigger.value,
                "from_state": state,
                "to_state": state,
                "payload": PAYLOAD,
                "prev_hash": prev_hash,
            }
            digest = canonical_hmac(body)
            cur.execute(
                self.insert_event,
                (
                    key,
                    seq,
                    ts,
                    RAW_ACTOR,
                    trigger.value,
                    state,
                    state,
                    self._json(PAYLOAD),
                    prev_hash,
                    digest,
                    self.kid,
                ),
            )
            cur.execute(self.update_case, (state, ts, seq, digest, key))
            if self.pg:
                dbapi.commit()
            else:
                cur.execute("COMMIT")
            self.sent += 6  # BEGIN, four statements, COMMIT
        except BaseException:
            dbapi.rollback() if self.pg else cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()


# --- fire -------------------------------------------------------------------------------------------


def fire_pass(engine: Engine, case_ids: list[uuid.UUID], mediator: Actor, clock: Clock, *, held: bool = True) -> int:
    """pause_clock on every case, then resume_clock on every case, through the engine.

    One Session for the pass, as a worker (the deadline sweep) uses one for its batch. `held`: the
    session holds one pooled connection for the pass, as the raw floor does (a transaction each, the
    checkout not timed); otherwise the session takes a connection from the pool for each transaction
    and gives it back at commit, as a request does for its one fire."""
    done = 0
    with engine.connect() if held else nullcontext(engine) as bind, Session(bind, expire_on_commit=False) as session:
        for trigger in PAIR:
            for cid in case_ids:
                fire(session, case_id=cid, trigger=trigger, actor=mediator, payload=PAYLOAD, now=clock())
                done += 1
    return done


def sent_per_fire(engine: Engine, run: Callable[[], int]) -> tuple[float, list[str]]:
    """What `run` sends per transition, counted as the raw floor counts (each statement, BEGIN and
    COMMIT; on PostgreSQL each a round trip), and the statements themselves."""
    seen: list[str] = []
    ends = [0]
    pg = is_postgresql(engine)

    def statement(conn, cursor, stmt, parameters, context, executemany) -> None:  # noqa: ARG001
        seen.append(" ".join(stmt.split()))

    def begin(_conn) -> None:
        ends[0] += pg  # psycopg sends BEGIN itself; SQLite's BEGIN IMMEDIATE is a statement above

    def end(_conn) -> None:
        ends[0] += 1

    listeners = (("before_cursor_execute", statement), ("begin", begin), ("commit", end), ("rollback", end))
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        done = run()
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)
    return (len(seen) + ends[0]) / done, seen


# --- one backend ------------------------------------------------------------------------------------


@dataclass
class Bench:
    name: str
    engine: Engine | None
    case_ids: list[uuid.UUID] = field(default_factory=list)
    mediator: Actor | None = None
    clock: Clock = field(default_factory=lambda: Clock(T0 + timedelta(days=1)))
    skipped: str | None = None
    setup_seconds: float = 0.0
    raw_done: int = 0  # transitions, warm-up included
    fire_done: int = 0  # fire's, counted and measured alike (held connection or not)


def build(name: str, url: str, n: int) -> Bench:
    t = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    bench = Bench(name, engine)
    with Session(engine, expire_on_commit=False) as session:
        bench.mediator = actor(session, MEDIATOR)
        for _ in range(n):
            bench.case_ids.append(make_case(session, state=State.MEDIATION).id)
    bench.setup_seconds = time.perf_counter() - t
    return bench


def counts(bench: Bench) -> tuple[int, int, int, int]:
    """(all events, raw events, fire pause/resume events, sum of versions) over the bench cases."""
    with Session(bench.engine) as s:
        total = s.exec(select(func.count()).select_from(CaseEvent)).one()
        raw = s.exec(select(func.count()).select_from(CaseEvent).where(CaseEvent.actor == RAW_ACTOR)).one()
        fired = s.exec(
            select(func.count())
            .select_from(CaseEvent)
            .where(
                CaseEvent.actor == MEDIATOR,
                CaseEvent.trigger.in_([t.value for t in PAIR]),  # type: ignore[attr-defined]
            )
        ).one()
        versions = s.exec(select(func.sum(Case.version)).where(Case.id.in_(bench.case_ids))).one()  # type: ignore[attr-defined]
    return total, raw, fired, int(versions or 0)


def timed(fn: Callable[[], int]) -> tuple[int, float, float]:
    """(transitions done, wall seconds, this process's CPU seconds)."""
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    done = fn()
    return done, time.perf_counter() - t, time.process_time() - c
