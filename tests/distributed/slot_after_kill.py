"""Evidence for "no deployment concurrency limit by default" (workflows/flows/distributed.py): what a
deployment's concurrency slot does when the worker running it is killed with SIGKILL.

    JIEFEN_TEST_POSTGRES_URL=… PYTHONPATH=. .venv/bin/python -m tests.distributed.slot_after_kill

A Prefect server, a scratch database, `documents_render` deployed with `--limit 1`, a worker; as soon as a
run is Pending or Running the worker and the run's process are killed (a lost host); a second worker
starts and a second run is created. Prints how long the second run waited for the slot, and the state the
killed run is left in. (Not a test: it takes minutes, and what it measures is Prefect's, not jiefen's.)"""

import os
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from models.migrate import upgrade
from tests.api.live import free_port
from tests.conftest import scratch_postgres
from tests.distributed.test_distributed import ROOT, _healthy, children, jiefen, process


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="slot-after-kill-"))
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    with ExitStack() as stack:
        url = stack.enter_context(scratch_postgres(os.environ["JIEFEN_TEST_POSTGRES_URL"]))
        upgrade(url)
        env = {
            **os.environ,
            "PREFECT_HOME": str(tmp / "home"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
            "PREFECT_API_URL": api,
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "JIEFEN_DATABASE_URL": url,
            "PYTHONPATH": str(ROOT),
        }
        stack.enter_context(
            process(
                [str(Path(sys.executable).parent / "prefect"), "server", "start", "--port", str(port)],
                env,
                tmp,
                tmp / "server.log",
            )
        )
        while not _healthy(api):
            time.sleep(0.5)
        done = jiefen(env, "deploy", "--flow", "documents_render", "--limit", "1", "--interval", "3600", cwd=tmp)
        print(done.stdout.strip(), done.stderr.strip()[-500:])
        first = stack.enter_context(
            process([sys.executable, "-m", "api.cli", "worker", "--no-deploy"], env, tmp, tmp / "w1.log")
        )

        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("documents_render/documents-render")
            run = client.create_flow_run_from_deployment(deployment.id)
            while client.read_flow_run(run.id).state_type.value not in ("PENDING", "RUNNING"):
                time.sleep(0.1)
            for pid in [first.pid, *children(first.pid)]:
                os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            print(f"killed the worker with run 1 {client.read_flow_run(run.id).state_name}")
            stack.enter_context(
                process([sys.executable, "-m", "api.cli", "worker", "--no-deploy"], env, tmp, tmp / "w2.log")
            )
            second = client.create_flow_run_from_deployment(deployment.id)
            seen = ""
            while (state := client.read_flow_run(second.id).state_name) != "Completed":
                if state != seen:
                    print(f"{time.monotonic() - killed_at:6.1f} s: run 2 {state}", flush=True)
                    seen = state
                if time.monotonic() - killed_at > 900:
                    print("run 2 still not completed after 900 s")
                    break
                time.sleep(1)
            print(f"{time.monotonic() - killed_at:6.1f} s: run 2 {state}")
            print(f"run 1 (killed) is left {client.read_flow_run(run.id).state_name}")


if __name__ == "__main__":
    main()
