"""HTTP for the fake Bot API: request bodies as Telegram reads them, answers, dropped connections.

Bodies are read the way the Bot API server reads them: ``application/x-www-form-urlencoded``,
``application/json``, ``multipart/form-data`` (parsed with :mod:`email.parser`, since ``cgi`` is
gone from Python 3.13) and query strings, merged (the body wins).
"""

from __future__ import annotations

import contextlib
import email.policy
import json
import select
import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from .models import ApiError
from .spec import Upload

if TYPE_CHECKING:
    from .server import FakeBotApi

__all__ = ["Drop", "Reply", "client_gone", "decode_body", "make_httpd"]


@dataclass(frozen=True)
class Reply:
    """An answer: HTTP status and JSON body; ``on_lost`` runs if it cannot be written."""

    status: int
    payload: dict[str, Any]
    on_lost: Callable[[], None] | None = None


@dataclass(frozen=True)
class Drop:
    """No answer: close the connection (``reset`` sends a TCP RST)."""

    reset: bool = False


def client_gone(sock: socket.socket) -> bool:
    """Whether the client closed the connection (the socket reads end-of-file)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def decode_body(content_type: str, body: bytes, query: str) -> tuple[dict[str, Any], bool]:
    """Parameters of a request: ``({name: str | Upload | JSON value}, body_was_json)``.

    Raises:
        ApiError: the body cannot be parsed (400, as Telegram answers).
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return params, False
    if kind == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ApiError(400, "Bad Request: can't parse JSON object", violation=True) from None
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: JSON object expected as the request body",
                           violation=True)
        params.update(data)
        return params, True
    if kind == "multipart/form-data":
        params.update(_multipart(content_type, body))
        return params, False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Bad Request: request body must be encoded in UTF-8",
                       violation=True) from None
    params.update(parse_qsl(text, keep_blank_values=True))
    return params, False


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise ApiError(400, "Bad Request: can't parse multipart/form-data body", violation=True)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None or part.get_content_type() not in ("text/plain",):
            fields[str(name)] = Upload(str(name), filename, part.get_content_type(), data)
        else:
            fields[str(name)] = data.decode(part.get_content_charset() or "utf-8", "replace")
    return fields


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add about 40 ms to every answer.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) < length:  # the client died mid-request: Telegram never sees half a call
            self.close_connection = True
            return
        path, _, query = self.path.partition("?")
        outcome = self.server.api.dispatch(path, query, self.headers.get("Content-Type", ""),
                                           body, self.connection)
        if isinstance(outcome, Drop):
            self.close_connection = True
            if outcome.reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            return
        data = json.dumps(outcome.payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(outcome.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True
            if outcome.on_lost is not None:
                outcome.on_lost()

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # client went away (BrokenPipe, ConnectionReset): nothing to answer
            self.close_connection = True

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops a burst of new connections for 1 s or more

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.open_sockets: set[socket.socket] = set()
        # Held while a connection moves from the listen queue into open_sockets, and while
        # connections() looks at both, so that no connection is ever in neither place.
        self._connections = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        with self._connections:
            request, client_address = self.socket.accept()
            self.open_sockets.add(request)
        return request, client_address

    def shutdown_request(self, request: Any) -> None:
        # Called once the request's handler has finished (or it was never started).
        with self._connections:
            self.open_sockets.discard(request)
        with contextlib.suppress(OSError):
            super().shutdown_request(request)

    def connections(self) -> int:
        """Connections accepted and not yet finished, plus one if any waits to be accepted."""
        with self._connections:
            try:
                waiting, _, _ = select.select([self.socket], [], [], 0)
            except (OSError, ValueError):  # the listening socket is closed: nothing waits
                waiting = []
            return len(self.open_sockets) + (1 if waiting else 0)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Client disconnects are normal here; anything else is printed by the default."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def close_all(self) -> None:
        """Close every open connection (keep-alive clients notice the server stopped)."""
        with self._connections:
            open_now = list(self.open_sockets)
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def make_httpd(api: FakeBotApi) -> _HTTPServer:
    """A threading HTTP server on 127.0.0.1 and a free port, answering through ``api``."""
    return _HTTPServer(api)
