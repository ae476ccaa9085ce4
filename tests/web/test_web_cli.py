"""``referral-bot web`` as a real subprocess: it serves, logs nothing about visitors, stops cleanly."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CliRunner
from tests.web.conftest import start_server, stop_server

pytestmark = pytest.mark.slow


def test_the_server_logs_no_address_agent_or_referrer_and_stops_with_0(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        request = urllib.request.Request(server.url + "/flows/report_concern", headers={
            "User-Agent": "UA-MARKER-42", "Referer": "https://referrer.example/MARKER-REF",
            "X-Forwarded-For": "203.0.113.9"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(server.url + "/missing-page", timeout=10)
    finally:
        code = stop_server(server)
    log = server.log()
    assert code == 0, log
    for marker in ("UA-MARKER", "MARKER-REF", "203.0.113.9", "GET /", '" 200', "Traceback"):
        assert marker not in log, f"{marker!r} in the log:\n{log}"
    for path in tmp_path.glob("*.db*"):
        data = path.read_bytes()
        assert b"UA-MARKER" not in data
        assert b"203.0.113.9" not in data
        assert b"MARKER-REF" not in data


def test_a_port_in_use_is_one_clear_line(run_cli: CliRunner) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("web", "--port", str(taken.getsockname()[1]), timeout=60)
    assert result.returncode == 1
    assert "cannot serve the web channel" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_names_the_options(run_cli: CliRunner) -> None:
    result = run_cli("web", "--help")
    assert result.returncode == 0
    assert "--host" in result.stdout
    assert "--port" in result.stdout
    assert "127.0.0.1" in result.stdout
