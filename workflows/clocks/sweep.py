"""The deadline sweep: what the Prefect flow `sweep_deadlines` runs (ARCHITECTURE "Time").

Deadlines are rows; nothing waits in memory. A sweep finds the pending deadlines due at `as_of`
through the (status, due_at) index, a batch at a time, and acts on each through the engine as
`system:timeout` (`fire_due_locked` below: the expiry trigger — mediation_timeout,
diversion_timeout, court_overdue — fired exactly as `fire` fires it, the deadline's status changed in
the same transaction), writing an overdue notice to the outbox for each. A batch is one transaction:
a sweep killed mid-batch loses that batch's work and the next sweep does it, never twice.

On PostgreSQL concurrent sweeps share the work: a batch claims its cases with
`FOR UPDATE OF cases SKIP LOCKED` — the same lock `fire` takes first, so a sweep and a clerk's
transition on one case queue on one lock and never deadlock, and two sweeps never hold the same case.

Then reminders: pending deadlines whose reminder time has come (due_at minus the profile's lead
time) get a `reminder` notice in the outbox, once (remind_at is cleared in the same transaction).

Two instants (`sweep(engine, as_of=…, now=…)`):
- `now` is when the sweep writes: every event it appends (`at`), every notice it queues, every clock a
  fired transition opens (a case passed to the next level is received there now) carry it. Default:
  the wall clock. Only a caller that simulates time (tests, benchmarks) passes it.
- `as_of` is what is due: deadlines due at or before it fire (default `now`). An operator may sweep as
  of an earlier time (fire only what was due by then); never a later one — firing a deadline before it
  is due would end a party's period early, so `as_of` later than `now` is refused (`check_as_of`). When
  they differ, each event's and notice's payload records `as_of`.
The expiry itself is dated by the clock's own `due_at` (in the payload, the overdue notice's message,
and the 诉讼时效 restarted when a mediation is deemed failed: `Context.expired_at`), not by when the sweep
got to it.
"""

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from models.db import insert_for, is_postgresql, write_transaction
from models.rows import CaseRow, DeadlineRow
from models.settings import get_settings
from models.tables import Case, Deadline, Notification
from states.enums import Trigger
from states.labels import DEADLINE_KIND_LABELS
from workflows.access import SYSTEM_TIMEOUT, Actor
from workflows.clocks.calendar import calendar_for
from workflows.clocks.deadlines import OPEN_STATUSES, Deadlines, DeadlineStatus, load_open
from workflows.engine.transition import fire_locked
from workflows.engine.write import append_event, lock_case
from workflows.errors import JiefenError, PayloadInvalid
from workflows.notify import inbox
from workflows.notify.hooks import after_reminders

DEADLINES = Deadline.__table__  # type: ignore[attr-defined]
CASES = Case.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]

PENDING = str(DeadlineStatus.PENDING)


@dataclass
class SweepReport:
    as_of: datetime  # what was due
    now: datetime  # when the sweep wrote (its events' `at`)
    fired: int = 0  # expiry triggers fired (transitions)
    expired: int = 0  # clocks without an expiry trigger (or whose trigger was refused) marked fired
    skipped: int = 0  # settled by someone else between finding and locking
    reminded: int = 0
    batches: int = 0

    @property
    def timers(self) -> int:
        """How many timers fired: what `jiefen sweep` prints."""
        return self.fired + self.expired

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat(), "now": self.now.isoformat(), "timers": self.timers}


def check_as_of(as_of: datetime, now: datetime) -> None:
    """Refuse an `as_of` later than `now`: a deadline fired before it is due ends a party's period early
    (and its events would be dated in the future)."""
    if as_of > now:
        tz = get_settings().tz
        raise PayloadInvalid(
            "as_of",
            f"as_of：{as_of.astimezone(tz).isoformat()} 晚于当前时间 {now.astimezone(tz).isoformat()}，"
            "不能提前触发未届满的期限（as_of must not be later than now: firing a deadline before it is due "
            "would end a party's period early）",
        )


def as_of_record(as_of: datetime, now: datetime) -> dict[str, str]:
    """What a sweep's writes add to their payload: `as_of` when the sweep ran as of another time."""
    return {} if as_of == now else {"as_of": as_of.astimezone(UTC).isoformat()}


