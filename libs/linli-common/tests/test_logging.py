"""Readable log lines carry no colour codes unless they go to a terminal."""

from __future__ import annotations

import logging

import pytest

from linli.common.observability import configure_logging, logger


def test_console_lines_to_a_file_have_no_ansi_codes(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="INFO", json=False)  # stdout is captured: not a terminal
    try:
        logger.info("service started", service="things")
        logging.getLogger("uvicorn.error").warning("plain stdlib line")
    finally:
        configure_logging(level="INFO", json=True)

    out = capsys.readouterr().out
    assert "service started" in out and "plain stdlib line" in out
    assert "\x1b[" not in out
