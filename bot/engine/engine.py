"""The engine: sessions move through compiled flows and come back as channel-neutral turns."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from transitions import Machine

from bot.engine.events import EventKind, FlowEvent, Listener
from bot.engine.facts import back_past_skipped, remember, skip_known
from bot.engine.glossary import StepTerms
from bot.engine.machine import compile_machine
from bot.engine.session import MENU, Session, new_run_id
from bot.engine.turn import Turn, TurnOption, TurnSignpost, TurnTerm
from bot.flows.i18n import other_language
from bot.flows.loader import Catalogue
from bot.flows.model import Flow, FlowSet, State
from bot.flows.text import expand

__all__ = ["BACK", "COMMANDS", "EMERGENCY", "EMERGENCY_PHRASES", "WELSH_COMMANDS", "WELSH_EMERGENCY_PHRASES",
           "Engine"]

log = logging.getLogger(__name__)

BACK, RESTART, MENU_COMMAND, EMERGENCY = "back", "restart", "menu", "emergency"
COMMANDS = (BACK, RESTART, MENU_COMMAND, EMERGENCY)
WELSH_EMERGENCY_PHRASES = frozenset({"argyfwng", "helpwch fi", "help fi"})
"""The Welsh among the emergency phrases (a channel may answer them in Welsh)."""
EMERGENCY_PHRASES = frozenset({"emergency", "999", "help me"}) | WELSH_EMERGENCY_PHRASES
"""Typed words that show the emergency step before anything else, in English and Welsh."""
WELSH_COMMANDS = {"nôl": BACK, "yn ôl": BACK, "ailddechrau": RESTART, "dechrau eto": RESTART,
                  "dewislen": MENU_COMMAND}
"""Welsh words for the typed commands (issue 15); the English words work in every language."""
EMERGENCY_STATE = "emergency"


class Engine:
    """Runs every session on one shared machine per flow; knows nothing about channels."""

    def __init__(self, flowset: FlowSet, listeners: Iterable[Listener] = (), *,
                 translations: Mapping[str, FlowSet] | None = None) -> None:
        """Compile one machine per flow of ``flowset`` (English); ``translations`` are the same
        flows in other languages, by code (see :meth:`for_language`)."""
        self._machines: dict[str, Machine] = {
            flow_id: compile_machine(flow) for flow_id, flow in flowset.flows.items()
        }
        self._listeners: list[Listener] = list(listeners)
        self._failed_listeners: set[int] = set()
        self._siblings: dict[str, Engine] = {}
        self._use(flowset, self)
        for code, translated in (translations or {}).items():
            if code != self.language:
                Engine.__new__(Engine)._use(translated, self)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue, listeners: Iterable[Listener] = ()) -> Engine:
        """An engine for every language of a :class:`~bot.flows.Catalogue`."""
        return cls(catalogue.base, listeners, translations=catalogue.sets)

    def _use(self, flowset: FlowSet, first: Engine) -> None:
        """Set up for ``flowset``, sharing ``first``'s machines, listeners and languages."""
        self.flowset = flowset
        self.language = flowset.language
        if first is not self:
            self._machines, self._listeners = first._machines, first._listeners
            self._failed_listeners, self._siblings = first._failed_listeners, first._siblings
        self._siblings[self.language] = self
        self._shown: dict[tuple[str, str, bool],
                          tuple[tuple[TurnOption, ...], tuple[TurnSignpost, ...], tuple[TurnTerm, ...]]] = {}
        local = flowset.local  # issue 13: a force's profile replaces directory entries
        self._directory = {**flowset.signposts, **local.single()} if local else flowset.signposts
        self._terms = StepTerms(flowset.glossary, self._directory)

    # -- languages (issue 15) -------------------------------------------------------------------

    @property
    def languages(self) -> tuple[str, ...]:
        """Every language the flows can be shown in, English first."""
        return tuple(self._siblings)

    def for_language(self, code: str | None) -> Engine:
        """The engine that shows the same flows, with the same machines, in language ``code``
        (the English one for a language the flows are not in)."""
        return self._siblings.get(code or "", self._siblings[next(iter(self._siblings))])

    @property
    def other_language(self) -> str | None:
        """The language this engine's steps link to (None when the flows are in one language)."""
        return other_language(self.languages, self.language)

    def for_session(self, session: Session) -> Engine:
        """The engine in the session's language."""
        return self.for_language(session.language)

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` with every :class:`FlowEvent` from now on."""
        self._listeners.append(listener)

    def _emit(self, session: Session, kind: EventKind, outcome: str | None = None) -> None:
        if not self._listeners:
            return
        event = FlowEvent(kind, session.flow, session.version, session.state, session.run_id,
                          session.channel, session.role, session.training, session.steps, outcome,
                          session.language)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a listener must never break guidance
                if id(listener) not in self._failed_listeners:
                    self._failed_listeners.add(id(listener))
                    log.warning("an event listener failed; guidance carries on", exc_info=True)

    # -- text helpers -------------------------------------------------------------------------

    def ui(self, key: str) -> str:
        """An interface text with its placeholders filled from the signpost directory."""
        return expand(self.flowset.ui.get(key, key), self._directory)

    def _signposts(self, ids: Iterable[str], training: bool = False) -> tuple[TurnSignpost, ...]:
        """Services by directory id (a force's profile may replace one by several); review notes
        only in training mode (issue 13)."""
        found = []
        local = self.flowset.local
        for signpost_id in ids:
            group = local.signposts_for(signpost_id, self.flowset.signposts) if local \
                else (self.flowset.signposts[signpost_id],)
            for s in group:
                found.append(TurnSignpost(s.id, s.name, s.phone, s.url, s.how, s.review_note if training else None))
        return tuple(found)

    def visible_flows(self, session: Session) -> list[Flow]:
        """Flows for the session's role; trainers see every flow, drafts included.

        Drafts are otherwise shown only in training mode.
        """
        trainer = session.role == "trainer"
        drafts = session.training or trainer
        flows = self.flowset.for_role(None if trainer else session.role)
        return [f for f in flows if f.status == "published" or drafts]

    # -- rendering ----------------------------------------------------------------------------

    def _flow(self, session: Session) -> Flow | None:
        return self.flowset.flows.get(session.flow) if session.flow else None

    def _state_text(self, flow: Flow, state: State, training: bool) -> str:
        parts = [expand(state.text, self._directory)]
        if training and state.review_note:  # issue 13: review notes are for trainers only
            parts.append(f"{self.ui('review_flag')} {state.review_note}")
        if training and state.why is not None:
            source = flow.source(state.why.source)
            cited = f" ({self.ui('source_label')}: {source.title})" if source else ""
            parts.append(f"{self.ui('why_label')}: {expand(state.why.text, self._directory)}{cited}")
        return "\n\n".join(parts)

    def current(self, session: Session, *, error: str | None = None, notice: str | None = None) -> Turn:
        """The turn for where the session is now, without moving it."""
        flow = self._flow(session)
        if session.emergency:
            return Turn(
                flow=session.flow, state=EMERGENCY_STATE, kind="emergency", text=self.ui("emergency"),
                options=(TurnOption(BACK, self.ui("emergency_back")),),
                signposts=self._signposts(self.flowset.emergency_signposts, session.training), error=error,
                notice=notice, language=self.language,
            )
        if flow is None or session.state not in flow.states:
            options = tuple(TurnOption(f.id, f.title) for f in self.visible_flows(session))
            return Turn(flow=None, state=MENU, kind="menu", text=self.ui("menu"), options=options,
                        error=error, notice=notice, language=self.language)
        state = flow.states[session.state]
        text = self._state_text(flow, state, session.training)
        key = (flow.id, state.id, session.training)
        shown = self._shown.get(key)
        if shown is None:  # a state's options, services and glossary terms never change: built once
            options = tuple(TurnOption(option_id, label) for option_id, label in state.turn_options(self.flowset))
            signposts = self._signposts(state.services(), session.training)
            shown = self._shown[key] = (options, signposts, self._terms.find(text, options, signposts))
        options, signposts, terms = shown
        if flow.language != self.language and state.id == flow.start and notice is None:
            notice = self.ui("not_translated")  # issue 15: shown in English, said in the user's language
        return Turn(flow.id, state.id, state.kind, text, options, signposts,
                    outcome=state.id if state.final else None,
                    selected=tuple(session.selected) if state.multi_select else None, error=error, notice=notice,
                    terms=terms, language=flow.language)

    def not_understood(self, session: Session) -> Turn:
        """The current turn again, with the 'not understood' error."""
        return self.current(session, error=self.ui("not_understood"))

    # -- operations ---------------------------------------------------------------------------

    def new_session(self, *, channel: str = "terminal", role: str | None = None,
                    training: bool = False) -> Session:
        """A session at the menu, knowing the facts the force's profile sets (its nation)."""
        facts = dict(self.flowset.local.facts) if self.flowset.local else {}
        return Session(channel=channel, role=role, training=training, facts=facts)

    def start(self, session: Session, flow_id: str) -> Turn:
        """Begin ``flow_id`` from its first state, as a new run."""
        flow = self.flowset.flows.get(flow_id)
        if flow is None:
            return self.not_understood(session)
        self._leave(session)
        session.flow, session.version, session.state = flow.id, flow.version, flow.start
        session.history.clear()
        session.selected.clear()
        session.emergency = False
        session.run_id, session.steps, session.finished = new_run_id(), 1, False
        self._emit(session, "started")
        self._settle(flow, session)
        self._emit(session, "step")
        self._finish_if_final(flow, session)
        return self.current(session)

    def choose(self, session: Session, option_id: str) -> Turn:
        """Act on an option id valid for the current turn; anything else is not understood."""
        if session.emergency:
            return self.back(session) if option_id == BACK else self.not_understood(session)
        flow = self._flow(session)
        if flow is None or session.state not in flow.states:
            if any(f.id == option_id for f in self.visible_flows(session)):
                return self.start(session, option_id)
            return self.not_understood(session)
        state = flow.states[session.state]
        action = state.respond(option_id)
        if action is None:
            return self.not_understood(session)
        if action == "start":
            return self.start(session, option_id) if option_id in self.flowset.flows else self.not_understood(session)
        if action == "toggle":
            if option_id in session.selected:
                session.selected.remove(option_id)
            else:
                session.selected.append(option_id)
            return self.current(session)
        before = (session.state, tuple(session.selected))
        ticked = frozenset(session.selected)
        remember(state, option_id, session)  # issue 13
        self._machines[flow.id].events[option_id].trigger(session, ticked)
        session.history.append(before)
        session.selected.clear()
        session.steps += 1
        self._settle(flow, session)
        self._emit(session, "step")
        self._finish_if_final(flow, session)
        return self.current(session)

    def _settle(self, flow: Flow, session: Session) -> None:
        """Skip questions whose answer the session remembers (issue 13)."""
        skip_known(flow, session, self._machines[flow.id])

    def _finish_if_final(self, flow: Flow, session: Session) -> None:
        reached = flow.states[session.state]
        if reached.final:
            session.finished = True
            self._emit(session, "outcome", outcome=reached.id)

    def back(self, session: Session) -> Turn:
        """Undo one step (or leave the emergency screen, back to exactly where the user was)."""
        if session.emergency:
            session.emergency = False
            return self.current(session)
        if session.history and self._flow(session) is not None and back_past_skipped(session):
            self._emit(session, "back")
        return self.current(session)

    def restart(self, session: Session) -> Turn:
        """Go back to the first state of the current flow (the menu when there is none)."""
        flow = self._flow(session)
        session.emergency = False
        if flow is None:
            return self.menu(session)
        self._emit(session, "restart")
        session.state, session.version = flow.start, flow.version
        session.history.clear()
        session.selected.clear()
        session.steps += 1
        self._settle(flow, session)
        self._emit(session, "step")
        self._finish_if_final(flow, session)
        return self.current(session)

    def menu(self, session: Session) -> Turn:
        """Leave the flow for the menu."""
        self._leave(session)
        session.flow, session.state, session.version = None, MENU, ""
        session.history.clear()
        session.selected.clear()
        session.emergency = False
        return self.current(session)

    def emergency(self, session: Session) -> Turn:
        """Show immediate-danger guidance from anywhere; ``back`` returns to the same step."""
        session.emergency = True
        self._emit(session, "emergency")
        return self.current(session)

    def abandon(self, session: Session) -> None:
        """Record that the session was left or expired without reaching an outcome."""
        self._leave(session)

    def _leave(self, session: Session) -> None:
        if session.flow is not None and not session.finished and session.run_id:
            self._emit(session, "abandoned")
        session.finished = True

    def resume(self, session: Session) -> Turn:
        """Current turn for a stored session, restarting it if its flow changed under it."""
        flow = self._flow(session)
        if session.flow is not None and flow is None:
            self.menu(session)
            return self.current(session, notice=self.ui("flow_changed"))
        if flow is not None and session.version != flow.version:
            known = session.state in flow.states and all(s in flow.states for s, _ in session.history)
            if not known:
                self.start(session, flow.id)
                return self.current(session, notice=self.ui("flow_changed"))
            session.version = flow.version
        return self.current(session)

    def handle_text(self, session: Session, line: str) -> Turn:
        """Typed input: a command, a 1-based number, an option id or an option label."""
        text = " ".join(line.split()).strip()
        lowered = text.casefold()
        if lowered in EMERGENCY_PHRASES:
            return self.emergency(session)
        lowered = WELSH_COMMANDS.get(lowered, lowered)
        if lowered == BACK:
            return self.back(session)
        if lowered == RESTART:
            return self.restart(session)
        if lowered == MENU_COMMAND:
            return self.menu(session)
        options = self.current(session).options
        # The length check keeps int() away from huge digit strings (a ValueError past 4300 digits).
        if text.isdigit() and text.isascii() and len(text) <= 9 and 1 <= int(text) <= len(options):
            return self.choose(session, options[int(text) - 1].id)
        for option in options:
            if lowered in (option.id.casefold(), option.label.casefold()):
                return self.choose(session, option.id)
        return self.not_understood(session)
