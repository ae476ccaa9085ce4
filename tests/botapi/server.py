"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests of the real bot.

The real python-telegram-bot ``Application`` talks to it over real HTTP: give the bot
``TELEGRAM_API_BASE_URL=server.base_url`` and ``TELEGRAM_BOT_TOKEN=server.token`` (or
``ApplicationBuilder().base_url(server.base_url)``). Every request is checked against the Bot
API specification (``api.json``) and Telegram's limits; refused requests are listed in
:attr:`FakeBotApi.violations`, which a test should assert stays empty.

Example::

    with FakeBotApi() as server:
        bot = start_the_bot(server.base_url, server.token)    # subprocess or thread
        alice = server.user(1001, first_name="Alice")
        alice.send("/start")                                   # waits for the bot's answer
        assert "Who are you" in alice.last().text
        alice.press("Police officer")
        assert not server.violations
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from .activity import Activity
from .client import FakeUser
from .faults import FAULT_MODES, fault_reply, hold
from .methods import HANDLERS, Described
from .models import ApiError, Call, Fault
from .spec import load_spec
from .state import DEFAULT_ALLOWED, ApiState
from .transport import Drop, Reply, client_gone, decode_body, make_httpd
from .validate import check_params
from .webhook import WebhookSender

__all__ = ["FakeBotApi"]

DEFAULT_TOKEN = "123456:TEST-fake-token-not-real"
_CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
             "instance is running")
_WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; use "
                   "deleteWebhook to delete the webhook first")


