"""The fake Bot API, driven by the real python-telegram-bot over real HTTP.

These tests prove the stand-in behaves like Telegram where the bot's end-to-end tests rely on
it: it answers well-formed calls, refuses what Telegram refuses (with Telegram's wording, so
python-telegram-bot raises the same errors), keeps chats apart, long-polls, delivers to
webhooks and injects faults.
"""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from botapi import FakeBotApi, FakeUser
from botapi.fixtures import bot_api  # noqa: F401  (fixture)
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler
from telegram.request import HTTPXRequest


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    """One button per row."""
    return InlineKeyboardMarkup([[b] for b in buttons])


@pytest.fixture
async def bot(bot_api: FakeBotApi) -> AsyncIterator[Bot]:  # noqa: F811
    """A real PTB ``Bot`` talking HTTP to the fake, with short timeouts."""
    request = HTTPXRequest(read_timeout=1.0, connect_timeout=1.0)
    async with Bot(bot_api.token, base_url=bot_api.base_url, request=request) as real_bot:
        yield real_bot


async def fetch(bot: Bot, offset: int | None = None) -> tuple[Update, ...]:
    """getUpdates without long polling."""
    return await bot.get_updates(offset=offset, timeout=0)


async def test_round_trip_send_press_answer_edit(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001, first_name="Alice", username="alice")
    alice.send("/start nrm_referral", wait=False)
    (update,) = await fetch(bot)
    assert update.message is not None
    assert update.message.text == "/start nrm_referral"
    assert update.message.parse_entities(["bot_command"]) != {}
    assert update.effective_chat is not None
    assert update.effective_chat.id == alice.chat_id

    sent = await bot.send_message(
        alice.chat_id, "<b>Who are you?</b> Pick one &amp; go", parse_mode="HTML",
        reply_markup=keyboard(InlineKeyboardButton("Police officer", callback_data="a:role:police"),
                              InlineKeyboardButton("Helpline", url="https://example.org/help")))
    assert sent.text == "Who are you? Pick one & go"
    assert sent.from_user is not None
    assert sent.from_user.username == "referral_test_bot"
    assert alice.last().text == "Who are you? Pick one & go"
    assert alice.last().labels() == ["Police officer", "Helpline"]

    alice.press("police", wait=False)
    (tap,) = await fetch(bot, offset=update.update_id + 1)
    query = tap.callback_query
    assert query is not None
    assert query.data == "a:role:police"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer(text="Noted")
    edited = await query.edit_message_text("You are a police officer")
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    assert alice.last().text == "You are a police officer"
    assert alice.last().buttons == []
    assert alice.last().edits == 1
    assert alice.callback_answers == [{"callback_query_id": query.id, "text": "Noted"}]
    assert await bot.delete_message(alice.chat_id, sent.message_id)
    assert alice.messages[-1].deleted
    assert await bot.set_my_commands([BotCommand("start", "Start again"), BotCommand("help",
                                      "How to use the bot")], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands(
        scope=BotCommandScopeAllPrivateChats())] == ["start", "help"]

    assert bot_api.violations == []
    assert bot_api.refusals == []
    assert {c.status for c in bot_api.calls} == {200}
    assert bot_api.delivered == {update.update_id: 1, tap.update_id: 1}