def due_query(as_of_param: str = "as_of", limit_param: str = "n", *, skip_locked: bool) -> sa.Select:
    """Pending deadlines due at `as_of`, earliest first, served by ix_deadlines_status_due."""
    q = (
        sa.select(DEADLINES.c.id, DEADLINES.c.case_id)
        .where(DEADLINES.c.status == PENDING, DEADLINES.c.due_at <= sa.bindparam(as_of_param))
        .order_by(DEADLINES.c.due_at)
        .limit(sa.bindparam(limit_param))
    )
    if skip_locked:
        q = q.join(CASES, CASES.c.id == DEADLINES.c.case_id).with_for_update(of=CASES, skip_locked=True)
    return q


_REMIND_BASE = (
    sa.select(
        DEADLINES.c.id,
        DEADLINES.c.case_id,
        DEADLINES.c.kind,
        DEADLINES.c.due_at,
        DEADLINES.c.remind_at,
        DEADLINES.c.last_day,
        DEADLINES.c.basis,
        DEADLINES.c.provisional,
        CASES.c.case_no,
        CASES.c.org_code,
        CASES.c.mediator_code,
    )
    .join(CASES, CASES.c.id == DEADLINES.c.case_id)
    .where(
        DEADLINES.c.status == PENDING,
        DEADLINES.c.remind_at <= sa.bindparam("as_of"),
        DEADLINES.c.due_at > sa.bindparam("now"),  # not yet due in fact (as_of <= now): never a late "will end"
    )
    .order_by(DEADLINES.c.remind_at)
    .limit(sa.bindparam("n"))
)
_REMINDED = (
    DEADLINES.update()
    .where(DEADLINES.c.id == sa.bindparam("b_id"), DEADLINES.c.status == PENDING)
    .values(remind_at=None, reminded_at=sa.bindparam("b_at"))
)


@dataclass(frozen=True, slots=True)
class Due:
    """A deadline to act on: fire its expiry trigger on its case (or, with none, mark it expired);
    `as_of`: what is due (the sweep's as_of)."""

    case_id: uuid.UUID
    deadline_id: uuid.UUID
    as_of: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: uuid.UUID
    deadline_id: uuid.UUID
    result: str  # "fired" (a transition) | "expired" (no expiry trigger, or it was refused) | "skipped"
    trigger: str | None = None
    detail: str | None = None
    org_code: str | None = None
    case_no: str | None = None
    kind: str | None = None
    due_at: datetime | None = None


def fire_due_locked(
    session: Session,
    conn: Connection,
    item: Due,
    *,
    actor: Actor = SYSTEM_TIMEOUT,
    now: datetime | None = None,
    locked: CaseRow | None = None,
    open_rows: list[DeadlineRow] | None = None,
) -> Outcome:
    """Act on one due deadline inside an open write transaction: lock its case (unless the caller
    already did and passes the row), re-read its open deadlines, and if the deadline is still pending
    and due, fire its expiry trigger exactly as `fire` does (role, guards, effects, audit) — the
    deadline's status changes in the same transaction. A deadline settled meanwhile is skipped, so a
    second sweep fires nothing twice. A refused trigger or a clock without one marks the deadline
    fired with an audited `deadline_expired` event.

    `now` (default the wall clock) is when this writes: the event's `at` and the clocks the transition
    opens. A deadline is due when its due_at has passed both `item.as_of` and `now`: never early.

    A caller that already holds the case's lock in this transaction may pass the case row (`locked`)
    and its open deadlines (`open_rows`), read under that lock, to save the two reads."""
    now = now or datetime.now(UTC)
    case = locked if locked is not None else lock_case(conn, item.case_id)
    if case is None:
        return Outcome(item.case_id, item.deadline_id, "skipped", detail="no such case")
    rows = open_rows if open_rows is not None and locked is not None else load_open(conn, item.case_id)
    target = next((r for r in rows if r.id == item.deadline_id), None)
    if target is None or target.status != DeadlineStatus.PENDING or target.due_at > min(item.as_of, now):
        return Outcome(item.case_id, item.deadline_id, "skipped", detail="already settled or not due")
    # What the outcome reports of the case and the clock, read before firing may move the case on.
    org_code, case_no, kind, due_at = case.org_code, case.case_no, target.kind, target.due_at
    facts = {
        "deadline_id": str(target.id),
        "kind": target.kind,
        "due_at": target.due_at.isoformat(),
        **as_of_record(item.as_of, now),
    }
    refused = None
    if target.on_expiry:
        trig = Trigger(target.on_expiry)
        try:
            fire_locked(
                session, conn, case, trig, actor, {}, None, now, open_rows=rows, record=facts, expired_at=due_at
            )
            return Outcome(
                item.case_id,
                item.deadline_id,
                "fired",
                trigger=str(trig),
                org_code=org_code,
                case_no=case_no,
                kind=kind,
                due_at=due_at,
            )
        except JiefenError as e:  # raised before any write (see fire_locked): the batch goes on
            refused = e.detail
    deadlines = Deadlines(case, rows, now=now, calendar=calendar_for(conn))
    deadlines.expire(target.id)
    payload = {**facts, **({"refused": refused} if refused else {})}
    append_event(conn, case, actor=actor.name, event="deadline_expired", payload=payload, at=now)
    deadlines.write(conn)
    return Outcome(
        item.case_id,
        item.deadline_id,
        "expired",
        detail=refused,
        org_code=org_code,
        case_no=case_no,
        kind=kind,
        due_at=due_at,
    )


