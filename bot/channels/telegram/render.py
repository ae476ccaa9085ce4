"""Turn an engine turn into one Telegram message: plain text plus an inline keyboard.

Callback data is short and fixed (``bot.channels.telegram.limits``): ``a:STATE:OPTION`` for
answers, ``f:FLOW`` to start a flow, ``n:back|restart|emergency|menu`` for navigation,
``r:ROLE`` for the role choice and ``l:LANG:STATE`` to show STATE in another language (issue 15;
valid only while the user is on STATE, like an answer). Every value is at most 64 bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram.limits import MAX_CALLBACK_BYTES, MAX_LABEL, MAX_TEXT, answer_callback, flow_callback
from bot.engine import MENU, Turn, TurnOption, TurnSignpost
from bot.flows.i18n import LANGUAGES
from bot.flows.model import ROLES

__all__ = [
    "NAV",
    "NAV_BACK",
    "NAV_EMERGENCY",
    "NAV_MENU",
    "NAV_RESTART",
    "Callback",
    "Rendered",
    "answered_text",
    "fit",
    "glossary_callback",
    "language_callback",
    "language_rows",
    "parse_callback",
    "render_roles",
    "render_turn",
    "role_callback",
    "starts_flows",
]

Ui = Callable[[str], str]

NAV_BACK, NAV_RESTART, NAV_EMERGENCY, NAV_MENU = "n:back", "n:restart", "n:emergency", "n:menu"
NAV = {NAV_BACK: "back", NAV_RESTART: "restart", NAV_EMERGENCY: "emergency", NAV_MENU: "menu"}
TICKED, UNTICKED = "✅ ", "☐ "
SHORT_LABEL = 14


@dataclass(frozen=True, slots=True)
class Rendered:
    """A message ready to send."""

    text: str
    markup: InlineKeyboardMarkup | None


@dataclass(frozen=True, slots=True)
class Callback:
    """Parsed callback data: ``kind`` is answer, flow, nav, role, glossary, sources or language."""

    kind: str
    value: str
    state: str = ""


def glossary_callback(state_id: str) -> str:
    """Callback data of a step's "What do these words mean?" button (issue 13)."""
    return f"g:{state_id}"


def language_callback(code: str, state_id: str) -> str:
    """Callback data of a language button: STATE in language ``code`` (issue 15)."""
    return f"l:{code}:{state_id}"


def role_callback(role: str) -> str:
    """Callback data of a role button."""
    return f"r:{role}"


def parse_callback(data: str | None) -> Callback | None:
    """Read callback data; None for anything this bot never sends (forged or garbled)."""
    if not data or len(data.encode()) > MAX_CALLBACK_BYTES:
        return None
    if data in NAV:
        return Callback("nav", NAV[data])
    prefix, _, rest = data.partition(":")
    if prefix == "a":
        state, sep, option = rest.partition(":")
        return Callback("answer", option, state) if sep and state and option else None
    if prefix == "f" and rest:
        return Callback("flow", rest)
    if prefix == "r" and rest in ROLES:
        return Callback("role", rest)
    if prefix == "g" and rest:  # issue 13: the step's glossary terms
        return Callback("glossary", rest, rest)
    if prefix == "s" and rest:  # issue 13: a flow's sources, from /about
        return Callback("sources", rest)
    if prefix == "l":  # issue 15: the same step in another language
        code, sep, state = rest.partition(":")
        return Callback("language", code, state) if sep and state and code in LANGUAGES else None
    return None


def fit(text: str, limit: int = MAX_TEXT) -> str:
    """Text cut to Telegram's limit, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(text: str) -> str:
    return fit(" ".join(text.split()), MAX_LABEL) or "…"


def starts_flows(turn: Turn) -> bool:
    """True when the turn's options are flows to start (the menu, an outcome's next guides)."""
    return turn.kind == "menu" or turn.outcome is not None


def _signpost_lines(signposts: Sequence[TurnSignpost], ui: Ui) -> str:
    lines = []
    for s in signposts:
        lines.append(f"📞 {s.name}: {s.phone}" if s.phone else f"📍 {s.name}")
        if s.how:
            lines.append(f"    {s.how}")
        if s.review_note:
            lines.append(f"    {ui('review_flag')} {s.review_note}")
    return "\n".join(lines)


def _rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Short labels share a row; long ones get a row each."""
    if 1 < len(buttons) <= 3 and all(len(b.text) <= SHORT_LABEL for b in buttons):
        return [buttons]
    return [[b] for b in buttons]


