"""The scrubber masks identity numbers and phones in log lines without breaking the records: uvicorn's
access formatter unpacks a record's arguments, so they must keep their shape."""

import logging
import sys
from pathlib import Path

import httpx2
from uvicorn.logging import AccessFormatter, DefaultFormatter

from api.logs import ScrubFilter
from tests.api.live import jiefen_serve

PHONE, ID_NUMBER = "13812345678", "11010519491231002X"
PHONE_MASKED, ID_MASKED = "138****5678", "110105********002X"


def access_record(path: str) -> logging.LogRecord:
    """The record uvicorn's protocols log for a request (uvicorn/protocols/http/httptools_impl.py)."""
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 401),
        None,
    )


def test_uvicorns_access_formatter_writes_a_scrubbed_line():
    record = access_record(f"/api/v1/cases?q={PHONE}&id={ID_NUMBER}")
    assert ScrubFilter().filter(record)
    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    line = formatter.format(record)
    assert line == f'127.0.0.1:5000 - "GET /api/v1/cases?q={PHONE_MASKED}&id={ID_MASKED} HTTP/1.1" 401 Unauthorized'


def test_a_number_passed_as_a_non_string_argument_is_masked_too():
    record = logging.LogRecord("jiefen", logging.INFO, __file__, 1, "phone %d, id %s", (int(PHONE), ID_NUMBER), None)
    assert ScrubFilter().filter(record)
    line = DefaultFormatter("%(message)s", use_colors=False).format(record)
    assert line == f"phone {PHONE_MASKED}, id {ID_MASKED}"


def test_an_exceptions_text_is_masked():
    try:
        raise ValueError(f"no party with phone {PHONE}")
    except ValueError:
        record = logging.LogRecord(
            "jiefen.api", logging.ERROR, __file__, 1, "failed for %s", (ID_NUMBER,), exc_info=sys.exc_info()
        )
    assert ScrubFilter().filter(record)
    text = DefaultFormatter("%(message)s", use_colors=False).format(record)
    assert PHONE not in text and ID_NUMBER not in text
    assert f"no party with phone {PHONE_MASKED}" in text and f"failed for {ID_MASKED}" in text


def test_jiefen_serve_access_log_masks_a_searched_phone_and_identity_number(tmp_path: Path):
    with jiefen_serve(tmp_path) as live:
        for params in ({"q": PHONE}, {"q": ID_NUMBER}, {"q": PHONE, "id": ID_NUMBER}):
            assert httpx2.get(f"{live.url}/api/v1/cases", params=params, timeout=10).status_code == 401
        # The access line of the last request is written by the time its response has been received.
        assert httpx2.get(f"{live.url}/healthz", timeout=10).status_code == 200
        out = live.output()
    assert "Logging error" not in out and "ValueError" not in out, out
    assert PHONE not in out and ID_NUMBER not in out, out
    assert f'"GET /api/v1/cases?q={PHONE_MASKED} HTTP/1.1" 401' in out, out
    assert f'"GET /api/v1/cases?q={ID_MASKED} HTTP/1.1" 401' in out, out
    assert f'"GET /api/v1/cases?q={PHONE_MASKED}&id={ID_MASKED} HTTP/1.1" 401' in out, out
