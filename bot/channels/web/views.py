"""What a web page shows, built from an engine turn and the flow model: no HTML here.

The server pages and the offline pack (:mod:`bot.channels.web.export`) render the same
views with the same templates, so both look alike and hold the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.channels.web.render import TEXT, in_language
from bot.engine import Engine, Session, Turn
from bot.engine.machine import CONTINUE, DONE
from bot.flows import Checklist, Flow, Question, State
from bot.flows.text import expand

__all__ = [
    "AnswerRow",
    "Choice",
    "SignpostView",
    "StepView",
    "Term",
    "WhyView",
    "answer_rows",
    "first_sentence",
    "force_name",
    "headline",
    "in_language",
    "paragraphs",
    "step_view",
    "tel_href",
]

_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z0-9\"'‘“(])")
HEADLINE_LIMIT = 160


def tel_href(phone: str) -> str:
    """``tel:`` link for a phone number as written in the directory (digits and a leading +)."""
    return "tel:" + re.sub(r"[^\d+]", "", phone)


def paragraphs(text: str) -> list[str]:
    """Text split at blank lines, with empty pieces dropped."""
    return [" ".join(p.split()) if "\n" not in p.strip() else p.strip() for p in text.split("\n\n") if p.strip()]


def first_sentence(text: str) -> tuple[str, str]:
    """The first sentence of ``text`` and the rest."""
    pieces = _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)
    return pieces[0], pieces[1] if len(pieces) == 2 else ""


def headline(text: str) -> tuple[str, list[str]]:
    """The first sentence of ``text`` (the page heading) and the paragraphs after it.

    A first paragraph that is short stays whole, so a question is never cut in two.
    """
    parts = paragraphs(text)
    if not parts:
        return "", []
    first, rest = parts[0], parts[1:]
    if len(first) <= HEADLINE_LIMIT:
        return first, rest
    pieces = _SENTENCE_END.split(first, maxsplit=1)
    if len(pieces) == 2 and len(pieces[0]) <= HEADLINE_LIMIT:
        return pieces[0], [pieces[1], *rest]
    return first, rest


@dataclass(frozen=True, slots=True)
class Choice:
    """A radio or checkbox: the value sent, its label, and whether it is already chosen."""

    id: str
    label: str
    checked: bool = False


@dataclass(frozen=True, slots=True)
class SignpostView:
    """A service to contact, with ready ``tel:`` link."""

    id: str
    name: str
    phone: str | None
    tel: str | None
    url: str | None
    how: str | None
    review_note: str | None


@dataclass(frozen=True, slots=True)
class WhyView:
    """Why a step is asked, and its source (trainer view and training notes)."""

    text: str
    source_title: str | None
    source_url: str | None


@dataclass(frozen=True, slots=True)
class Term:
    """A glossary term used in a step, shown expandable in place."""

    term: str
    definition: str


@dataclass(frozen=True, slots=True)
class StepView:
    """One step page."""

    flow_id: str
    flow_title: str
    state_id: str
    kind: str
    heading: str
    body: list[str]
    review_note: str | None
    review_flag: str
    choices: list[Choice] = field(default_factory=list)
    signposts: list[SignpostView] = field(default_factory=list)
    next_flows: list[Choice] = field(default_factory=list)
    why: WhyView | None = None
    terms: list[Term] = field(default_factory=list)
    error: str | None = None
    notice: str | None = None
    can_go_back: bool = False
    version: str = ""

    title_text: str = ""
    next_languages: dict[str, str] = field(default_factory=dict)
    """The language of each related guide (by id) shown in an outcome's links."""
    language: str = "en"
    """The language of the step's own text (English for a guide not yet translated, issue 15)."""
    words: dict[str, str] = field(default_factory=lambda: TEXT)
    """The page's own words, in the page's language."""

    @property
    def title(self) -> str:
        """The page title: unique per step (its opening words, then the guide)."""
        prefix = self.words["error_prefix"] if self.error else ""
        return f"{prefix}{self.title_text or self.heading} - {self.flow_title} - {self.words['service']}"


def _terms(turn: Turn) -> list[Term]:
    """The glossary terms a step uses (``Turn.terms``), each named with what it stands for:
    "NRM (National Referral Mechanism)"."""
    return [Term(f"{t.term} ({t.meaning})" if t.meaning else t.term, t.definition) for t in turn.terms]


def force_name(engine: Engine) -> str | None:
    """The force named in the local profile, if one is loaded."""
    local = engine.flowset.local
    return local.force if local is not None else None


_TITLES: dict[tuple[str, str, str], dict[str, str]] = {}


