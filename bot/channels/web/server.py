"""Serve the web channel with uvicorn: alone (``referral-bot web``) or in the Telegram bot's
event loop (``referral-bot run`` with ``REFERRAL_BOT_WEB_PORT``), as python-telegram-bot's
custom-webhook example does with Starlette.

uvicorn's access log is off: it would write every visitor's IP address. Nothing here logs
an address, a user agent or a referrer.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import json
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channels.web.app import DEFAULT_EXIT_URL, WebChannel, create_app
from bot.channels.web.sessions import WebSessions
from bot.engine import Engine
from bot.engine.store import SessionStore

__all__ = [
    "EXIT_URL_ENV",
    "HOST_ENV",
    "PORT_ENV",
    "SECURE_ENV",
    "SWEEP_EVERY",
    "WebServer",
    "build_web",
    "serve_beside",
    "serve_web",
    "web_port",
    "webhook_route",
]

log = logging.getLogger(__name__)

PORT_ENV = "REFERRAL_BOT_WEB_PORT"
HOST_ENV = "REFERRAL_BOT_WEB_HOST"
EXIT_URL_ENV = "REFERRAL_BOT_WEB_EXIT_URL"
SECURE_ENV = "REFERRAL_BOT_WEB_SECURE_COOKIE"
SWEEP_EVERY = 600.0


Deliver = Callable[[dict[str, Any]], Awaitable[None]]
MAX_UPDATE = 1024 * 1024
"""The largest webhook body read (Telegram's updates are far smaller)."""


def webhook_route(path: str, secret: str, deliver: Deliver) -> Route:
    """A route for Telegram's webhook on the web server (python-telegram-bot's custom-webhook
    pattern): checks ``X-Telegram-Bot-Api-Secret-Token`` in constant time, then hands the
    update's JSON to ``deliver`` (which puts it on the bot's update queue)."""

    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        body = await request.body()
        if len(body) > MAX_UPDATE:
            return PlainTextResponse("too large", status_code=413)
        try:
            data = json.loads(body)
        except ValueError:
            return PlainTextResponse("bad update", status_code=400)
        if not isinstance(data, dict):
            return PlainTextResponse("bad update", status_code=400)
        await deliver(data)
        return PlainTextResponse("ok")

    return Route("/" + path.lstrip("/"), receive, methods=["POST"])


def web_port(environ: Mapping[str, str] | None = None) -> int | None:
    """``REFERRAL_BOT_WEB_PORT`` as a port number, or None when unset.

    Raises:
        ValueError: with a message saying how to fix it.
    """
    raw = (os.environ if environ is None else environ).get(PORT_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"{PORT_ENV} must be a port number from 1 to 65535, such as 8080; got {raw[:20]!r}.")
    return int(raw)


def build_web(engine: Engine, store: SessionStore | Callable[[], SessionStore],
              environ: Mapping[str, str] | None = None, extra: Sequence[Route] = ()) -> tuple[WebChannel, Starlette]:
    """The web channel and its ASGI app, on a shared engine and session store (``extra``
    routes, such as Telegram's webhook, come first)."""
    env = os.environ if environ is None else environ
    exit_url = env.get(EXIT_URL_ENV, "").strip() or DEFAULT_EXIT_URL
    if not exit_url.startswith("https://"):
        raise ValueError(f"{EXIT_URL_ENV} must be an https:// address of a neutral site, such as {DEFAULT_EXIT_URL}.")
    secure = env.get(SECURE_ENV, "").strip().lower() in ("1", "true", "yes")
    channel = WebChannel(engine, WebSessions(store, engine), exit_url=exit_url, secure_cookie=secure)
    return channel, create_app(channel, extra)


class WebServer:
    """uvicorn serving the web app inside an already running event loop."""

    def __init__(self, app: Starlette, channel: WebChannel, host: str, port: int, *, sweep: bool = True) -> None:
        config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning",
                                lifespan="on", server_header=False, proxy_headers=True)
        self.server = uvicorn.Server(config)
        self.channel = channel
        self.host, self.port = host, port
        self._sweep = sweep
        self._task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start serving; returns once the port is open.

        Raises:
            OSError: the port could not be opened (in use, or not allowed).
        """
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot serve the web channel on {self.host}:{self.port} ({exc.strerror})") from None
        sock.set_inheritable(True)
        # Everything built so far (flows, machines, templates) lives as long as the process:
        # keep it out of the garbage collector's full passes, which would otherwise pause
        # requests for milliseconds.
        gc.freeze()
        self._task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            if self._task.done():
                with contextlib.suppress(SystemExit):  # uvicorn exits when it cannot bind
                    self._task.result()
                raise OSError(f"cannot serve the web channel on {self.host}:{self.port} (is the port in use?)")
            await asyncio.sleep(0.02)
        if self._sweep:
            self._sweeper = asyncio.create_task(self._sweep_loop())
        log.info("web channel on http://%s:%d/", self.host, self.port)

    async def _sweep_loop(self) -> None:
        while True:
            try:
                expired = self.channel.sessions.sweep()
                if expired:
                    log.info("expired %d inactive session(s)", expired)
            except Exception:
                log.warning("session sweep failed; retrying later", exc_info=True)
            await asyncio.sleep(SWEEP_EVERY)

    @property
    def stopped(self) -> bool:
        """True once the server has stopped by itself (a signal, or a failure)."""
        return self._task is not None and self._task.done()

    async def wait(self) -> None:
        """Wait until the server stops."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def stop(self) -> None:
        """Stop serving and wait for open requests to finish."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        self.server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, SystemExit):
                await self._task


async def serve_beside(server: WebServer, start: Callable[[], Awaitable[None]],
                       stop: Callable[[], Awaitable[None]]) -> None:
    """Serve the web channel and something else (the Telegram bot) in this event loop until
    SIGINT or SIGTERM: the web port is opened first (so a port in use stops the start before
    the bot takes any update), then ``start``; on the way out ``stop``, then the web server."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await server.start()
    try:
        await start()
        waits = [asyncio.create_task(stopping.wait()), asyncio.create_task(server.wait())]
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()
    finally:
        try:
            await stop()
        finally:
            await server.stop()


async def _serve_alone(server: WebServer) -> None:
    # uvicorn catches SIGINT/SIGTERM while it serves, then raises the signal again once it
    # has stopped: these handlers take that second delivery, so the process exits 0.
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: None)
    await server.start()
    try:
        await server.wait()
    finally:
        await server.stop()


def serve_web(engine: Engine, sessions_db: Path, ttl: timedelta, host: str, port: int) -> None:
    """``referral-bot web``: serve the web channel until SIGINT or SIGTERM."""
    channel, app = build_web(engine, lambda: SessionStore(sessions_db, ttl=ttl))
    channel.sessions.store  # noqa: B018 - open (or fail) before serving, in this thread
    asyncio.run(_serve_alone(WebServer(app, channel, host, port)))
