"""Prefect flows: thin wrappers that gather what to do and call the engine.

`sweep_deadlines(as_of)` fires every deadline due at `as_of` (workflows.sweep). It is run:
- embedded: by the API process's APScheduler job every JIEFEN_SWEEP_SECONDS (workflows.scheduler);
- once: `jiefen sweep [--as-of ISO]`;
- distributed: as a Prefect deployment on an interval schedule, run by `jiefen worker`s (workflows/flows/distributed.py).

With no PREFECT_API_URL the body runs in process (`workflows.flows.run_sweep` calls the plain
function, without even importing Prefect): Prefect's ephemeral server would cost ~200 MB and 8–12 s on
first use for nothing a sweep needs. With PREFECT_API_URL set, `run_sweep` starts a real flow run on
that server.

Never one flow run per case sleeping until its deadline: deadlines are rows, and one sweep serves all.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # before Prefect reads its settings

from prefect import flow
from sqlalchemy.engine import Engine

from models.db import get_engine
from models.settings import get_settings
from workflows.clocks.sweep import sweep

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment


_ENGINE: ContextVar[Engine | None] = ContextVar("jiefen_flow_engine", default=None)


def engine() -> Engine:
    """The database the flows work on: JIEFEN_DATABASE_URL as the process running the flow (a worker's
    flow run) reads it — or the engine of an in-process caller (`using_engine`). Never a run parameter:
    the Prefect server stores and shows parameters, and a database URL may hold a password."""
    return _ENGINE.get() or get_engine()


@contextmanager
def using_engine(bound: Engine) -> Iterator[None]:
    """Run flows called in this context (in this process) on `bound` instead of the settings' database."""
    token = _ENGINE.set(bound)
    try:
        yield
    finally:
        _ENGINE.reset(token)


@flow(
    name="sweep_deadlines",
    flow_run_name="sweep_deadlines-{as_of}",
    retries=0,
    log_prints=False,
    description="Fire every statutory deadline due at as_of (default now; never later than now) through the engine "
    "as system:timeout; events are dated when written, with as_of in their payload.",
)
def sweep_deadlines(as_of: datetime | None = None, batch_size: int | None = None) -> dict[str, Any]:
    return sweep(engine(), as_of=as_of, batch_size=batch_size).as_dict()


def deployment_spec(
    *,
    flow: str = "sweep_deadlines",
    name: str | None = None,
    interval: int | None = None,
    limit: int = 0,
    work_pool: str | None = None,
    source: str | Path | None = None,
) -> dict[str, Any]:
    """What `jiefen deploy` / `jiefen worker` register for one of the FLOWS, as data (printed by --dry-run):
    the flow's entrypoint relative to `source` (default: this checkout) and a pull step that changes into
    it, so a process worker anywhere on the machine runs it (workflows/flows/distributed.py). `limit` 0: no
    deployment concurrency limit (the database's claims make overlapping runs safe); N: at most N runs at
    once, the others queued (ENQUEUE), never cancelled."""
    from workflows.flows.distributed import POOL, entrypoint, project_root, pull_steps

    settings = get_settings()
    if flow == "audit_checkpoint":
        interval = interval or settings.audit_checkpoint_seconds or CHECKPOINT_DEFAULT_SECONDS
    if flow == "monthly_report":  # keeps last month's workbook once: a daily look is enough
        interval = interval or MONTHLY_REPORT_SECONDS
    interval = interval or settings.sweep_seconds
    tags, description = FLOWS[flow][1:]
    root = Path(source).resolve() if source else project_root()
    return {
        "flow": flow,
        "entrypoint": entrypoint(flow),
        "source": str(root),
        "pull_steps": pull_steps(root),
        "name": name or flow.replace("_", "-"),
        "interval_seconds": interval,
        "concurrency_limit": {"limit": limit, "collision_strategy": "ENQUEUE"} if limit else None,
        "parameters": {},
        "work_pool": work_pool or POOL,
        "tags": ["jiefen", *tags],
        "description": description,
    }


