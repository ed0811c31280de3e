"""JIEFEN_LOG_FORMAT=json (api/logs.py): one JSON object per line, scrubbed like the text lines, with the
request id and the access line's fields; and a real `jiefen serve --workers 2` whose /metrics sums what
both API processes measured (prometheus_client's multiprocess mode)."""

import json
import logging
import sys
from pathlib import Path

import httpx2
from prometheus_client.parser import text_string_to_metric_families

from api.logs import REQUEST_ID, JsonFormatter, ScrubFilter, log_config
from tests.api.live import jiefen_serve, metrics_dir
from tests.api.test_logs_scrub import ID_MASKED, ID_NUMBER, PHONE, PHONE_MASKED, access_record
from tests.api.test_serve_processes import _children


def _line(record: logging.LogRecord) -> dict[str, object]:
    assert ScrubFilter().filter(record)
    text = JsonFormatter().format(record)
    assert "\n" not in text
    parsed: dict[str, object] = json.loads(text)
    return parsed


def test_a_json_line_is_masked_and_carries_the_request_id():
    record = logging.LogRecord(
        "jiefen.api", logging.WARNING, __file__, 1, "调解员 找不到 %s 电话 %s", (ID_NUMBER, int(PHONE)), None
    )
    token = REQUEST_ID.set("req-42")
    try:
        line = _line(record)
    finally:
        REQUEST_ID.reset(token)
    assert line["message"] == f"调解员 找不到 {ID_MASKED} 电话 {PHONE_MASKED}"
    assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", "jiefen.api", "req-42")
    assert str(line["time"]).endswith("+00:00")


def test_an_access_line_has_its_fields_masked():
    line = _line(access_record(f"/api/v1/cases?q={PHONE}&id={ID_NUMBER}"))
    assert line["path"] == f"/api/v1/cases?q={PHONE_MASKED}&id={ID_MASKED}"
    assert (line["client"], line["method"], line["http_version"], line["status"]) == (
        "127.0.0.1:5000",
        "GET",
        "1.1",
        401,
    )
    assert PHONE not in json.dumps(line) and ID_NUMBER not in json.dumps(line)
    assert "request_id" not in line  # none outside a request


def test_an_exception_is_masked_in_json_too():
    try:
        raise ValueError(f"no party with phone {PHONE}")
    except ValueError:
        record = logging.LogRecord("jiefen", logging.ERROR, __file__, 1, "failed for %s", (ID_NUMBER,), sys.exc_info())
    line = _line(record)
    assert f"no party with phone {PHONE_MASKED}" in str(line["exception"])
    assert PHONE not in json.dumps(line) and ID_NUMBER not in json.dumps(line)


def test_the_json_format_sets_every_formatter_and_keeps_the_scrub_filter():
    cfg = log_config("INFO", "json")
    assert {f["()"] for f in cfg["formatters"].values()} == {"api.logs.JsonFormatter"}
    assert all("scrub" in h["filters"] for h in cfg["handlers"].values())
    assert log_config("INFO")["formatters"]["default"].get("()") != "api.logs.JsonFormatter"


def _requests_counted(text: str, route: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "jiefen_http_request_duration_seconds_count" and s.labels["route"] == route
    )


def test_jiefen_serve_writes_json_lines_and_sums_its_workers_metrics(tmp_path: Path):
    with jiefen_serve(tmp_path, "--workers", "2", env={"JIEFEN_LOG_FORMAT": "json"}) as live:
        with httpx2.Client(base_url=live.url, timeout=10) as http:
            searched = http.get("/api/v1/cases", params={"q": PHONE, "id": ID_NUMBER})
            assert searched.status_code == 401
            # A new connection each time, so the two processes share the requests.
            for _ in range(19):
                assert httpx2.get(f"{live.url}/healthz", timeout=10).status_code == 200
            metrics = http.get("/metrics")
            assert metrics.status_code == 200
            # 20 /healthz requests in all: the 19 above and the one the start-up check made.
            assert _requests_counted(metrics.text, "/healthz") == 20
            assert _requests_counted(metrics.text, "<before routing>") == 1  # the 401: refused before routing
            assert http.get("/healthz").status_code == 200  # its access line written before we read the log
        directories = {metrics_dir(pid) for pid in _children(live.proc.pid)} - {None}
        assert len(directories) == 1, directories  # the API workers share one
        (directory,) = directories
        assert directory is not None and list(Path(directory).glob("histogram_*.db"))
        out = live.output()
    assert not Path(directory).exists()  # the directory `jiefen serve` made is gone with it
    assert PHONE not in out and ID_NUMBER not in out, out
    lines = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    access = [x for x in lines if x["logger"] == "uvicorn.access"]
    assert access and all(set(x) >= {"time", "level", "message", "client", "method", "path", "status"} for x in access)
    (line,) = [x for x in access if str(x["path"]).startswith("/api/v1/cases")]
    assert line["path"] == f"/api/v1/cases?q={PHONE_MASKED}&id={ID_MASKED}" and line["status"] == 401
    assert line["request_id"] == searched.headers["x-request-id"]
    started = [x for x in lines if x["logger"] == "uvicorn.error"]
    assert len({str(x["message"]) for x in started if "Started server process" in str(x["message"])}) == 2
