"""Fixtures for the web channel: the real app over a real SQLite store, and a statistics recorder."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.channels.web.app import WebChannel
from bot.channels.web.server import build_web
from bot.engine import Engine
from bot.engine.store import SessionStore
from bot.flows import FlowSet
from bot.stats import Recorder

sys.path.insert(0, str(Path(__file__).parent))


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


def make_site(flowset: FlowSet, folder: Path, ttl: timedelta = timedelta(hours=24)) -> Site:
    recorder = Recorder(folder / "stats.db", interval=0.05)
    engine = Engine(flowset, listeners=[recorder])
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
