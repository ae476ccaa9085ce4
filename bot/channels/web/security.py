"""Response headers, CSRF tokens and bounded form reading for the web channel.

Every response carries the security headers (pages also ``Cache-Control: no-store``;
hashed assets are cached for a year). Nothing here logs or keeps an IP address, a user
agent or a referrer.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "MAX_BODY", "BodyTooLarge", "Csrf", "SecurityHeaders", "read_form"]

MAX_BODY = 8 * 1024
"""The largest form body read (a step's form is a few hundred bytes)."""

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
       "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

_COMMON: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"permissions-policy", PERMISSIONS.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"x-robots-tag", b"noindex, nofollow"),
]
_NO_STORE = (b"cache-control", b"no-store")
_IMMUTABLE = (b"cache-control", b"public, max-age=31536000, immutable")


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, and the cache policy.

    ``immutable_prefix`` paths (hashed assets) are cached for a year; everything else is
    ``no-store``, so no step a user saw stays in the browser's cache.
    """

    def __init__(self, app: ASGIApp, immutable_prefix: str) -> None:
        self.app = app
        self.prefix = immutable_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cache = _IMMUTABLE if scope["path"].startswith(self.prefix) else _NO_STORE

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"cache-control"]
                status = message.get("status", 200)
                headers += _COMMON
                headers.append(cache if status < 400 else _NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


class Csrf:
    """Synchroniser tokens bound to the session cookie: an HMAC of the cookie's token."""

    def __init__(self, secret: bytes) -> None:
        self._hmac = hmac.new(secret, digestmod=hashlib.sha256)

    def token(self, cookie_token: str) -> str:
        """The form token for a cookie token."""
        digest = self._hmac.copy()
        digest.update(cookie_token.encode())
        return digest.hexdigest()[:40]

    def check(self, cookie_token: str | None, form_token: str | None) -> bool:
        """True when the form token belongs to this cookie (constant-time comparison)."""
        if not cookie_token or not form_token:
            return False
        return hmac.compare_digest(self.token(cookie_token), form_token)


class BodyTooLarge(Exception):
    """The request body is longer than :data:`MAX_BODY`."""


async def read_form(request: Request, limit: int = MAX_BODY) -> dict[str, list[str]] | None:
    """The url-encoded form, reading at most ``limit`` bytes.

    Returns None for a body that is not a url-encoded form (a forged request).

    Raises:
        BodyTooLarge: the body (declared or sent) is longer than ``limit``.
    """
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise BodyTooLarge
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    if kind != "application/x-www-form-urlencoded":
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return parse_qs(text, keep_blank_values=False, max_num_fields=64)