def _insert_notices(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows; a notice already there (same dedupe_key) is left alone."""
    if not rows:
        return
    conn.execute(insert_for(conn)(NOTIFICATIONS).on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)


def _notice(
    kind: str, *, case_id: uuid.UUID, org_code: str | None, dedupe_key: str, at: datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "kind": kind,
        "case_id": case_id,
        "org_code": org_code,
        "recipient": None,
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "last_error": None,
        "dedupe_key": dedupe_key,
        "created_at": at,
        "next_attempt_at": at,
        "delivered_at": None,
    }


def overdue_notice(o: Outcome, at: datetime, as_of: datetime | None = None) -> dict[str, Any]:
    """The overdue notice for an outcome, queued at `at` (the sweep's now); `as_of` when the sweep ran
    as of another time (recorded in the payload)."""
    label = DEADLINE_KIND_LABELS.get(o.kind or "", o.kind or "")
    due = o.due_at.astimezone(get_settings().tz).isoformat() if o.due_at else None
    what = f"已自动执行“{o.trigger}”" if o.result == "fired" else "已记录超期"
    return _notice(
        "overdue",
        case_id=o.case_id,
        org_code=o.org_code,
        dedupe_key=f"overdue:{o.deadline_id}",
        at=at,
        payload={
            "case_no": o.case_no,
            "deadline_id": str(o.deadline_id),
            "kind": o.kind,
            "due_at": due,
            "result": o.result,
            "trigger": o.trigger,
            "refused": o.detail if o.result == "expired" else None,
            "message": f"案件 {o.case_no} 的{label}已于 {due} 届满，{what}，请督办。",
            **(as_of_record(as_of, at) if as_of is not None else {}),
        },
    )


_CASES_IN = sa.select(CASES).where(CASES.c.id.in_(sa.bindparam("ids", expanding=True)))
# By case_id alone (its own index): with the open statuses in the WHERE clause SQLite's planner may
# prefer (status, due_at) and walk every pending deadline. A case has a handful; filtered below.
_DEADLINES_IN = sa.select(DEADLINES).where(DEADLINES.c.case_id.in_(sa.bindparam("ids", expanding=True)))
_OPEN = frozenset(str(s) for s in OPEN_STATUSES)


def sweep_once(
    session: Session, *, as_of: datetime, batch_size: int, now: datetime | None = None
) -> tuple[list[Outcome], int, int]:
    """One batch of due deadlines in one transaction, written at `now` (default the wall clock). Returns
    the outcomes, how many were found, and how many were left for the next batch (a second clock of a
    case already fired in this batch). Due: at `as_of` and at `now`, whichever is earlier.

    The batch's cases and their open deadlines are read in two statements under the batch's lock
    (BEGIN IMMEDIATE on SQLite; FOR UPDATE OF cases SKIP LOCKED on PostgreSQL) instead of two per case."""
    now = now or datetime.now(UTC)
    postgres = is_postgresql(session)
    with write_transaction(session) as conn:
        found = conn.execute(due_query(skip_locked=postgres), {"as_of": min(as_of, now), "n": batch_size}).all()
        firsts: dict[uuid.UUID, uuid.UUID] = {}
        for deadline_id, case_id in found:
            firsts.setdefault(case_id, deadline_id)
        ids = list(firsts)
        cases = {r["id"]: CaseRow(r) for r in conn.execute(_CASES_IN, {"ids": ids}).mappings()} if ids else {}
        open_rows: dict[uuid.UUID, list[DeadlineRow]] = {i: [] for i in ids}
        if ids:
            for r in conn.execute(_DEADLINES_IN, {"ids": ids}).mappings():
                if r["status"] in _OPEN:
                    open_rows[r["case_id"]].append(DeadlineRow(r))
        outcomes = [
            fire_due_locked(
                session,
                conn,
                Due(case_id, deadline_id, as_of),
                actor=SYSTEM_TIMEOUT,
                now=now,
                locked=cases.get(case_id),
                open_rows=open_rows[case_id],
            )
            if case_id in cases
            else fire_due_locked(session, conn, Due(case_id, deadline_id, as_of), actor=SYSTEM_TIMEOUT, now=now)
            for case_id, deadline_id in firsts.items()
        ]
        _insert_notices(conn, [overdue_notice(o, now, as_of) for o in outcomes if o.result != "skipped"])
    session.expire_all()
    return outcomes, len(found), len(found) - len(firsts)


def remind_once(session: Session, *, as_of: datetime, batch_size: int, now: datetime | None = None) -> int:
    """One batch of reminders, sent at `now` (default the wall clock): a notice each, and remind_at
    cleared, in one transaction. Reminded: deadlines whose reminder time has come by `as_of` and that are
    not due yet at `now` (a deadline already due is the overdue notice's)."""
    now = now or datetime.now(UTC)
    postgres = is_postgresql(session)
    query = _REMIND_BASE.with_for_update(of=DEADLINES, skip_locked=True) if postgres else _REMIND_BASE
    tz = get_settings().tz
    with write_transaction(session) as conn:
        rows = conn.execute(query, {"as_of": min(as_of, now), "now": now, "n": batch_size}).all()
        if rows:
            conn.execute(_REMINDED, [{"b_id": r.id, "b_at": now} for r in rows])
            _insert_notices(
                conn,
                [
                    _notice(
                        "reminder",
                        case_id=r.case_id,
                        org_code=r.org_code,
                        dedupe_key=f"reminder:{r.id}:{r.remind_at.isoformat()}",
                        at=now,
                        payload={
                            "case_no": r.case_no,
                            "deadline_id": str(r.id),
                            "kind": r.kind,
                            "due_at": r.due_at.astimezone(tz).isoformat(),
                            "basis": r.basis,
                            "provisional": r.provisional,
                            "message": f"案件 {r.case_no} 的{DEADLINE_KIND_LABELS.get(r.kind, r.kind)}将于 "
                            f"{r.due_at.astimezone(tz).isoformat()} 届满，请及时办理。",
                            **as_of_record(as_of, now),
                        },
                    )
                    for r in rows
                ],
            )
            inbox.reminders(conn, rows, at=now, tz=tz)  # the mediators' 期限提醒 in the app, same transaction
            after_reminders(conn, rows, at=now)  # the parties' own reminders (期限提醒), same transaction
    return len(rows)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=get_settings().tz)


def sweep(
    engine: Engine,
    *,
    as_of: datetime | None = None,
    now: datetime | None = None,
    batch_size: int | None = None,
    max_batches: int | None = None,
) -> SweepReport:
    """Fire everything due at `as_of` (default `now`), batch by batch, then send due reminders; every
    write carries `now` (default the wall clock). An `as_of` later than `now` is refused (PayloadInvalid
    naming as_of): only a caller simulating time passes `now`, and then together with `as_of`."""
    now = _aware(now) if now is not None else datetime.now(UTC)
    as_of = _aware(as_of) if as_of is not None else now
    check_as_of(as_of, now)
    batch_size = batch_size or get_settings().sweep_batch_size
    report = SweepReport(as_of=as_of, now=now)
    with Session(engine, expire_on_commit=False) as session:
        while max_batches is None or report.batches < max_batches:
            outcomes, found, deferred = sweep_once(session, as_of=as_of, batch_size=batch_size, now=now)
            if found:
                report.batches += 1
            for o in outcomes:
                setattr(report, o.result, getattr(report, o.result) + 1)
            if found < batch_size and not deferred:
                break
        while True:
            n = remind_once(session, as_of=as_of, batch_size=batch_size, now=now)
            report.reminded += n
            if n < batch_size:
                break
    return report