def _option_button(turn: Turn, option: TurnOption) -> InlineKeyboardButton:
    if starts_flows(turn):
        return InlineKeyboardButton(_label(option.label), callback_data=flow_callback(option.id))
    label = option.label
    if turn.selected is not None and option.id != "done":
        label = (TICKED if option.id in turn.selected else UNTICKED) + label
    return InlineKeyboardButton(_label(label), callback_data=answer_callback(turn.state, option.id))


def _nav_rows(turn: Turn, ui: Ui) -> list[list[InlineKeyboardButton]]:
    emergency = InlineKeyboardButton(_label(ui("emergency_label")), callback_data=NAV_EMERGENCY)
    if turn.kind == "emergency":
        return [[InlineKeyboardButton(_label(ui("menu_label")), callback_data=NAV_MENU)]]
    if turn.kind == "menu":
        return [[emergency]]
    rows = [[
        InlineKeyboardButton(_label(ui("back_label")), callback_data=NAV_BACK),
        InlineKeyboardButton(_label(ui("restart_label")), callback_data=NAV_RESTART),
        emergency,
    ]]
    if turn.outcome is not None:
        rows.append([InlineKeyboardButton(_label(ui("menu_label")), callback_data=NAV_MENU)])
    return rows


def language_rows(ui: Ui, switch: str | None, state_id: str) -> list[list[InlineKeyboardButton]]:
    """The button that shows this step in language ``switch`` (none with one language, or when
    the callback data would not fit)."""
    data = language_callback(switch, state_id) if switch else ""
    if not switch or len(data.encode()) > MAX_CALLBACK_BYTES:
        return []
    return [[InlineKeyboardButton(_label(f"🌐 {ui('language_label')}"), callback_data=data)]]


def render_turn(turn: Turn, ui: Ui, switch: str | None = None) -> Rendered:
    """One message for a turn: error and notice first, then the step, then its services.

    The keyboard has the options (checklist items show ✅ when ticked), a URL button per
    service with a web address, then Back, Start again and Emergency, then the button to the
    same step in the other language ``switch`` (issue 15).
    """
    parts = []
    if turn.error:
        parts.append(f"⚠️ {turn.error}")
    if turn.notice:
        parts.append(f"ℹ️ {turn.notice}")
    parts.append(turn.text)
    if turn.signposts:
        parts.append(_signpost_lines(turn.signposts, ui))
    rows = _rows([_option_button(turn, o) for o in turn.options])
    rows += [[InlineKeyboardButton(_label(f"🌐 {s.name}"), url=s.url)] for s in turn.signposts if s.url]
    if turn.terms:  # issue 13: "What do these words mean?" answers without changing the step
        rows.append([InlineKeyboardButton(_label(ui("glossary_label")), callback_data=glossary_callback(turn.state))])
    rows += _nav_rows(turn, ui)
    rows += language_rows(ui, switch, turn.state)
    return Rendered(fit("\n\n".join(parts)), InlineKeyboardMarkup(rows))


def render_roles(ui: Ui, *, error: str | None = None, notice: str | None = None,
                 switch: str | None = None) -> Rendered:
    """The first-use question: who are you? One button per role, then Emergency (and the other
    language, ``switch``)."""
    parts = [f"⚠️ {error}"] if error else []
    if notice:
        parts.append(f"ℹ️ {notice}")
    parts.append(ui("choose_role"))
    rows = [[InlineKeyboardButton(_label(ui(f"role_{role}")), callback_data=role_callback(role))]
            for role in ROLES]
    rows.append([InlineKeyboardButton(_label(ui("emergency_label")), callback_data=NAV_EMERGENCY)])
    rows += language_rows(ui, switch, MENU)
    return Rendered(fit("\n\n".join(parts)), InlineKeyboardMarkup(rows))


def answered_text(text: str, label: str) -> str:
    """The old step's text with the chosen answer underneath (its keyboard is removed)."""
    suffix = f"\n\n➜ {' '.join(label.split())}"
    return fit(text, MAX_TEXT - len(suffix)) + suffix