async def raw_call(server: FakeBotApi, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST JSON the way any client could, bypassing PTB's own argument handling."""
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{server.base_url}{server.token}/{method}", json=params)
    return answer.status_code, answer.json()


@pytest.mark.parametrize(
    ("make_call", "description"),
    [
        pytest.param(lambda b, chat: b.send_message(chat, "Pick", reply_markup=keyboard(
            InlineKeyboardButton("Yes", callback_data="x" * 65))),
            "Bad Request: BUTTON_DATA_INVALID", id="callback-data-65-bytes"),
        pytest.param(lambda b, chat: b.send_message(chat, "Pick", reply_markup=keyboard(
            InlineKeyboardButton("Yes", callback_data="é" * 33))),
            "Bad Request: BUTTON_DATA_INVALID", id="callback-data-66-utf8-bytes"),
        pytest.param(lambda b, chat: b.send_message(chat, "x" * 4097),
                     "Bad Request: message is too long", id="text-4097"),
        pytest.param(lambda b, chat: b.send_message(chat, "  \n "),
                     "Bad Request: message text is empty", id="text-blank"),
        pytest.param(lambda b, chat: b.send_message(chat, "Pick", reply_markup=keyboard(
            InlineKeyboardButton("", callback_data="a:s:o"))),
            "Bad Request: BUTTON_TEXT_INVALID", id="button-text-empty"),
        pytest.param(lambda b, chat: b.send_message(chat, "Pick", reply_markup=keyboard(
            InlineKeyboardButton("Site", url="javascript:alert(1)"))),
            "Bad Request: BUTTON_URL_INVALID", id="button-url-invalid"),
        pytest.param(lambda b, chat: b.send_message(chat, "<b>bold", parse_mode="HTML"),
                     "Bad Request: can't parse entities: Can't find end tag corresponding to "
                     'start tag "b"', id="html-unclosed"),
        pytest.param(lambda b, chat: b.send_message(chat, "Call 999.", parse_mode="MarkdownV2"),
                     "Bad Request: can't parse entities: Character '.' is reserved and must be "
                     "escaped with the preceding '\\'", id="markdownv2-unescaped"),
        pytest.param(lambda b, chat: b.send_message(chat, "Hi", api_kwargs={"colour": "red"}),
                     'Bad Request: unknown parameter "colour" for sendMessage', id="unknown-param"),
        pytest.param(lambda b, chat: b.do_api_request("SENDMESSAGE", api_kwargs={"chat_id": chat}),
                     "Bad Request: message text is empty", id="missing-required-any-case"),
        pytest.param(lambda b, chat: b.do_api_request("sendMesage", api_kwargs={"chat_id": chat}),
                     "Bad Request: method not found: 'sendMesage' is not a Bot API method",
                     id="unknown-method"),
        pytest.param(lambda b, chat: b.set_my_commands([BotCommand("Start-Now", "Begin")]),
                     "Bad Request: BOT_COMMAND_INVALID", id="command-name"),
        pytest.param(lambda b, chat: b.set_my_commands([BotCommand("start", "d" * 257)]),
                     "Bad Request: command description length must not exceed 256",
                     id="command-description"),
    ],
)
async def test_refuses_what_telegram_refuses(bot_api: FakeBotApi, bot: Bot, make_call: Any,  # noqa: F811
                                             description: str) -> None:
    alice = bot_api.user(1001)
    alice.send("hello", wait=False)
    with pytest.raises(BadRequest):
        await make_call(bot, alice.chat_id)
    (call,) = [c for c in bot_api.calls if c.status != 200]
    assert call.status == 400
    if call.method == "sendMessage":  # refused calls still count as the bot acting in the chat
        assert call.chat_id == alice.chat_id
    assert call.description is not None
    assert call.description.startswith(description)
    assert len(bot_api.violations) == 1
    assert description in bot_api.violations[0]
    assert alice.messages == []


async def test_checks_types_against_the_spec(bot_api: FakeBotApi) -> None:  # noqa: F811
    bot_api.user(7).send("hi", wait=False)
    cases: dict[str, tuple[dict[str, Any], str, str]] = {
        "message_id": ({"chat_id": 7, "message_id": "five"}, "deleteMessage",
                       'Bad Request: parameter "message_id" must be of type Integer'),
        "button": ({"chat_id": 7, "text": "Hi", "reply_markup": {"inline_keyboard": [[
                    {"text": 5, "callback_data": "x"}]]}}, "sendMessage",
                   "Bad Request: can't parse inline keyboard button: Field \"text\" must be of "
                   "type String"),
        "rows": ({"chat_id": 7, "text": "Hi", "reply_markup": {"inline_keyboard": [
                  {"text": "A", "callback_data": "x"}]}}, "sendMessage",
                 "Bad Request: can't parse InlineKeyboardMarkup: Field \"inline_keyboard[0]\" must "
                 "be of type Array"),
        "scope": ({"commands": [{"command": "start", "description": "Go"}],
                   "scope": {"type": "everyone"}}, "setMyCommands",
                  'Bad Request: can\'t parse BotCommandScope: Field "type" must be one of'),
        "two-actions": ({"chat_id": 7, "text": "Hi", "reply_markup": {"inline_keyboard": [[
                         {"text": "A", "callback_data": "x", "url": "https://example.org"}]]}},
                        "sendMessage", "Bad Request: can't parse inline keyboard button: exactly"),
    }
    for name, (params, method, description) in cases.items():
        status, answer = await raw_call(bot_api, method, **params)
        assert (status, answer["ok"], answer["error_code"]) == (400, False, 400), name
        assert answer["description"].startswith(description), (name, answer["description"])
    assert len(bot_api.violations) == len(cases)
    status, answer = await raw_call(bot_api, "setMyCommands", scope={"type": "chat", "chat_id": 7},
                                    commands=[{"command": "start", "description": "Go"}])
    assert (status, answer) == (200, {"ok": True, "result": True})


async def test_state_errors_use_telegrams_wording(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(alice.chat_id, "Hello before any message from Alice")
    alice.send("hi", wait=False)
    sent = await bot.send_message(alice.chat_id, "Step 1", reply_markup=keyboard(
        InlineKeyboardButton("Next", callback_data="a:s1:next")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Step 1", alice.chat_id, sent.message_id,
                                    reply_markup=sent.reply_markup)
    assert await bot.edit_message_reply_markup(alice.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(alice.chat_id, sent.message_id)
    assert await bot.delete_message(alice.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Step 2", alice.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(alice.chat_id, sent.message_id)
    alice.press_data("a:s1:next", message_id=sent.message_id, wait=False)
    query = (await fetch(bot))[-1].callback_query
    assert query is not None
    assert await query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")
    assert bot_api.violations == []
    assert len(bot_api.refusals) == 7


async def test_uploads_a_photo_as_multipart(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001)
    alice.send("hi", wait=False)
    png = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" +
           struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0))
    sent = await bot.send_photo(alice.chat_id, photo=png, caption="Flow diagram")
    assert sent.photo[-1].width == 640
    assert sent.caption == "Flow diagram"
    assert alice.last().photo
    assert alice.last().text == "Flow diagram"
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(alice.chat_id, photo=b"not an image at all")
    assert len(bot_api.violations) == 1


async def test_faults_surface_as_ptb_errors(bot_api: FakeBotApi, bot: Bot,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # else PTB 22 warns when it builds RetryAfter
    alice = bot_api.user(1001)
    alice.send("hi", wait=False)
    bot_api.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match="Flood control exceeded") as flood:
        await bot.send_message(alice.chat_id, "one")
    assert flood.value.retry_after == timedelta(seconds=3)
    bot_api.fail("sendmessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(alice.chat_id, "two")
    bot_api.fail("sendMessage", mode="reset")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.chat_id, "three")
    bot_api.fail("*", mode="timeout")
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(alice.chat_id, "four", read_timeout=0.3)
    assert time.monotonic() - started < 2
    sent = await bot.send_message(alice.chat_id, "five")
    assert [m.text for m in alice.messages] == ["five"]
    assert sent.message_id == 2
    bot_api.fail("sendMessage", mode="lost")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.chat_id, "six")
    assert alice.transcript() == ["five", "six"]
    assert [c.fault for c in bot_api.calls if c.method == "sendMessage"] == [
        "status", "status", "reset", "timeout", None, "lost"]
    assert bot_api.violations == []


async def test_long_polling_waits_and_honours_offset(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001)
    timer = threading.Timer(0.3, lambda: alice.send("late", wait=False))
    started = time.monotonic()
    timer.start()
    (first,) = await bot.get_updates(timeout=3, read_timeout=5)
    assert 0.25 < time.monotonic() - started < 2
    assert first.message is not None
    assert first.message.text == "late"
    for text in ("a", "b", "c"):
        alice.send(text, wait=False)
    batch = await fetch(bot, offset=first.update_id + 1)
    assert [u.message.text for u in batch if u.message] == ["a", "b", "c"]
    assert [u.update_id for u in await fetch(bot, offset=batch[1].update_id)] == [
        batch[1].update_id, batch[2].update_id]
    assert await fetch(bot, offset=batch[2].update_id + 1) == ()
    assert bot_api.delivered == {first.update_id: 1, batch[0].update_id: 1,
                                 batch[1].update_id: 2, batch[2].update_id: 2}
    started = time.monotonic()
    assert await bot.get_updates(timeout=1, read_timeout=3) == ()
    assert time.monotonic() - started >= 0.9
    alice.send("/help", wait=False)
    assert len(await bot.get_updates(allowed_updates=["callback_query"], timeout=0)) == 0
    assert bot_api.pending == []


async def test_a_second_poller_ends_the_first_with_conflict(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    first = asyncio.ensure_future(bot.get_updates(timeout=3, read_timeout=5))
    await asyncio.sleep(0.2)
    async with Bot(bot_api.token, base_url=bot_api.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await first


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, Any], str | None]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((json.loads(body), self.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[ThreadingHTTPServer]:
    """A local webhook endpoint that records what it is sent."""
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


async def test_webhook_receives_pushed_updates(bot_api: FakeBotApi, bot: Bot,  # noqa: F811
                                               receiver: ThreadingHTTPServer) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/telegram"
    assert await bot.set_webhook(url, secret_token="s3cret-token")
    assert bot_api.webhook_url == url
    alice = bot_api.user(1001)
    update_id = alice.send("/start", wait=False)
    bot_api.wait_delivered(update_id)
    ((payload, secret),) = _Receiver.received
    assert secret == "s3cret-token"
    assert payload["update_id"] == update_id
    assert payload["message"]["text"] == "/start"
    assert (await bot.get_webhook_info()).url == url
    with pytest.raises(Conflict, match="webhook is active"):
        await fetch(bot)
    assert await bot.delete_webhook()
    assert bot_api.webhook_url is None
    second = alice.send("after", wait=False)
    assert [u.update_id for u in await fetch(bot)] == [second]
    assert bot_api.delivered == {update_id: 1, second: 1}
    with pytest.raises(BadRequest, match="an https url must be provided for webhook"):
        await bot.set_webhook("http://example.org/hook")


def build_app(server: FakeBotApi) -> Application[Any, Any, Any, Any, Any, Any]:
    """A tiny real bot: /start shows two buttons, a tap edits the message in place."""

    async def start(update: Update, _: Any) -> None:
        assert update.effective_chat is not None
        assert update.effective_user is not None
        await update.effective_chat.send_message(
            f"Hello {update.effective_user.first_name}, who are you?",
            reply_markup=keyboard(InlineKeyboardButton("Police officer", callback_data="r:p"),
                                  InlineKeyboardButton("Member of the public",
                                                       callback_data="r:m")))

    async def tap(update: Update, _: Any) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Chosen: {query.data}")

    app = ApplicationBuilder().token(server.token).base_url(server.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tap))
    return app


async def test_real_application_two_users_no_cross_talk(bot_api: FakeBotApi) -> None:  # noqa: F811
    app = build_app(bot_api)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)

        def conversation(user: FakeUser, choice: str) -> list[str]:
            user.send("/start")
            user.press(choice)
            return user.transcript()

        alice, bob = bot_api.user(1001, first_name="Alice"), bot_api.user(1002, first_name="Bob")
        results = await asyncio.gather(asyncio.to_thread(conversation, alice, "police"),
                                       asyncio.to_thread(conversation, bob, "public"))
        await app.updater.stop()
        await app.stop()
    assert list(results) == [["Chosen: r:p"], ["Chosen: r:m"]]
    assert [m.message_id for m in alice.messages] == [2] == [m.message_id for m in bob.messages]
    assert len(alice.callback_answers) == len(bob.callback_answers) == 1
    assert set(bot_api.delivered.values()) == {1}
    assert len(bot_api.delivered) == 4
    assert bot_api.violations == []
    assert bot_api.refusals == []
    group = bot_api.user(2001, chat_type="group")
    assert group.chat_id < 0
    with pytest.raises(AssertionError, match="no bot message with buttons"):
        alice.press("Police officer")  # the edit removed the keyboard
    with pytest.raises(AssertionError, match=r"no button matches 'Nope'.*buttons: \(none\)"):
        alice.press("Nope", message_id=alice.last().message_id)


async def test_user_updates_parse_like_telegrams(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001, first_name="Alice", last_name="Smith", username="alice_s")
    group = bot_api.user(1002, chat_type="group")
    first = alice.send("hello", wait=False)
    alice.send_photo(caption="a photo", wait=False)
    alice.send_sticker(wait=False)
    alice.send_voice(wait=False)
    alice.send_location(wait=False)
    alice.edit(first, "hello again", wait=False)
    group.send("/start@referral_test_bot", wait=False)
    bot_api.channel_post("news", wait=False)
    updates = await fetch(bot)
    assert len(updates) == 8
    hello, photo, sticker, voice, location, edited, command, post = updates
    assert hello.message is not None
    assert hello.message.from_user is not None
    assert hello.message.from_user.full_name == "Alice Smith"
    assert hello.message.chat.username == "alice_s"
    assert photo.message is not None
    assert photo.message.caption == "a photo"
    assert len(photo.message.photo) == 2
    assert sticker.message is not None
    assert sticker.message.sticker is not None
    assert voice.message is not None
    assert voice.message.voice is not None
    assert location.message is not None
    assert location.message.location is not None
    assert edited.edited_message is not None
    assert edited.edited_message.text == "hello again"
    assert edited.edited_message.message_id == first
    assert command.message is not None
    assert command.message.chat.type == "group"
    assert command.message.chat.id == group.chat_id < 0
    assert command.message.parse_entities(["bot_command"]) != {}
    assert post.channel_post is not None
    assert post.channel_post.text == "news"
    assert [u.message.message_id for u in (hello, photo, sticker) if u.message] == [1, 2, 3]
    with pytest.raises(ValueError, match="not a valid Bot API Update"):
        bot_api.push_update({"message": {"text": "no id, date or chat"}})


async def test_wait_says_why_the_bot_did_not_answer(bot_api: FakeBotApi, bot: Bot) -> None:  # noqa: F811
    alice = bot_api.user(1001)
    with pytest.raises(AssertionError, match="no update was ever sent"):
        alice.wait(timeout=0.1)
    alice.send("hello", wait=False)
    with pytest.raises(AssertionError, match=r"update 1 was never fetched \(is the bot running"):
        alice.wait(timeout=0.1)
    await fetch(bot)
    with pytest.raises(AssertionError, match="fetched but the bot made no call for chat 1001"):
        alice.wait(timeout=0.1)
    await bot.send_message(alice.chat_id, "Hello")
    alice.wait(timeout=1)
    (again,) = await fetch(bot)  # not confirmed, so delivered again: it must be answered again
    assert bot_api.delivered == {again.update_id: 2}
    with pytest.raises(AssertionError, match=r"(?s)made no call.*sendMessage 200"):
        alice.wait(timeout=0.1)
    await bot.send_message(alice.chat_id, "Hello again")
    alice.wait(timeout=1)
    bot_api.settle(alice.chat_id, quiet=0.05)
    assert alice.transcript() == ["Hello", "Hello again"]
