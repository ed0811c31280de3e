"""The peer benchmark's parts (tests/bench/test_peer_spiff.py): the plain path both sides walk, the
SpiffWorkflow side (the BPMN process, its table, one persisted step) and the two timed passes."""

import gc
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.db import make_engine, write_transaction
from models.migrate import upgrade
from states.enums import State, Trigger
from tests.bench.fire_support import Clock
from tests.conftest import _seed
from tests.factories import MEDIATION_ORG, T0, actor, agreement_payload, confirmation_request, make_case
from workflows.access import Actor
from workflows.engine import fire

BPMN = Path(__file__).with_name("lifecycle.bpmn")
PROCESS_ID = "plain_lifecycle"
END_EVENT = "closed"


# --- the plain path: intake → diversion → mediation → agreement → judicial confirmation → confirmed → closed


@dataclass(frozen=True)
class Step:
    trigger: Trigger
    username: str  # who fires it (tests/factories.py's seed users)
    payload: Callable[[int], dict[str, Any]]  # the payload for the i-th case


PATH: tuple[Step, ...] = (
    Step(Trigger.DIVERT, "window1", lambda i: {"org_code": MEDIATION_ORG}),
    Step(Trigger.ACCEPT, "mediator1", lambda i: {"mediator_code": "M-0001"}),
    Step(Trigger.REACH_AGREEMENT, "mediator1", lambda i: agreement_payload()),
    Step(Trigger.REQUEST_CONFIRMATION, "mediator1", lambda i: confirmation_request()),
    Step(Trigger.COURT_CONFIRM, "court1", lambda i: {"ruling_no": f"（2026）浙0106民特{i + 1}号"}),
    Step(Trigger.RECORD_FULFILMENT, "mediator1", lambda i: {"note": "义务人已按约定支付维修费用"}),
)
END_STATE = State.CLOSED
# the receipt is registered when the case is opened (untimed, before the passes); the others by the steps
DOCUMENT_KINDS = ("intake_receipt", "acceptance_notice", "mediation_agreement", "confirmation_application")


# --- the SpiffWorkflow side -------------------------------------------------------------------------

