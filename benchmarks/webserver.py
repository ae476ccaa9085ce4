"""The server side of the web benchmarks, run in its own process by :mod:`benchmarks.web`.

``python -m benchmarks.webserver app PORT FLOWS SCRATCH`` serves the real web channel (engine,
statistics recorder, SQLite session store, security headers); ``floor`` serves a bare
Starlette handler that renders the same step template with no session, statistics or
security middleware. Both are wrapped in a timer: ``GET /__bench/times`` returns (and
forgets) each request's server time, keyed by the ``x-bench-client`` header.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.web.app import Links
from bot.channels.web.render import asset_path, in_language, render, texts
from bot.channels.web.server import build_web
from bot.channels.web.views import step_view
from bot.engine import Engine, Session
from bot.engine.store import SessionStore
from bot.flows import load_catalogue
from bot.stats import Recorder

__all__ = ["floor_app", "main"]


class Timer:
    """ASGI wrapper: the server time of every request, until it is read."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.times: list[tuple[str, str, float]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/__bench/times":
            body = json.dumps(self.times).encode()
            self.times = []
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = next((v.decode() for k, v in scope["headers"] if k == b"x-bench-client"), "")
        if not client or client.startswith("load"):  # the load test is not timed: no list grows
            await self.app(scope, receive, send)
            return
        # Server time: from the moment the request is in hand (entry, or the body's last part
        # received) to the response's start. The handler awaits nothing in between, so this is
        # the time spent on this request, not the time it queued behind the others.
        began = [time.perf_counter()]
        ended: list[float] = []

        async def timed_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                began[0] = time.perf_counter()
            return message

        async def timed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                ended.append(time.perf_counter())
            await send(message)

        await self.app(scope, timed_receive, timed_send)
        if ended:
            self.times.append((client, scope["method"], ended[0] - began[0]))


def floor_app(engine: Engine) -> Starlette:
    """The floor: one handler rendering the same step template, nothing else (a POST is
    answered with a bare redirect, so a floor step is the same two requests as a real one)."""
    flow = next(iter(engine.flowset.flows.values()))
    turn = engine.current(Session(flow=flow.id, state=flow.start, version=flow.version))
    links = Links("/", "/emergency", "/exit", "/privacy", "/about", asset_path("referral-guide.css"),
                  asset_path("referral-guide.js"), "999", "tel:999")
    others = [code for code in engine.languages if code != engine.language]
    switch = {"href": f"/language/{others[0]}?next=/", "lang": others[0],
              "text": engine.ui("language_label")} if others else None

    async def page(request: Request) -> HTMLResponse:
        step = step_view(engine, turn, words=texts(engine.language))
        html = render("step.html", links=links, force=None, csrf="x" * 40, lang=engine.language,
                      t=texts(engine.language), switch=switch, flow_href=lambda f: f"/flows/{f}",
                      back_href=None, stamp=None, wide=False, title=step.title, step=step, view=None,
                      radio_items=[{"value": c.id, "html": in_language(c.label, None), "checked": c.checked}
                                   for c in step.choices],
                      show_why=False, action="/", restart_action="/", answers_href="/", offline=None)
        return HTMLResponse(html)

    async def answer(request: Request) -> RedirectResponse:
        await request.body()
        return RedirectResponse(request.url.path, status_code=303)

    return Starlette(routes=[Route("/{path:path}", page, methods=["GET"]),
                             Route("/{path:path}", answer, methods=["POST"])])


def main(argv: list[str]) -> None:
    kind, port, flows_dir, scratch = argv[0], int(argv[1]), Path(argv[2]), Path(argv[3])
    catalogue = load_catalogue(flows_dir)  # every language, as the real server loads them
    app: Any
    if kind == "app":
        recorder = Recorder(scratch / "web-stats.db", interval=1.0, batch_size=5_000)
        engine = Engine.from_catalogue(catalogue, listeners=[recorder])
        _, app = build_web(engine, lambda: SessionStore(scratch / "web-sessions.db"), environ={})
    else:
        app = floor_app(Engine.from_catalogue(catalogue))
    gc.freeze()  # as the real server does after start-up
    uvicorn.run(Timer(app), host="127.0.0.1", port=port, access_log=False, log_level="warning",
                lifespan="on" if kind == "app" else "off")


if __name__ == "__main__":
    main(sys.argv[1:])
