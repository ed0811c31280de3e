"""Logs never carry an identity number or a phone, even when a clerk searches by one."""

import logging

from api.logs import ScrubFilter, log_config


def test_scrub_filter_masks_identity_numbers_and_phones_in_access_lines():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/cases?q=11010519491231002X&p=13812345678", "1.1", 200),
        None,
    )
    assert ScrubFilter().filter(record)
    line = record.getMessage()
    assert "11010519491231002X" not in line and "13812345678" not in line
    assert "110105********002X" in line and "138****5678" in line


def test_every_uvicorn_handler_carries_the_scrub_filter():
    cfg = log_config()
    assert cfg["handlers"] and all("scrub" in h["filters"] for h in cfg["handlers"].values())