class FakeBotApi(Activity):
    """The Bot API stand-in: HTTP server, chat state, fault injection and call records.

    Attributes:
        token: the only token accepted (others get 401 Unauthorized).
        calls: every request, in the order the requests arrived (each is added once answered).
        violations: why each request that broke the Bot API's rules was refused.
        refusals: every other refused request (stale message ids, answered queries...).
        timeout_hold: how long a ``"timeout"`` fault holds a request at most (seconds).
    """

    def __init__(self, token: str = DEFAULT_TOKEN, spec_path: Path | None = None,
                 bot_username: str = "referral_test_bot") -> None:
        """Load the spec (FileNotFoundError if ``api.json`` is missing); do not listen yet."""
        self.token = token
        self.spec = load_spec(spec_path)
        head = token.split(":", 1)[0]
        self.state = ApiState({
            "id": int(head) if head.isdigit() else 123456, "is_bot": True,
            "first_name": "Referral Guide (test)", "username": bot_username,
            "can_join_groups": True, "can_read_all_group_messages": True,  # no privacy mode
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        })
        super().__init__()
        self.violations: list[str] = []
        self.refusals: list[str] = []
        self.timeout_hold = 30.0
        self.users: dict[int, FakeUser] = {}
        self._faults: list[Fault] = []
        self._poll_serial = 0
        self._stopping = threading.Event()
        self._httpd: Any = None
        self._thread: threading.Thread | None = None
        self._webhook = WebhookSender(self.state, self._stopping)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Listen on 127.0.0.1 and a free port in a background thread; returns ``self``."""
        self._httpd = make_httpd(self)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name="fake-bot-api", daemon=True)
        self._thread.start()
        self._webhook.start()
        return self

    def stop(self) -> None:
        """Stop listening, end long polls and held requests, close open connections."""
        self._stopping.set()
        with self.state.cond:
            self.state.cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_all()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._webhook.join()

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _open_connections(self) -> int:
        return self._httpd.connections() if self._httpd is not None else 0

    @property
    def port(self) -> int:
        """The port listened on (after :meth:`start`)."""
        if self._httpd is None:
            raise RuntimeError("FakeBotApi.start() has not been called")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/bot``; python-telegram-bot appends the token."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def webhook_url(self) -> str | None:
        """The URL set by ``setWebhook`` (pushed updates are POSTed there), else ``None``."""
        return self.state.webhook_url

    @property
    def webhook_errors(self) -> list[str]:
        """Failed webhook deliveries (each is retried)."""
        return self.state.webhook_errors

    @property
    def delivered(self) -> dict[int, int]:
        """How many times each update id was handed to the bot (getUpdates or webhook)."""
        return self.state.delivered

    @property
    def pending(self) -> list[int]:
        """Ids of updates not yet confirmed by the bot."""
        with self.state.cond:
            return [u.update_id for u in self.state.pending]

    # -- acting as Telegram's users -------------------------------------------------------

    def user(self, user_id: int, *, first_name: str = "Test", last_name: str | None = None,
             username: str | None = None, chat_id: int | None = None,
             chat_type: str = "private", language_code: str | None = "en") -> FakeUser:
        """A user who talks to the bot; group users get a negative chat id by default."""
        fake = FakeUser(self, user_id, first_name=first_name, last_name=last_name,
                        username=username, chat_id=chat_id, chat_type=chat_type,
                        language_code=language_code)
        self.users[user_id] = fake
        return fake

    def push_update(self, update: dict[str, Any], *, check: bool = True) -> int:
        """Queue a raw update (``update_id`` assigned if missing); returns its ``update_id``.

        Raises:
            ValueError: with ``check``, the update is not a valid Bot API ``Update`` (Telegram
                would never send it).
        """
        if check:
            problem = self.spec.check({"update_id": 1, **update}, ("Update",), "update")
            if problem is not None:
                raise ValueError(f"not a valid Bot API Update: {problem}")
        with self.state.cond:
            return self.state.push(update).update_id

    def channel_post(self, text: str, *, chat_id: int = -1001000000001,
                     title: str = "Test channel", wait: bool = True) -> int:
        """A post in a channel the bot is in; returns the update id."""
        with self.state.cond:
            chat = {"id": chat_id, "type": "channel", "title": title}
            message_id = self.state.new_message_id(chat_id)
            update_id = self.state.push({"channel_post": {
                "message_id": message_id, "sender_chat": chat, "chat": chat,
                "date": int(time.time()), "text": text}}).update_id
        if wait:
            self.wait_delivered(update_id)
            self.settle(chat_id)
        return update_id

    # -- faults ---------------------------------------------------------------------------

    def fail(self, method: str, *, status: int = 500, retry_after: int | None = None,
             times: int = 1, mode: str = "status") -> None:
        """Make the next ``times`` calls of ``method`` (``"*"`` = any) fail.

        Modes: ``"status"`` answers ``status`` (with ``retry_after`` for 429); ``"timeout"``
        holds the request until the client gives up, never processing it; ``"reset"`` closes
        the connection with a TCP reset, unprocessed; ``"lost"`` processes the request and
        then resets the connection, so the bot never learns it succeeded.
        """
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {', '.join(FAULT_MODES)}")
        canonical = "*" if method == "*" else getattr(self.spec.method(method), "name", None)
        if canonical is None:
            raise ValueError(f"{method!r} is not a Bot API method")
        with self.state.cond:
            self._faults.append(Fault(canonical, status, retry_after, times, mode))

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    # -- requests -------------------------------------------------------------------------

    def dispatch(self, path: str, query: str, content_type: str, body: bytes,
                 sock: Any) -> Reply | Drop:
        """Answer one HTTP request (called by the transport on its own thread)."""
        arrived = time.monotonic()
        try:
            return self._dispatch(path, query, content_type, body, sock, arrived)
        except Exception as error:  # a bug in the fake itself: fail the test loudly
            message = f"fake Bot API internal error on {path.rsplit('/', 1)[-1]}: {error!r}"
            with self.state.cond:
                self.violations.append(message)
            return Reply(500, {"ok": False, "error_code": 500, "description": message})

    def _dispatch(self, path: str, query: str, content_type: str, body: bytes, sock: Any,
                  arrived: float) -> Reply | Drop:
        prefix, _, name = path.rpartition("/")
        if not prefix.startswith("/bot"):
            return Reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if prefix[len("/bot"):] != self.token:
            return self._refuse(name, {}, None, arrived,
                                ApiError(401, "Unauthorized", violation=True))
        method = self.spec.method(name)
        if method is None:
            return self._refuse(name, {}, None, arrived, ApiError(
                400, f"Bad Request: method not found: {name!r} is not a Bot API method",
                violation=True))
        try:
            raw, _ = decode_body(content_type, body, query)
        except ApiError as error:
            return self._refuse(method.name, {}, None, arrived, error)
        try:
            params = check_params(self.spec, method, raw)
        except ApiError as error:
            shown = {k: v for k, v in raw.items() if k in method.fields}
            if isinstance(shown.get("chat_id"), str) and shown["chat_id"].lstrip("-").isdigit():
                shown["chat_id"] = int(shown["chat_id"])
            return self._refuse(method.name, raw, self._chat_of(method.name, shown), arrived,
                                error)
        with self.state.cond:
            fault = self._take_fault(method.name)
        chat_id = self._chat_of(method.name, params)
        if fault is not None and fault.mode != "lost":
            return self._faulty(fault, method.name, params, chat_id, arrived, sock)
        self._begin(chat_id, arrived)
        try:
            if method.name == "getUpdates":
                outcome = self._get_updates(params, sock)
            else:
                outcome = self._run(method.name, method.returns, params)
        except ApiError as error:
            return self._refuse(method.name, params, chat_id, arrived, error)
        finally:
            self._end(chat_id)
        status = outcome.status if isinstance(outcome, Reply) else 0
        self._record(Call(method.name, params, status, chat_id, arrived,
                          fault="lost" if fault is not None else None))
        if fault is None:
            return outcome
        if isinstance(outcome, Reply) and outcome.on_lost is not None:
            outcome.on_lost()  # fetched updates never reached the bot: not delivered
        return Drop(reset=True)

    def _run(self, name: str, returns: tuple[str, ...], params: dict[str, Any]) -> Reply:
        handler = HANDLERS.get(name)
        with self.state.cond:
            if handler is not None:
                result = handler(self.state, params)
            elif returns in (("True",), ("Boolean",)):
                result = True
            else:
                raise ApiError(400, f"Bad Request: {name} is a real Bot API method but the fake "
                                    "does not implement it; add it to tests/botapi/methods.py",
                               violation=True)
        value = result.result if isinstance(result, Described) else result
        problem = self.spec.check(value, returns, "result") if returns else None
        if problem is not None:
            raise RuntimeError(f"{name} would return an invalid {'/'.join(returns)}: {problem}")
        if isinstance(result, Described):
            return Reply(200, {"ok": True, "result": value, "description": result.description})
        return Reply(200, {"ok": True, "result": value})

    def _get_updates(self, p: dict[str, Any], sock: Any) -> Reply | Drop:
        state = self.state
        with state.cond:
            if state.webhook_url:
                raise ApiError(409, _WEBHOOK_ACTIVE, violation=True)
            if "allowed_updates" in p:
                state.allowed_updates = frozenset(p["allowed_updates"]) or DEFAULT_ALLOWED
            if p.get("offset") is not None:
                state.confirm(p["offset"])
            limit = min(max(int(p.get("limit") or 100), 1), 100)
            deadline = time.monotonic() + min(max(int(p.get("timeout") or 0), 0), 50)
            self._poll_serial += 1
            serial = self._poll_serial
            state.cond.notify_all()
            while True:
                if serial != self._poll_serial:
                    if client_gone(sock):
                        return Drop()
                    raise ApiError(409, _CONFLICT)
                batch = state.take(limit)
                left = deadline - time.monotonic()
                if batch or left <= 0 or self._stopping.is_set():
                    break
                state.cond.wait(min(left, 0.02))  # and notice a dead client quickly
                if client_gone(sock):
                    return Drop()
            state.mark_fetched(batch)

        def lost() -> None:
            with state.cond:
                state.unmark_fetched(batch)

        return Reply(200, {"ok": True, "result": [u.payload for u in batch]}, on_lost=lost)

    def _faulty(self, fault: Fault, name: str, params: dict[str, Any], chat_id: int | None,
                arrived: float, sock: Any) -> Reply | Drop:
        if fault.mode == "status":
            reply = fault_reply(fault)
            self._record(Call(name, params, reply.status, chat_id, arrived,
                              reply.payload["description"], fault.mode))
            return reply
        self._record(Call(name, params, 0, chat_id, arrived, None, fault.mode))
        if fault.mode == "reset":
            return Drop(reset=True)
        self._begin(chat_id, arrived)
        try:
            return hold(sock, self._stopping, self.timeout_hold)
        finally:
            self._end(chat_id)

    def _refuse(self, name: str, params: dict[str, Any], chat_id: int | None, arrived: float,
                error: ApiError) -> Reply:
        payload: dict[str, Any] = {"ok": False, "error_code": error.status,
                                   "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        with self.state.cond:
            shown = ", ".join(sorted(params)) or "no parameters"
            (self.violations if error.violation else self.refusals).append(
                f"{name} ({shown}): {error.description}")
        self._record(Call(name, params, error.status, chat_id, arrived, error.description))
        return Reply(error.status, payload)

    def _chat_of(self, name: str, params: dict[str, Any]) -> int | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int):
            return chat_id
        if name == "answerCallbackQuery":
            with self.state.cond:
                query = self.state.queries.get(str(params.get("callback_query_id")))
                return query.chat_id if query else None
        return None
