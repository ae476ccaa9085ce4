"""The terminal chat: numbered options for people, one JSON object per turn for programs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from bot.channels.glossary import about_summary, glossary_reply, sources_text, unreviewed
from bot.engine import Engine, Session, Turn

__all__ = ["ABOUT_WORDS", "HELP_WORDS", "QUIT_WORDS", "about_text", "format_turn", "run_human",
           "run_json"]

HELP_WORDS = frozenset({"help", "?", "cymorth"})
ABOUT_WORDS = frozenset({"about", "amdanom"})
QUIT_WORDS = frozenset({"quit", "exit", "q", "gadael"})
FIGURE_WORDS = frozenset({"figures", "figure"})
GLOSSARY_WORDS = frozenset({"glossary", "geirfa"})
LANGUAGE_WORDS = frozenset({"language", "iaith"})
"""Typed words of the people's chat, English and Welsh (issue 15); the texts are in ui.yaml."""


def about_text(engine: Engine, files: Sequence[str] = ()) -> str:
    """The disclaimer, the force (with a local profile), each flow's owner and review dates,
    the sources each flow was checked against, then ``files`` (where things are)."""
    parts = [about_summary(engine, bullet="-")]
    parts += [sources_text(flow, bullet="  -") for flow in engine.flowset.flows.values()]
    if files:
        parts.append("\n".join([engine.ui("files_label"), *(f"  {line}" for line in files)]))
    return "\n\n".join(parts)


def format_turn(turn: Turn, ui: Callable[[str], str] | None = None) -> str:
    """How a turn reads in the terminal (``ui``: the engine's interface texts, for its words)."""
    lines = []
    if turn.error:
        lines += [f"! {turn.error}", ""]
    if turn.notice:
        lines += [turn.notice, ""]
    lines.append(turn.text)
    if turn.terms:
        label, hint = (ui("words_label"), ui("words_hint")) if ui else ("Words", "type glossary WORD")
        lines += ["", f"  {label}: " + ", ".join(t.term for t in turn.terms) + f" ({hint})"]
    if turn.signposts:
        lines.append("")
        for s in turn.signposts:
            contact = " · ".join(p for p in (s.phone, s.url, s.how) if p)
            lines.append(f"  ☎ {s.name}: {contact}" if contact else f"  ☎ {s.name}")
            if s.review_note:
                lines.append(f"    (check before use: {s.review_note})")
    if turn.options:
        lines.append("")
        ticked = set(turn.selected or ())
        for number, option in enumerate(turn.options, start=1):
            box = ""
            if turn.selected is not None and option.id != "done":
                box = "[x] " if option.id in ticked else "[ ] "
            lines.append(f"  {number}. {box}{option.label}")
    return "\n".join(lines)


def _figures_command(engine: Engine, session: Session, line: str) -> str | None:
    """In training mode, ``figures [N|ID]`` shows the presentation's figures (else None).

    An option of the current step with the same id or label still wins.
    """
    words = line.split(maxsplit=1)
    if not session.training or not words or words[0].casefold() not in FIGURE_WORDS:
        return None
    typed = " ".join(line.split()).casefold()
    if any(typed in (o.id.casefold(), o.label.casefold()) for o in engine.current(session).options):
        return None
    from bot.figures import figures_reply  # only trainers need it

    return figures_reply(words[1] if len(words) > 1 else "")


def _glossary_command(engine: Engine, session: Session, line: str) -> str | None:
    """``glossary`` lists every term, ``glossary WORD`` defines one (else None: not this command).

    An option of the current step with the same id or label still wins.
    """
    words = line.split(maxsplit=1)
    if not words or words[0].casefold() not in GLOSSARY_WORDS:
        return None
    typed = " ".join(line.split()).casefold()
    if any(typed in (o.id.casefold(), o.label.casefold()) for o in engine.current(session).options):
        return None
    return glossary_reply(engine, words[1] if len(words) > 1 else "", bullet="-")


def _first_turn(engine: Engine, session: Session, flow_id: str | None) -> Turn:
    return engine.start(session, flow_id) if flow_id else engine.current(session)


def run_json(engine: Engine, session: Session, flow_id: str | None, lines: Iterable[str], out: TextIO) -> None:
    """The ``--json`` protocol: a turn per line out, one input per line in, until end of input."""

    def emit(turn: Turn) -> None:
        out.write(json.dumps(turn.protocol(), ensure_ascii=False) + "\n")
        out.flush()

    emit(_first_turn(engine, session, flow_id))
    for line in lines:
        emit(engine.handle_text(session, line.rstrip("\r\n")))
    engine.abandon(session)


def run_human(engine: Engine, session: Session, flow_id: str | None, lines: Iterable[str], out: TextIO,
              prompt: bool = True, files: Sequence[str] = ()) -> None:
    """The people's chat: numbered options, plus help, about (with ``files``) and quit."""

    def show(text: str) -> None:
        out.write(text + "\n")
        if prompt:
            out.write("> ")
        out.flush()

    hint = engine.ui("typed_hint")
    if session.training:
        hint += "\n" + engine.ui("training_hint")
        if unreviewed(engine):  # issue 15: until a fluent speaker has reviewed the translation
            hint += "\n" + engine.ui("translation_unreviewed")
    show(format_turn(_first_turn(engine, session, flow_id), engine.ui) + f"\n\n{hint}")
    for line in lines:
        word = " ".join(line.split()).casefold()
        if word in QUIT_WORDS:
            break
        if word in HELP_WORDS:
            show(engine.ui("help") + "\n\n" + format_turn(engine.current(session), engine.ui))
            continue
        other = engine.other_language
        if word in LANGUAGE_WORDS and other is not None:  # issue 15: the same step, other language
            engine, session.language = engine.for_language(other), other
            show("\n" + format_turn(engine.current(session), engine.ui))
            continue
        glossary = _glossary_command(engine, session, line)
        if glossary is not None:
            show("\n" + glossary + "\n\n" + format_turn(engine.current(session), engine.ui))
            continue
        if word in ABOUT_WORDS:
            show(about_text(engine, files) + "\n\n" + format_turn(engine.current(session), engine.ui))
            continue
        figures = _figures_command(engine, session, line)
        if figures is not None:
            show("\n" + figures + "\n\n" + format_turn(engine.current(session), engine.ui))
            continue
        show("\n" + format_turn(engine.handle_text(session, line), engine.ui))
    out.write("\n")
    engine.abandon(session)
