"""Fixtures for the web channel: the real app over a real SQLite store, and a statistics recorder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.channels.web.app import WebChannel
from bot.channels.web.server import build_web
from bot.engine import Engine
from bot.engine.store import SessionStore
from bot.flows import Catalogue, FlowSet
from bot.stats import Recorder


@dataclass
class Site:
    """The web app on its own store and statistics database."""

    app: Starlette
    channel: WebChannel
    engine: Engine
    recorder: Recorder
    sessions_db: Path
    stats_db: Path

    def client(self, base_url: str = "http://127.0.0.1") -> TestClient:
        return TestClient(self.app, base_url=base_url, follow_redirects=False)


def make_site(flows: FlowSet | Catalogue, folder: Path, ttl: timedelta = timedelta(hours=24)) -> Site:
    recorder = Recorder(folder / "stats.db", interval=0.05)
    engine = Engine.from_catalogue(flows, listeners=[recorder]) if isinstance(flows, Catalogue) \
        else Engine(flows, listeners=[recorder])
    sessions_db = folder / "sessions.db"
    channel, app = build_web(engine, lambda: SessionStore(sessions_db, ttl=ttl), environ={})
    return Site(app, channel, engine, recorder, sessions_db, folder / "stats.db")


@pytest.fixture
def site(flowset: FlowSet, tmp_path: Path) -> Iterator[Site]:
    """A fresh site for one test."""
    made = make_site(flowset, tmp_path)
    yield made
    made.recorder.close()


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    """A browser-like client of ``site`` (its own cookie jar; redirects not followed)."""
    with site.client() as test_client:
        yield test_client


# -- a real server and a real browser (the slow tests) --------------------------------------------

import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

from tests.conftest import ROOT, cli_command  # noqa: E402

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
DOCS_IMAGES = ROOT / "docs" / "images"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """``referral-bot web`` as a real subprocess on 127.0.0.1."""

    url: str
    process: subprocess.Popen[str]
    folder: Path
    log_file: Any = None

    def log(self) -> str:
        return (self.folder / "web.log").read_text(encoding="utf-8", errors="replace")


def start_server(folder: Path, *args: str, env: dict[str, str] | None = None) -> LiveServer:
    """Start ``referral-bot web`` (or ``args``) and wait until /healthz answers."""
    port = free_port()
    full_env = {**os.environ, "REFERRAL_BOT_DB": str(folder / "stats.db"),
                "REFERRAL_BOT_SESSIONS_DB": str(folder / "sessions.db"), **(env or {})}
    full_env.pop("TELEGRAM_BOT_TOKEN", None)
    command = [*cli_command(), *(args or ("web", "--port", str(port)))]
    if args:
        full_env["REFERRAL_BOT_WEB_PORT"] = str(port)
    log = (folder / "web.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.close()
            raise RuntimeError(f"the server exited: {(folder / 'web.log').read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return LiveServer(url, process, folder, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    log.close()
    raise RuntimeError("the web server did not start within 30 s")


def stop_server(server: LiveServer) -> int:
    server.process.terminate()
    try:
        return server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait()
    finally:
        server.log_file.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One ``referral-bot web`` for the browser tests."""
    server = start_server(tmp_path_factory.mktemp("web"))
    yield server
    code = stop_server(server)
    assert code == 0, server.log()
    assert "Traceback" not in server.log(), server.log()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), once per session."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[*args, "--disable-gpu"])
        yield launched
        launched.close()
