"""Distributed mode: the flows as Prefect deployments of a process work pool, and `jiefen worker`.

Each deployment is registered *with its source*: the directory holding this checkout (or installed
package) as a `set_working_directory` pull step, and the entrypoint `workflows/flows/definitions.py:<flow>`
relative to it. A process worker started anywhere on a machine where that directory exists changes into it
before it loads the flow, so the flow imports jiefen and finds relative paths (`./.jiefen/keys`, the
checkpoint directory) exactly as `jiefen serve` started there does. (Registered without one, as before,
every run crashed: the worker ran it in an empty temporary folder.)

No deployment concurrency limit by default. Two workers never take the same scheduled run (the server
hands each run to one worker), and runs that do overlap (a run outlasting its interval, runs made by hand,
late runs after an outage) are safe by the database's claims: the sweep locks the cases it fires
(FOR UPDATE SKIP LOCKED), the render claims each document (claimed_by/claimed_until), the court webhooks
claim each notice (next_attempt_at leased). A limit would hurt failover: Prefect 3.9 holds a deployment's
slot under a lease the run's own process renews for 300 s at a time (prefect/flow_engine.py
`maintain_concurrency_lease(lease_id, 300, …)`); the server frees it only when the lease has expired
(prefect/server/services/repossessor.py). A worker killed mid-run (SIGKILL, a host lost) keeps its slot for
up to five minutes, during which a limit of 1 holds every run of that deployment back (`--limit N` queues
them, ENQUEUE; it never cancels them). Measured (tests/distributed/slot_after_kill.py): the next run waited
299 s in AwaitingConcurrencySlot; the killed run was left Pending.

`jiefen worker` = make sure the work pool exists (type process), register what is missing, then run a
Prefect ProcessWorker for the pool in this process, until stopped. Unlike `prefect serve` (a Runner),
stopping a worker pauses nothing: the schedules live on the server and the other worker takes the runs.
"""

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prefect.client.orchestration import SyncPrefectClient

POOL = "jiefen"
POOL_TYPE = "process"
SET_WORKING_DIRECTORY = "prefect.deployments.steps.set_working_directory"


class DistributedError(Exception):
    """Something an operator must fix (said in one line, no traceback)."""


def project_root() -> Path:
    """The directory the `workflows` package is in: the checkout (or site-packages, installed)."""
    return Path(__file__).resolve().parents[2]


def entrypoint(flow: str) -> str:
    return f"workflows/flows/definitions.py:{flow}"


def pull_steps(source: Path) -> list[dict[str, Any]]:
    return [{SET_WORKING_DIRECTORY: {"directory": str(source)}}]


def require_api_url(command: str) -> str:
    url = os.environ.get("PREFECT_API_URL", "")
    if not url:
        raise DistributedError(
            f"{command}: PREFECT_API_URL is not set; point it at your Prefect server "
            "(e.g. export PREFECT_API_URL=http://prefect.internal:4200/api)"
        )
    return url


def ensure_pool(client: "SyncPrefectClient", pool: str) -> bool:
    """The work pool `pool` of type process: created if missing (True), else checked (False)."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        existing = client.read_work_pool(pool)
    except ObjectNotFound:
        try:
            client.create_work_pool(
                WorkPoolCreate(
                    name=pool, type=POOL_TYPE, base_job_template=ProcessWorker.get_default_base_job_template()
                )
            )
            return True
        except ObjectAlreadyExists:  # another worker made it a moment ago
            existing = client.read_work_pool(pool)
    if existing.type != POOL_TYPE:
        raise DistributedError(f"work pool {pool!r} is of type {existing.type!r}; jiefen needs a process pool")
    return False


def registered_ok(client: "SyncPrefectClient", spec: dict[str, Any]) -> bool:
    """Whether the deployment of `spec` exists in its pool with its entrypoint and a source (any: what
    `jiefen deploy --source/--interval/--limit` set is left alone; one registered without a source, which
    no worker can run, is not)."""
    from prefect.exceptions import ObjectNotFound

    try:
        found = client.read_deployment_by_name(f"{spec['flow']}/{spec['name']}")
    except ObjectNotFound:
        return False
    has_source = any(SET_WORKING_DIRECTORY in step for step in found.pull_steps or [])
    return found.entrypoint == spec["entrypoint"] and has_source and found.work_pool_name == spec["work_pool"]


def worker_name() -> str:
    return f"jiefen-{socket.gethostname()}-{os.getpid()}"


async def run_worker(pool: str, name: str, limit: int | None) -> None:
    """A Prefect process worker for `pool`, in this process, until stopped."""
    from prefect.workers.process import ProcessWorker

    async with ProcessWorker(work_pool_name=pool, name=name, limit=limit, create_pool_if_not_found=False) as worker:
        await worker.start()
