"""The web channel's benchmarks (issue #14): server time per step, throughput beside a bare
Starlette floor, page weight, and a load test. Only 127.0.0.1 traffic; every loop is bounded.

The server (the real web channel, or the floor) runs in its own process
(:mod:`benchmarks.webserver`); the clients here are httpx2 async clients, each with its own
cookies, walking random paths through the flows and checking every page is the step they
expect (a lost or crossed session would show another step, or the start page).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

import httpx2

from benchmarks.core import ROOT, BenchmarkError, Context, Results, median, percentile
from bot.flows import Checklist, Flow, FlowSet, Info, Outcome, Question

__all__ = ["measure_web"]

STATE = re.compile(r'<main\b[^>]*\bdata-state="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
ASSET = re.compile(r'(?:href|src)="(/assets/[^"]+)"')
FORM = {"content-type": "application/x-www-form-urlencoded"}
WARM_UP = 8
"""Steps per client before timing: enough for the server to have drawn every step page once."""
SIZES = {  # mode -> (latency clients, steps per client, load users, load seconds)
    "full": (50, 80, 200, 60.0),
    "quick": (50, 30, 200, 10.0),
    "tiny": (5, 3, 10, 1.0),
}


@dataclass(slots=True)
class Tally:
    """What the clients saw."""

    steps: int = 0
    server_errors: int = 0
    client_errors: int = 0
    """Requests the client could not complete (connect or read timeouts on a busy machine)."""
    crossed: int = 0
    pages: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


class Browser:
    """A minimal HTTP/1.1 keep-alive client with one cookie: cheap, so the clients leave the
    CPU to the server (httpx costs several times the server's own work per request)."""

    def __init__(self, port: int, name: str) -> None:
        self.port, self.name = port, name
        self.cookie = ""
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: str = "") -> tuple[int, dict[str, str], bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self._reader is not None
        head = [f"{method} {path} HTTP/1.1", "host: 127.0.0.1", f"x-bench-client: {self.name}"]
        if self.cookie:
            head.append(f"cookie: rg_session={self.cookie}")
        if method == "POST":
            head += ["content-type: application/x-www-form-urlencoded", f"content-length: {len(body.encode())}"]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n" + body).encode())
        await self._writer.drain()
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
            if name.strip().lower() == "set-cookie" and value.strip().startswith("rg_session="):
                self.cookie = value.strip().split(";")[0].split("=", 1)[1].strip('"')
        data = await self._reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, data

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise BenchmarkError("cannot read the server's memory (/proc is needed).")


class Server:
    """A benchmark server process on 127.0.0.1."""

    def __init__(self, kind: str, ctx: Context) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.webserver", kind, str(self.port), str(ctx.flows_dir), str(ctx.scratch)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"the {kind} server did not start: {self.process.stderr.read()[-500:]}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise BenchmarkError(f"the {kind} server did not start within 30 s.")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _answer(state: Question | Checklist | Info, rng: random.Random) -> tuple[list[tuple[str, str]], str]:
    """A random answer to a step, as form fields, and the step it leads to."""
    if isinstance(state, Question):
        option = rng.choice(state.options)
        return [("answer", option.id)], option.next
    if isinstance(state, Checklist):
        ticks = [i.id for i in state.items if rng.random() < 0.4]
        return [("items", t) for t in ticks], state.next_for(frozenset(ticks))
    return [], state.next


def _known(flow: Flow, state_id: str, facts: dict[str, str]) -> str:
    """Where the server shows ``state_id``: questions whose ``remember`` fact this browser's
    conversation already answered are skipped (#13: the nation is asked once), as the engine does."""
    for _ in range(len(flow.states)):
        state = flow.states[state_id]
        fact = getattr(state, "remember", None)
        value = facts.get(fact) if fact is not None else None
        option = next((o for o in getattr(state, "options", ()) if o.id == value), None)
        if option is None:
            return state_id
        state_id = option.next
    return state_id


def _remember(state: Question | Checklist | Info, fields: list[tuple[str, str]], facts: dict[str, str]) -> None:
    fact = getattr(state, "remember", None)
    if fact is not None:
        facts[fact] = dict(fields)["answer"]


async def _walker(number: int, url: str, flowset: FlowSet, tally: Tally, *, steps: int | None,
                  until: float | None, rng: random.Random, check: bool = True, label: str = "") -> None:
    """One browser: walk random paths until ``steps`` steps were taken or the clock passes ``until``."""
    try:
        await _walk(number, url, flowset, tally, steps=steps, until=until, rng=rng, check=check, label=label)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        tally.client_errors += 1


async def _walk(number: int, url: str, flowset: FlowSet, tally: Tally, *, steps: int | None,
                until: float | None, rng: random.Random, check: bool, label: str) -> None:
    flows = [f for f in flowset.flows.values() if f.status == "published"]
    browser = Browser(int(url.rsplit(":", 1)[1]), f"{label}{number}")
    try:
        status, _, first = await browser.request("GET", "/")
        found = CSRF.search(first.decode())
        if status >= 500 or found is None:
            tally.server_errors += 1
            return
        csrf, taken = found.group(1), 0
        facts: dict[str, str] = {}
        while (steps is None or taken < steps) and (until is None or time.monotonic() < until):
            flow = rng.choice(flows)
            expected = _known(flow, flow.start, facts)
            status, headers, _ = await browser.request("POST", f"/flows/{flow.id}", f"csrf={csrf}&continue=start")
            while True:
                if status >= 500:
                    tally.server_errors += 1
                    return
                started = time.perf_counter()
                status, _, body = await browser.request("GET", headers.get("location", f"/flows/{flow.id}/{expected}"))
                if status >= 500:
                    tally.server_errors += 1
                    return
                shown = STATE.search(body.decode())
                if check and (shown is None or shown.group(1) != expected):
                    tally.crossed += 1
                    return
                tally.pages[expected] = max(tally.pages.get(expected, 0), len(body))
                state = flow.states[expected]
                if isinstance(state, Outcome) or (steps is not None and taken >= steps):
                    break
                fields, expected = _answer(state, rng)  # type: ignore[arg-type]
                _remember(state, fields, facts)  # type: ignore[arg-type]
                expected = _known(flow, expected, facts)
                form = "&".join(f"{k}={v}" for k, v in [("csrf", csrf), ("continue", "continue"), *fields])
                status, headers, _ = await browser.request("POST", f"/flows/{flow.id}/{state.id}", form)
                tally.latencies.append(time.perf_counter() - started)
                taken += 1
                tally.steps += 1
                if until is not None and time.monotonic() >= until:
                    break
    finally:
        await browser.close()


async def _drive(url: str, flowset: FlowSet, clients: int, *, steps: int | None = None,
                 seconds: float | None = None, seed: int = 14, check: bool = True) -> tuple[Tally, float]:
    tally = Tally()
    until = time.monotonic() + seconds if seconds is not None else None
    label = "load" if seconds is not None else ""
    started = time.perf_counter()
    await asyncio.gather(*(_walker(n, url, flowset, tally, steps=steps, until=until, rng=random.Random(seed + n),
                                   check=check, label=label) for n in range(clients)))
    return tally, time.perf_counter() - started


def _server_steps(url: str) -> list[float]:
    """Server time per step: each client's answer (POST) and the next page (GET), added up."""
    times = json.loads(httpx2.get(url + "/__bench/times", timeout=30).text)
    by_client: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for client, method, seconds in times:
        by_client[client].append((method, seconds))
    steps = []
    for entries in by_client.values():
        for (method, seconds), (after, next_seconds) in itertools.pairwise(entries):
            if method == "POST" and after == "GET":
                steps.append(seconds + next_seconds)
    return steps


def _weights(url: str) -> tuple[float, float]:
    """A first visit (home page, CSS and JavaScript) in KB; whether assets are cached for good."""
    with httpx2.Client(base_url=url, timeout=30) as client:
        home = client.get("/")
        total = len(home.content)
        for path in ASSET.findall(home.text):
            asset = client.get(path)
            if "immutable" not in asset.headers.get("cache-control", ""):
                raise BenchmarkError(f"{path} is not cached for good, so a later step would fetch it again.")
            total += len(asset.content)
    return total / 1024, len(ASSET.findall(home.text))


def measure_web(ctx: Context, flowset: FlowSet) -> Results:
    """Every web target of issue #14."""
    clients, steps, users, seconds = SIZES[ctx.mode]
    results: Results = {}
    floor = Server("floor", ctx)
    try:
        asyncio.run(_drive(floor.url, flowset, clients, steps=WARM_UP, check=False))  # warm up
        _server_steps(floor.url)
        floor_tally, floor_took = asyncio.run(_drive(floor.url, flowset, clients, steps=steps, check=False))
        floor_rate = floor_tally.steps / floor_took
    finally:
        floor.stop()
    app = Server("app", ctx)
    try:
        asyncio.run(_drive(app.url, flowset, clients, steps=WARM_UP))  # every step page rendered once
        _server_steps(app.url)
        tally, took = asyncio.run(_drive(app.url, flowset, clients, steps=steps))
        server = _server_steps(app.url)
        first_visit_kb, assets = _weights(app.url)
        ctx.log(f"  {clients} clients: {tally.steps} steps in {took:.1f} s; "
                f"floor {floor_tally.steps} in {floor_took:.1f} s")
        asyncio.run(_drive(app.url, flowset, users, seconds=min(2.0, seconds)))  # warm-up at full load
        before = _rss_mb(app.process.pid)
        load, load_took = asyncio.run(_drive(app.url, flowset, users, seconds=seconds))
        after = _rss_mb(app.process.pid)
        ctx.log(f"  load: {users} users for {load_took:.1f} s, {load.steps} steps, RSS {before:.1f} -> {after:.1f} MB")
    finally:
        app.stop()
    if not server or not tally.pages:
        raise BenchmarkError("no web steps were measured; run with a larger mode.")
    step_kb = max(tally.pages.values()) / 1024
    results.update({
        "web_step_server_p50_ms": round(median(server) * 1000, 3),
        "web_step_server_p99_ms": round(percentile(server, 0.99) * 1000, 3),
        "web_step_client_p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 3),
        "web_steps_per_s": round(tally.steps / took, 1),
        "web_floor_steps_per_s": round(floor_rate, 1),
        "web_vs_floor": round(tally.steps / took / floor_rate, 3),
        "web_step_html_max_kb": round(step_kb, 2),
        "web_first_visit_kb": round(first_visit_kb + 0.0, 2),
        "web_later_step_kb": round(step_kb, 2),
        "web_assets_per_first_visit": assets,
        "web_load_users": users,
        "web_load_steps": load.steps,
        "web_load_5xx": load.server_errors + tally.server_errors,
        "web_load_crossed_sessions": load.crossed + tally.crossed,
        "web_load_client_errors": load.client_errors + tally.client_errors,
        "web_load_memory_growth_mb": round(after - before, 2),
    })
    return results
