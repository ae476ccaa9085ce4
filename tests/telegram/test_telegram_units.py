"""The channel's pure parts: rendering every step of every shipped flow, callback data,
settings and the log filter that keeps the token out of every record."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from tgkit import SHIPPED

from bot.channels.telegram.chats import split_text
from bot.channels.telegram.config import ConfigError, load_config
from bot.channels.telegram.extras import mermaid_message
from bot.channels.telegram.limits import MAX_CALLBACK_BYTES, MAX_LABEL, MAX_TEXT
from bot.channels.telegram.logs import REDACTED, RedactToken
from bot.channels.telegram.render import Callback, parse_callback, render_roles, render_turn
from bot.engine import Engine, Turn

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _every_turn(engine: Engine) -> list[Turn]:
    """Every step of every flow (with all items ticked), the menu and the emergency screen."""
    turns = []
    for role in (None, "officer", "partner", "public", "trainer"):
        turns.append(engine.current(engine.new_session(role=role, training=True)))
    for flow in SHIPPED.flows.values():
        for state in flow.states.values():
            session = engine.new_session(role="trainer", training=True)
            engine.start(session, flow.id)
            session.state = state.id
            if state.kind == "checklist":
                session.selected = [i.id for i in state.items]  # type: ignore[attr-defined]
            turns.append(engine.current(session, error=engine.ui("stale"),
                                        notice=engine.ui("flow_changed")))
            session.emergency = True
            turns.append(engine.current(session))
    return turns


def test_every_rendered_step_fits_telegram() -> None:
    """Text ≤ 4096, labels 1-64 characters, callback data 1-64 bytes, and always Emergency."""
    engine = Engine(SHIPPED)
    for turn in _every_turn(engine):
        rendered = render_turn(turn, engine.ui)
        assert 0 < len(rendered.text) <= MAX_TEXT
        assert rendered.markup is not None
        buttons = [b for row in rendered.markup.inline_keyboard for b in row]
        for button in buttons:
            assert 0 < len(button.text) <= MAX_LABEL
            assert button.url or 0 < len(str(button.callback_data).encode()) <= MAX_CALLBACK_BYTES
        datas = [b.callback_data for b in buttons]
        assert "n:emergency" in datas or turn.kind == "emergency", turn.state
        assert len(rendered.markup.inline_keyboard) <= 100


def test_rendered_callbacks_parse_back_to_the_turn() -> None:
    """Each answer button's data names the turn's own state and option."""
    engine = Engine(SHIPPED)
    for turn in _every_turn(engine):
        markup = render_turn(turn, engine.ui).markup
        assert markup is not None
        for button in (b for row in markup.inline_keyboard for b in row if b.callback_data):
            parsed = parse_callback(str(button.callback_data))
            assert parsed is not None, button.callback_data
            if parsed.kind == "answer":
                assert parsed.state == turn.state
                assert parsed.value in {o.id for o in turn.options}
            if parsed.kind == "flow":
                assert parsed.value in SHIPPED.flows


def test_role_question_offers_every_role_and_emergency() -> None:
    """Four roles then Emergency, all from ui.yaml."""
    engine = Engine(SHIPPED)
    rendered = render_roles(engine.ui, error="oops")
    assert rendered.text.startswith("⚠️ oops")
    assert rendered.markup is not None
    datas = [b.callback_data for row in rendered.markup.inline_keyboard for b in row]
    assert datas == ["r:officer", "r:partner", "r:public", "r:trainer", "n:emergency"]


@pytest.mark.parametrize(("data", "parsed"), [
    ("a:danger:yes", Callback("answer", "yes", "danger")),
    ("f:report_concern", Callback("flow", "report_concern")),
    ("n:back", Callback("nav", "back")),
    ("r:public", Callback("role", "public")),
    ("r:admin", None), ("a:danger", None), ("a::yes", None), ("n:sudo", None), ("", None),
    (None, None), ("x" * 65, None), ("f:", None), ("🙂" * 17, None),
])
def test_parse_callback(data: str | None, parsed: Callback | None) -> None:
    """Only data this bot sends parses; everything else is None (shown as stale)."""
    assert parse_callback(data) == parsed


def test_long_texts_split_without_losing_a_word() -> None:
    """Paragraphs stay whole where they fit; nothing is dropped."""
    text = "intro\n\n" + "\n".join(f"line {i} " + "x" * 90 for i in range(120)) + "\n\nend"
    chunks = split_text(text)
    assert all(len(c) <= MAX_TEXT for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
    assert chunks[0].startswith("intro")
    assert split_text("short") == ["short"]


def test_mermaid_message_fits_and_is_escaped() -> None:
    """A huge diagram is cut at a line to fit one message; HTML is escaped."""
    source = "stateDiagram-v2\n" + "\n".join(f"    s{i} --> s{i + 1}: a <b> & c" for i in range(400))
    message = mermaid_message(source)
    assert len(message) <= MAX_TEXT
    assert message.startswith("<pre>")
    assert message.endswith("…</code></pre>")
    assert "<b>" not in message
    assert "&lt;b&gt;" in message


def test_config_defaults_and_parsing(tmp_path: Path) -> None:
    """Admins, base URL, TTL and database paths are read as documented."""
    config = load_config({
        "TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n", "REFERRAL_BOT_ADMINS": " 1, 22 ;333,",
        "REFERRAL_BOT_DB": str(tmp_path / "stats.db"), "TELEGRAM_API_BASE_URL": "http://h:8081/bot",
        "REFERRAL_BOT_SESSION_TTL_HOURS": "12",
    })
    assert config.token == TOKEN
    assert config.admins == frozenset({1, 22, 333})
    assert config.is_admin(22)
    assert not config.is_admin(None)
    assert config.base_url == "http://h:8081/bot"
    assert config.sessions_db == tmp_path / "sessions.db"
    assert config.session_ttl == timedelta(hours=12)
    assert TOKEN not in repr(config)


def test_config_errors_never_show_the_token() -> None:
    """A malformed token is described, not echoed."""
    with pytest.raises(ConfigError) as error:
        load_config({"TELEGRAM_BOT_TOKEN": "12345:short"})
    assert "short" not in str(error.value)
    assert "@BotFather" in str(error.value)


def test_the_token_is_redacted_from_every_log_record() -> None:
    """Message, arguments and traceback text all lose the token (and its secret half)."""
    redact = RedactToken(TOKEN)
    secret = TOKEN.split(":")[1]
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "POST %s failed for %s",
                               (f"https://api.telegram.org/bot{TOKEN}/getMe", secret), None)
    try:
        raise RuntimeError(f"cannot reach /bot{TOKEN}/sendMessage")
    except RuntimeError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert redact.filter(record)
    formatted = logging.Formatter().format(record)
    assert TOKEN not in formatted
    assert secret not in formatted
    assert formatted.count(REDACTED) == 3


def test_each_distinct_step_is_rendered_once(tmp_path: Path) -> None:
    """The bot builds a step's message once and reuses it: equal turns give the very same
    message, exactly as render_turn builds it; the role question too."""
    from bot.channels.telegram import Config, make_services

    services = make_services(Config(token=TOKEN, stats_db=tmp_path / "stats.db",
                                    sessions_db=tmp_path / "sessions.db"), SHIPPED)
    engine = services.engine
    try:
        turns = _every_turn(engine)
        first = [services.render(turn) for turn in turns]
        again = [services.render(turn) for turn in _every_turn(engine)]  # equal turns, new objects
        assert all(a is b for a, b in zip(first, again, strict=True))
        assert first == [render_turn(turn, engine.ui) for turn in turns]
        assert len({id(m) for m in first}) == len(set(turns))
        roles = services.render_roles("oops", None)
        assert services.render_roles("oops", None) is roles
        assert roles == render_roles(engine.ui, error="oops")
    finally:
        services.store.close()
        close = getattr(services.recorder, "close", None)
        if callable(close):
            close()
