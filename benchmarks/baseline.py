"""The baseline: a plain python-telegram-bot ``ConversationHandler`` bot for one flow.

It is what a developer would write by hand with PTB alone: the flow's YAML read with
PyYAML (not our loader), one conversation state per flow state, state kept in memory by
``ConversationHandler``, no session store, no statistics, no validation. Its messages
and buttons copy the real bot's (same texts from the flow file, same layout and callback
data), and it makes the same Bot API calls per press: answer the query, annotate the
pressed message and send the next step. The harness checks that the messages match.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import yaml
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)
from telegram.request import BaseRequest

__all__ = ["MENU", "BaselineFlow", "build_baseline"]

MENU = "__menu__"
_PLACEHOLDER = re.compile(r"\{(phone|name):([^{}\s]*)\}")
Context = ContextTypes.DEFAULT_TYPE


def _fit(text: str, limit: int = 4096) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(text: str) -> str:
    return _fit(" ".join(text.split()), 64) or "…"


def _read(path: Path) -> Any:
    """A YAML file's data in English (a text written {en, cy} is its English: issue 15)."""
    with path.open(encoding="utf-8") as handle:
        return _english(yaml.safe_load(handle))


def _english(node: Any) -> Any:
    if isinstance(node, dict):
        if "en" in node and set(node) <= {"en", "cy"}:
            return node["en"]
        return {key: _english(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_english(value) for value in node]
    return node


def _glossary(path: Path) -> re.Pattern[str] | None:
    """One pattern matching any glossary term or alias as a whole word (a step that uses one
    gets the "What do these words mean?" button, as in the real bot)."""
    if not path.is_file():
        return None
    spellings: set[str] = set()
    for entry in _read(path)["terms"]:
        for word in [entry["term"], *entry.get("aliases", [])]:
            spellings.add(word)
            if word[:1].islower():
                spellings.add(word[0].upper() + word[1:])
    alternatives = "|".join(re.escape(w) for w in sorted(spellings, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])")


class BaselineFlow:
    """One flow file and its folder's directory and interface texts, rendered like the real bot."""

    def __init__(self, flows_dir: Path, flow_id: str) -> None:
        flow = _read(flows_dir / f"{flow_id}.yaml")
        self.flow_id: str = flow["id"]
        self.title: str = flow["title"]
        self.start: str = flow["start"]
        self.states: dict[str, dict[str, Any]] = {s["id"]: s for s in flow["states"]}
        directory = _read(flows_dir / "signposts.yaml")["signposts"]
        self.signposts: dict[str, dict[str, Any]] = {s["id"]: s for s in directory}
        self.ui: dict[str, str] = _read(flows_dir / "ui.yaml")["texts"]
        self.titles: dict[str, str] = {}
        for path in flows_dir.glob("*.yaml"):
            if path.name not in ("signposts.yaml", "ui.yaml", "glossary.yaml"):
                self.titles[path.stem] = str(_read(path).get("title", path.stem))
        self.glossary = _glossary(flows_dir / "glossary.yaml")

    def expand(self, text: str) -> str:
        """Fill ``{phone:ID}`` and ``{name:ID}`` from the directory."""

        def fill(match: re.Match[str]) -> str:
            signpost = self.signposts.get(match.group(2))
            if signpost is None:
                return match.group(0)
            if match.group(1) == "phone":
                return str(signpost.get("phone") or signpost["name"])
            return str(signpost["name"])

        return _PLACEHOLDER.sub(fill, text)

    def text(self, key: str) -> str:
        """An interface text."""
        return self.expand(self.ui.get(key, key))

    def options(self, state: dict[str, Any]) -> list[tuple[str, str]]:
        """(id, label) of a state's choices, as the engine lists them."""
        kind = state["kind"]
        if kind == "question":
            return [(str(o["id"]), o["label"]) for o in state["options"]]
        if kind == "info":
            return [("continue", state.get("continue_label") or "Continue")]
        if kind == "checklist":
            return [*((str(i["id"]), i["label"]) for i in state["items"]), ("done", state.get("done_label") or "Done")]
        return [(f, self.titles[f]) for f in state.get("next_flows", []) if f in self.titles]

    def render(self, state_id: str, selected: list[str] | None = None) -> tuple[str, InlineKeyboardMarkup]:
        """The message for a state: text, services, then options, web links and navigation."""
        state = self.states[state_id]
        text = self.expand(state["text"])  # review notes are for training mode only
        parts = [text]
        signposts = [self.signposts[s] for s in state.get("signposts", [])]
        if signposts:
            lines = []
            for s in signposts:
                lines.append(f"📞 {s['name']}: {s['phone']}" if s.get("phone") else f"📍 {s['name']}")
                if s.get("how"):
                    lines.append(f"    {s['how']}")
            parts.append("\n".join(lines))
        outcome = state["kind"] == "outcome"
        buttons = []
        for option_id, label in self.options(state):
            if outcome:
                buttons.append(InlineKeyboardButton(_label(label), callback_data=f"f:{option_id}"))
                continue
            if selected is not None and option_id != "done":
                label = ("✅ " if option_id in selected else "☐ ") + label
            buttons.append(InlineKeyboardButton(_label(label), callback_data=f"a:{state_id}:{option_id}"))
        short = 1 < len(buttons) <= 3 and all(len(b.text) <= 14 for b in buttons)
        rows = [buttons] if short else [[b] for b in buttons]
        rows += [[InlineKeyboardButton(_label(f"🌐 {s['name']}"), url=s["url"])] for s in signposts if s.get("url")]
        words = [text, *(label for _, label in self.options(state))]
        words += [part for s in signposts for part in (s["name"], s.get("how")) if part]
        if self.glossary is not None and any(self.glossary.search(w) for w in words):
            rows.append([InlineKeyboardButton(_label(self.text("glossary_label")), callback_data=f"g:{state_id}")])
        rows.append([
            InlineKeyboardButton(_label(self.text("back_label")), callback_data="n:back"),
            InlineKeyboardButton(_label(self.text("restart_label")), callback_data="n:restart"),
            InlineKeyboardButton(_label(self.text("emergency_label")), callback_data="n:emergency"),
        ])
        if outcome:
            rows.append([InlineKeyboardButton(_label(self.text("menu_label")), callback_data="n:menu")])
        return _fit("\n\n".join(parts)), InlineKeyboardMarkup(rows)

    def next_for(self, state: dict[str, Any], ticked: set[str]) -> str:
        """The state a checklist's first matching rule leads to."""
        for rule in state["rules"]:
            if rule.get("if_any") and not ticked & {str(i) for i in rule["if_any"]}:
                continue
            if rule.get("if_all") and not ticked >= {str(i) for i in rule["if_all"]}:
                continue
            if rule.get("if_count_at_least") is not None and len(ticked) < rule["if_count_at_least"]:
                continue
            return str(rule["next"])
        raise LookupError(f"no rule of checklist {state['id']!r} matches")


def build_baseline(flows_dir: Path, flow_id: str, request: BaseRequest, token: str) -> Application:  # type: ignore[type-arg]
    """The baseline Application on ``request``: /start shows a menu with the one flow."""
    flow = BaselineFlow(flows_dir, flow_id)

    async def show(update: Update, context: Context, state_id: str, label: str | None) -> str:
        query = update.callback_query
        assert query is not None
        assert update.effective_chat is not None
        await query.answer()
        message = query.message
        if label is not None and message is not None and getattr(message, "text", None):
            suffix = f"\n\n➜ {' '.join(label.split())}"
            await query.edit_message_text(_fit(str(getattr(message, "text", "")), 4096 - len(suffix)) + suffix)
        text, markup = flow.render(state_id, [] if flow.states[state_id]["kind"] == "checklist" else None)
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        return state_id

    async def start(update: Update, context: Context) -> str:
        assert update.effective_chat is not None
        assert context.user_data is not None
        context.user_data.clear()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(_label(flow.title), callback_data=f"f:{flow.flow_id}")],
                                       [InlineKeyboardButton(_label(flow.text("emergency_label")),
                                                             callback_data="n:emergency")]])
        await context.bot.send_message(update.effective_chat.id, flow.text("menu"), reply_markup=markup)
        return MENU

    async def open_flow(update: Update, context: Context) -> str:
        assert context.user_data is not None
        context.user_data["history"] = []
        return await show(update, context, flow.start, flow.title)

    async def answer(update: Update, context: Context) -> str | None:
        query = update.callback_query
        assert query is not None
        assert query.data is not None
        assert context.user_data is not None
        _, state_id, option_id = query.data.split(":", 2)
        state = flow.states[state_id]
        labels = dict(flow.options(state))
        if state["kind"] == "checklist":
            selected: list[str] = context.user_data.setdefault("selected", [])
            if option_id != "done":
                selected.remove(option_id) if option_id in selected else selected.append(option_id)
                await query.answer()
                text, markup = flow.render(state_id, selected)
                await query.edit_message_text(text, reply_markup=markup)
                return None
            target = flow.next_for(state, set(selected))
            selected.clear()
        elif state["kind"] == "question":
            target = next(str(o["next"]) for o in state["options"] if str(o["id"]) == option_id)
        else:
            target = str(state["next"])
        context.user_data.setdefault("history", []).append(state_id)
        return await show(update, context, target, _label(labels[option_id]))

    async def restart(update: Update, context: Context) -> str:
        assert context.user_data is not None
        context.user_data["history"] = []
        return await show(update, context, flow.start, _label(flow.text("restart_label")))

    async def back(update: Update, context: Context) -> str | None:
        assert context.user_data is not None
        history = context.user_data.get("history") or []
        return await show(update, context, history.pop(), _label(flow.text("back_label"))) if history else None

    async def emergency(update: Update, context: Context) -> None:
        assert update.effective_chat is not None
        if update.callback_query is not None:
            await update.callback_query.answer()
        await context.bot.send_message(update.effective_chat.id, flow.text("emergency"))

    states: dict[object, list[Any]] = {MENU: [CallbackQueryHandler(open_flow, pattern=f"^f:{flow.flow_id}$")]}
    for state_id, state in flow.states.items():  # outcomes only have the fallbacks (Start again, Menu)
        outcome = state["kind"] == "outcome"
        states[state_id] = [] if outcome else [CallbackQueryHandler(answer, pattern=f"^a:{re.escape(state_id)}:")]
    with warnings.catch_warnings():  # per_message=False is right for one conversation per chat
        warnings.simplefilter("ignore")
        conversation = ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states=states,
            fallbacks=[CallbackQueryHandler(restart, pattern="^n:restart$"),
                       CallbackQueryHandler(back, pattern="^n:back$"),
                       CallbackQueryHandler(start, pattern="^n:menu$"),
                       CommandHandler("start", start)],
        )
    app = ApplicationBuilder().token(token).request(request).get_updates_request(request).updater(None).build()
    app.add_handler(CallbackQueryHandler(emergency, pattern="^n:emergency$"), group=-1)
    app.add_handler(conversation)
    return app