SPIFF_ROWS = sa.Table(
    "bench_spiff_workflows",
    sa.MetaData(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("serialization", sa.Text, nullable=False),  # BpmnWorkflowSerializer.serialize_json
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)


class SpiffRefused(Exception):
    """The workflow has no ready user task for this step in this lane."""


def parse_spec() -> Any:
    parser = BpmnParser(validator=BpmnValidator())  # the BPMN 2.0 XSD: a malformed file fails here
    parser.add_bpmn_file(str(BPMN))
    return parser.get_spec(PROCESS_ID)


class SpiffPeer:
    """A SpiffWorkflow application on the same database: one row per workflow holding its JSON."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.spec = parse_spec()
        self.serializer = BpmnWorkflowSerializer()
        SPIFF_ROWS.create(engine, checkfirst=True)

    def start(self, n: int, now: datetime) -> list[uuid.UUID]:
        """n workflows at their first user task, stored (not timed: jiefen's cases are opened untimed too)."""
        rows = []
        for _ in range(n):
            wf = BpmnWorkflow(self.spec)
            wf.do_engine_steps()
            rows.append({"id": uuid.uuid4(), "version": 0, "serialization": self.serializer.serialize_json(wf)})
        with self.engine.begin() as conn:
            conn.execute(SPIFF_ROWS.insert(), [{**r, "updated_at": now} for r in rows])
        return [r["id"] for r in rows]

    def step(
        self, session: Session, wf_id: uuid.UUID, name: str, lane: str, data: dict[str, Any], now: datetime
    ) -> None:
        """One step, one transaction: read the row (locked), restore the workflow, complete the ready user
        task named `name` in `lane` with `data`, run the engine to the next user task, write the row back."""
        with write_transaction(session) as conn:
            blob = conn.execute(
                sa.select(SPIFF_ROWS.c.serialization).where(SPIFF_ROWS.c.id == wf_id).with_for_update()
            ).scalar_one()
            wf = self.serializer.deserialize_json(blob)
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            if task is None or task.task_spec.name != name or task.task_spec.lane != lane:
                raise SpiffRefused(f"{wf_id}: no ready {name} task in lane {lane} (found {task})")
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            conn.execute(
                SPIFF_ROWS.update()
                .where(SPIFF_ROWS.c.id == wf_id)
                .values(
                    serialization=self.serializer.serialize_json(wf),
                    version=SPIFF_ROWS.c.version + 1,
                    updated_at=now,
                )
            )

    def load(self, wf_id: uuid.UUID) -> tuple[Any, int, int]:
        """(the workflow as stored, its version, the size of its JSON in bytes)."""
        with self.engine.connect() as conn:
            blob, version = conn.execute(
                sa.select(SPIFF_ROWS.c.serialization, SPIFF_ROWS.c.version).where(SPIFF_ROWS.c.id == wf_id)
            ).one()
        return self.serializer.deserialize_json(blob), version, len(blob.encode())


def reached_end(wf: Any) -> bool:
    ends = wf.get_tasks(spec_name=END_EVENT)
    return wf.is_completed() and len(ends) == 1 and ends[0].state == TaskState.COMPLETED


# --- one backend: its cases, its workflows, the passes ----------------------------------------------


@dataclass
class Peer:
    name: str
    engine: Engine | None
    spiff: SpiffPeer | None = None
    actors: dict[str, Actor] = field(default_factory=dict)
    case_pool: list[uuid.UUID] = field(default_factory=list)  # cases at intake, each walked once
    wf_pool: list[uuid.UUID] = field(default_factory=list)  # workflows at `divert`, each walked once
    cases_walked: list[uuid.UUID] = field(default_factory=list)
    wfs_walked: list[uuid.UUID] = field(default_factory=list)
    clock: Clock = field(default_factory=lambda: Clock(T0 + timedelta(days=1)))
    skipped: str | None = None
    setup_seconds: float = 0.0

    def take_cases(self, n: int) -> list[uuid.UUID]:
        ids, self.case_pool = self.case_pool[:n], self.case_pool[n:]
        assert len(ids) == n, "case pool exhausted"
        self.cases_walked += ids
        return ids

    def take_workflows(self, n: int) -> list[uuid.UUID]:
        ids, self.wf_pool = self.wf_pool[:n], self.wf_pool[n:]
        assert len(ids) == n, "workflow pool exhausted"
        self.wfs_walked += ids
        return ids


def build(name: str, url: str, n: int) -> Peer:
    """A migrated, seeded database with n cases at intake and n SpiffWorkflow workflows at their start."""
    t = time.perf_counter()
    upgrade(url)
    engine = make_engine(url)
    _seed(engine)
    peer = Peer(name, engine, spiff=SpiffPeer(engine))
    with Session(engine, expire_on_commit=False) as session:
        peer.actors = {s.username: actor(session, s.username) for s in PATH}
        peer.case_pool = [make_case(session, state=State.INTAKE).id for _ in range(n)]
    peer.wf_pool = peer.spiff.start(n, T0)
    peer.setup_seconds = time.perf_counter() - t
    return peer


def payloads(n: int) -> list[list[dict[str, Any]]]:
    """Each step's payload for cases 0 … n-1, built before the clock starts; both sides get the same."""
    return [[step.payload(i) for i in range(n)] for step in PATH]


Timing = tuple[float, float]  # (wall seconds, this process's CPU seconds)


def _timed(fn: Callable[[], None]) -> Timing:
    gc.collect()
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, time.process_time() - c


def jiefen_pass(peer: Peer, ids: list[uuid.UUID], data: list[list[dict[str, Any]]]) -> list[Timing]:
    """The six steps through `fire`, step by step over all cases (a transaction per fire); per step's timing."""
    timings = []
    with Session(peer.engine, expire_on_commit=False) as session:
        for step, step_data in zip(PATH, data, strict=True):
            who = peer.actors[step.username]

            def run(step: Step = step, who: Actor = who, step_data: list[dict[str, Any]] = step_data) -> None:
                for cid, payload in zip(ids, step_data, strict=False):
                    fire(session, case_id=cid, trigger=step.trigger, actor=who, payload=payload, now=peer.clock())

            timings.append(_timed(run))
    return timings


def spiff_pass(peer: Peer, ids: list[uuid.UUID], data: list[list[dict[str, Any]]]) -> list[Timing]:
    """The same six steps on SpiffWorkflow workflows (a transaction per step); per step's timing."""
    assert peer.spiff is not None
    spiff = peer.spiff
    timings = []
    with Session(peer.engine, expire_on_commit=False) as session:
        for step, step_data in zip(PATH, data, strict=True):
            lane = str(peer.actors[step.username].role)

            def run(step: Step = step, lane: str = lane, step_data: list[dict[str, Any]] = step_data) -> None:
                for wf_id, payload in zip(ids, step_data, strict=False):
                    spiff.step(session, wf_id, str(step.trigger), lane, payload, peer.clock())

            timings.append(_timed(run))
    return timings
