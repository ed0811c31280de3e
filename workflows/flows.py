"""Prefect flows (STYLE §10): thin wrappers that gather what to do and call the engine.

`sweep_deadlines(as_of)` fires every deadline due at `as_of` (workflows.sweep). It is run:
- embedded: by the API process's APScheduler job every JIEFEN_SWEEP_SECONDS (workflows.scheduler);
- once: `jiefen sweep [--as-of ISO]`;
- distributed: as a Prefect deployment on an interval schedule (`jiefen deploy`), by workers.

With no PREFECT_API_URL the body runs in process (`workflows.sweep.run_sweep` calls the plain
function, without even importing Prefect): Prefect's ephemeral server would cost ~200 MB and 8–12 s on
first use for nothing a sweep needs. With PREFECT_API_URL set, `run_sweep` starts a real flow run on
that server.

Never one flow run per case sleeping until its deadline: deadlines are rows, and one sweep serves all.
"""

import os
from datetime import datetime
from functools import lru_cache
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # before Prefect reads its settings

from prefect import flow  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from models.db import get_engine, make_engine
from models.settings import get_settings
from workflows.sweep import run_sweep, sweep  # noqa: F401  (run_sweep: the entry point callers use)

DEPLOYMENT_NAME = "sweep-deadlines"


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine_for(database_url: str | None) -> Engine:
    if not database_url or database_url == get_settings().database_url:
        return get_engine()
    return _engine_for(database_url)


@flow(name="sweep_deadlines", flow_run_name="sweep_deadlines-{as_of}", retries=0, log_prints=False,
      description="Fire every statutory deadline due at as_of (default now) through the engine as system:timeout.")
def sweep_deadlines(as_of: datetime | None = None, batch_size: int | None = None,
                    database_url: str | None = None) -> dict[str, Any]:
    return sweep(engine_for(database_url), as_of=as_of, batch_size=batch_size).as_dict()


def deployment_spec(*, name: str = DEPLOYMENT_NAME, interval: int | None = None, limit: int = 1,
                    work_pool: str | None = None) -> dict[str, Any]:
    """What `jiefen deploy` registers, as data (printed by --dry-run)."""
    interval = interval or get_settings().sweep_seconds
    return {
        "flow": "sweep_deadlines",
        "entrypoint": "workflows/flows.py:sweep_deadlines",
        "name": name,
        "interval_seconds": interval,
        "concurrency_limit": {"limit": limit, "collision_strategy": "CANCEL_NEW"},
        "parameters": {},
        "work_pool": work_pool,
        "tags": ["jiefen", "deadlines"],
        "description": "法定时限巡检：每次运行找出到期的时限并经引擎以 system:timeout 触发。",
    }


def to_deployment(spec: dict[str, Any]):  # type: ignore[no-untyped-def]
    """The RunnerDeployment for a spec (no server needed to build it)."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    limit = spec["concurrency_limit"]
    return sweep_deadlines.to_deployment(
        name=spec["name"], interval=spec["interval_seconds"], tags=spec["tags"], description=spec["description"],
        parameters=spec["parameters"],
        concurrency_limit=ConcurrencyLimitConfig(
            limit=limit["limit"], collision_strategy=ConcurrencyLimitStrategy(limit["collision_strategy"])),
        work_pool_name=spec["work_pool"],
    )


@flow(name="handoffs_deliver", flow_run_name="handoffs_deliver-{now}", retries=0, log_prints=False,
      description="Push court hand-offs and their later changes to the courts' webhooks, retrying with backoff.")
def handoffs_deliver(now: datetime | None = None, limit: int = 100, database_url: str | None = None) -> dict[str, Any]:
    from workflows.handoffs import deliver

    return deliver(engine_for(database_url), now=now, limit=limit)