def to_deployment(spec: dict[str, Any]) -> "RunnerDeployment":
    """The RunnerDeployment for a spec, its code at spec["source"] (no server needed to build it)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
    from prefect.deployments.runner import RunnerDeployment
    from prefect.runner.storage import LocalStorage

    limit = spec["concurrency_limit"]
    deployment = RunnerDeployment.from_storage(  # type: ignore[call-arg]  # async_dispatch's _sync
        _sync=True,
        storage=LocalStorage(spec["source"]),
        entrypoint=spec["entrypoint"],
        name=spec["name"],
        interval=spec["interval_seconds"],
        tags=spec["tags"],
        description=spec["description"],
        parameters=spec["parameters"],
        concurrency_limit=ConcurrencyLimitConfig(
            limit=limit["limit"], collision_strategy=ConcurrencyLimitStrategy(limit["collision_strategy"])
        )
        if limit
        else None,
        work_pool_name=spec["work_pool"],
    )
    return cast("RunnerDeployment", deployment)


@flow(
    name="handoffs_deliver",
    flow_run_name="handoffs_deliver-{now}",
    retries=0,
    log_prints=False,
    description="Push court hand-offs and their later changes to the courts' webhooks, retrying with backoff.",
)
def handoffs_deliver(now: datetime | None = None, limit: int = 100) -> dict[str, Any]:
    from workflows.outbox.webhooks import deliver

    return deliver(engine(), now=now, limit=limit)


@flow(
    name="documents_render",
    flow_run_name="documents_render-{now}",
    retries=0,
    log_prints=False,
    description="Render the documents transitions and sweeps left pending, and retry failed renders when due.",
)
def documents_render(now: datetime | None = None, limit: int = 20) -> dict[str, Any]:
    from workflows.outbox.documents import render_due

    return render_due(engine(), now=now, limit=limit)


@flow(
    name="audit_checkpoint",
    flow_run_name="audit_checkpoint-{now}",
    retries=0,
    log_prints=False,
    description="Append a signed checkpoint of every case's audit chain head and the case-number counters.",
)
def audit_checkpoint(now: datetime | None = None) -> dict[str, Any]:
    from workflows.audit import write_checkpoint

    written = write_checkpoint(engine(), Path(get_settings().audit_checkpoint_dir), now=now)
    return {"n": written.n, "cases": written.cases}


# What distributed mode deploys (`jiefen deploy --flow NAME`): in embedded mode the API process's
# scheduler runs all three in turn on every tick (workflows/scheduler.py).
FLOWS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "sweep_deadlines": (
        sweep_deadlines,
        ("deadlines",),
        "法定时限巡检：每次运行找出到期的时限并经引擎以 system:timeout 触发。",
    ),
    "handoffs_deliver": (
        handoffs_deliver,
        ("court",),
        "司法确认移交推送：向法院 webhook 推送到期的通知，失败按退避重试。",
    ),
    "documents_render": (
        documents_render,
        ("documents",),
        "文书生成：生成尚待生成的文书（含时限巡检产生的终止调解告知书），到期重试失败的文书。",
    ),
    "audit_checkpoint": (
        audit_checkpoint,
        ("audit",),
        "审计检查点：将每件案件审计链的末端和案件编号计数器签名后追加到数据库之外的检查点文件。",
    ),
}
CHECKPOINT_DEFAULT_SECONDS = 3600  # a deployment registered while the embedded checkpoint is off (0)
MONTHLY_REPORT_SECONDS = 86_400


@flow(
    name="monthly_report",
    flow_run_name="monthly_report-{now}",
    retries=0,
    log_prints=False,
    description="Store last month's statistics workbook as a document (kind monthly_report), once per month.",
)
def monthly_report(now: datetime | None = None) -> dict[str, Any]:
    from workflows.monthly_report import keep_monthly_report

    return keep_monthly_report(engine(), now=now)


FLOWS["monthly_report"] = (
    monthly_report,
    ("reports",),
    "月度统计报表：将上月的统计报表（Excel）保存为文书，每月一份，重复运行不会重复保存。",
)


@flow(
    name="notifications_deliver",
    flow_run_name="notifications_deliver-{now}",
    retries=0,
    log_prints=False,
    description="Send the parties' SMS and emails from the outbox, retrying with backoff; SMS wait out the quiet hours.",
)
def notifications_deliver(now: datetime | None = None, limit: int = 100) -> dict[str, Any]:
    from workflows.notify.deliver import deliver_messages

    return deliver_messages(engine(), now=now, limit=limit)


FLOWS["notifications_deliver"] = (
    notifications_deliver,
    ("notify",),
    "当事人通知发送：发送待发的短信和电子邮件，失败按退避重试；短信在免打扰时段内顺延至时段结束。",
)
