"""The README's curl walkthrough, run exactly as written against a running server."""

import re
import subprocess

from tests.e2e.conftest import ROOT


def walkthrough_script() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- walkthrough:start -->", 1)[1].split("<!-- walkthrough:end -->", 1)[0]
    return block.split("```sh\n", 1)[1].rsplit("```", 1)[0]


def test_readme_walkthrough_runs_as_written(server):
    script = walkthrough_script()
    assert "http://127.0.0.1:8000" in script
    script = "set -euo pipefail\n" + script.replace("http://127.0.0.1:8000", server)
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = [line.strip() for line in out.stdout.splitlines()]
    states = [m.group(1) for line in lines if (m := re.match(r"（\d{4}）330106调\d{4}号 (\w+) \d+$", line))]
    assert states == ["diversion", "mediation", "agreement", "judicial_confirmation", "confirmed", "closed", "closed"]
    assert any(re.fullmatch(r"\['（\d{4}）330106调\d{4}号'\]", line) for line in lines), "court inbox"
    assert "案件当前状态为“closed”，不能执行“fail”" in out.stdout
    events = [line.split()[1] for line in lines if re.match(r"\d+ \w+ \w+ [0-9a-f]{12}$", line)]
    assert events == [
        "open",
        "divert",
        "accept",
        "reach_agreement",
        "request_confirmation",
        "court_confirm",
        "record_fulfilment",
        "record_followup",
    ]