def step_titles(engine: Engine, flow: Flow) -> dict[str, str]:
    """Each step's title text: its first sentence, or as many sentences as make it unique in the flow."""
    key = (flow.id, flow.version, flow.language)
    if key not in _TITLES:
        texts = {s.id: " ".join(expand(s.text, engine.flowset.signposts).split()) for s in flow.states.values()}
        sentences = {sid: _SENTENCE_END.split(text) for sid, text in texts.items()}
        count = dict.fromkeys(texts, 1)
        for _ in range(6):
            titles = {sid: " ".join(sentences[sid][:count[sid]]) for sid in texts}
            clashes = [sid for sid, title in titles.items() if list(titles.values()).count(title) > 1]
            if not clashes:
                break
            for sid in clashes:
                count[sid] += 1
        else:  # the same words in several steps: the step's id tells them apart
            seen = list(titles.values())
            titles = {sid: f"{t} ({sid.replace('_', ' ')})" if seen.count(t) > 1 else t for sid, t in titles.items()}
        _TITLES[key] = titles
    return _TITLES[key]


def _why(engine: Engine, flow: Flow, state: State) -> WhyView | None:
    if state.why is None:
        return None
    source = flow.source(state.why.source)
    return WhyView(expand(state.why.text, engine.flowset.signposts),
                   source.title if source else None, source.url if source else None)


def step_view(engine: Engine, turn: Turn, *, can_go_back: bool = False, training: bool = False,
              words: dict[str, str] = TEXT) -> StepView:
    """The view of a step turn (question, checklist, info or outcome).

    The step's review note is shown only in training mode (issue 13); the engine already leaves
    the signposts' review notes out of the turn otherwise.
    """
    assert turn.flow is not None
    flow = engine.flowset.flows[turn.flow]
    state = flow.states[turn.state]
    heading, body = headline(expand(state.text, engine.flowset.signposts))
    choices: list[Choice] = []
    next_flows: list[Choice] = []
    if isinstance(state, Question):
        choices = [Choice(o.id, o.label) for o in turn.options]
    elif isinstance(state, Checklist):
        ticked = set(turn.selected or ())
        choices = [Choice(o.id, o.label, o.id in ticked) for o in turn.options if o.id != DONE]
    elif turn.kind == "outcome":
        next_flows = [Choice(o.id, o.label) for o in turn.options]
    next_languages = {o.id: engine.flowset.flows[o.id].language for o in turn.options if o.id in engine.flowset.flows}
    signposts = [SignpostView(s.id, s.name, s.phone, tel_href(s.phone) if s.phone else None, s.url, s.how,
                              s.review_note) for s in turn.signposts]
    return StepView(
        flow_id=flow.id, flow_title=flow.title, state_id=state.id, kind=turn.kind, heading=heading, body=body,
        review_note=state.review_note if training else None, review_flag=engine.ui("review_flag"), choices=choices,
        signposts=signposts, next_flows=next_flows, why=_why(engine, flow, state), terms=_terms(turn),
        error=turn.error, notice=turn.notice, can_go_back=can_go_back, version=flow.version,
        title_text=step_titles(engine, flow)[state.id], language=turn.language, words=words,
        next_languages=next_languages if turn.kind == "outcome" else {},
    )


@dataclass(frozen=True, slots=True)
class AnswerRow:
    """One line of "Your answers": the step, what was answered, and the step to change it."""

    state_id: str
    question: str
    answer: str


def _answer_label(flow: Flow, state: State, ticks: Iterable[str], reached: str, words: dict[str, str]) -> str | None:
    if isinstance(state, Question):
        labels = [o.label for o in state.options if o.next == reached]
        return words["answer_or"].join(labels) if labels else None
    if isinstance(state, Checklist):
        chosen = set(ticks)
        labels = [i.label for i in state.items if i.id in chosen]
        return "; ".join(labels) if labels else words["none_of_these"]
    return None


def answer_rows(engine: Engine, session: Session, words: dict[str, str] = TEXT) -> list[AnswerRow]:
    """The answers given so far in the session's flow (information steps have none).

    History keeps each step left and, for checklists, what was ticked; a question's answer is
    the option that leads to the next step reached (several labels when options share a step).
    """
    flow = engine.flowset.flows.get(session.flow or "")
    if flow is None:
        return []
    rows = []
    steps = [state for state, _ in session.history] + [session.state]
    for index, (state_id, ticks) in enumerate(session.history):
        state = flow.states.get(state_id)
        if state is None or state.kind in ("info", "outcome"):
            continue
        answer = _answer_label(flow, state, ticks, steps[index + 1], words)
        if answer is not None:
            rows.append(AnswerRow(state_id, headline(expand(state.text, engine.flowset.signposts))[0], answer))
    return rows


CONTINUE_ID = CONTINUE
DONE_ID = DONE
