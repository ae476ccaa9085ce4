"""Training mode: why notes and sources on every step, the presentation's figures, flagged runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.channels.telegram.limits import MAX_TEXT as TELEGRAM_MAX
from bot.engine import Engine, FlowEvent, Session
from bot.figures import FigureError, figures_reply, load_figures
from bot.flows import Checklist, FlowSet, Info, Question
from bot.flows.text import expand, signpost_lines
from tests.conftest import ROOT, CliRunner

SHIPPED_FIGURES = ROOT / "data" / "figures"


def at(flowset: FlowSet, flow_id: str, state_id: str, *, training: bool) -> Session:
    """A stored session at one step, as a session store would hand it back."""
    flow = flowset.flows[flow_id]
    return Session.from_dict({"flow": flow_id, "state": state_id, "version": flow.version,
                              "training": training, "run_id": "r", "steps": 1})


def test_every_step_of_every_flow_shows_why_and_source_in_training(engine: Engine, flowset: FlowSet) -> None:
    checked = 0
    for flow in flowset.flows.values():
        for state in flow.states.values():
            trained = engine.current(at(flowset, flow.id, state.id, training=True))
            plain = engine.current(at(flowset, flow.id, state.id, training=False))
            assert "Why: " not in plain.text, (flow.id, state.id)
            # issue 13: review notes are for trainers only
            note = [f"{engine.ui('review_flag')} {state.review_note}"] if state.review_note else []
            if state.review_note:
                assert state.review_note not in plain.text, (flow.id, state.id)
            if state.why is None:
                assert trained.text == "\n\n".join([plain.text, *note])
                continue
            source = flow.source(state.why.source)
            assert source is not None, f"{flow.id}/{state.id} cites unknown source {state.why.source}"
            why = f"Why: {expand(state.why.text, flowset.signposts)} (Source: {source.title})"
            assert trained.text == "\n\n".join([plain.text, *note, why]), (flow.id, state.id)
            message = "\n".join([trained.text, *signpost_lines([flowset.signposts[s.id] for s in trained.signposts])])
            assert len(message) <= TELEGRAM_MAX, f"{flow.id}/{state.id}: training text too long for Telegram"
            checked += 1
    assert checked >= len(flowset.flows), "every flow should explain at least one step"


def test_training_shows_drafts_too(engine: Engine, flowset: FlowSet) -> None:
    trainee = engine.new_session(training=True)
    assert {f.id for f in engine.visible_flows(trainee)} == set(flowset.flows)


def first_path(engine: Engine, session: Session, flow_id: str) -> list[str]:
    """Walk a flow by typing the first answer's label each time; return what was typed."""
    typed: list[str] = []
    turn = engine.start(session, flow_id)
    while turn.outcome is None:
        assert len(typed) < 200, f"{flow_id}: no outcome reached"
        flow = engine.flowset.flows[flow_id]
        state = flow.states[turn.state]
        if isinstance(state, Checklist):
            line = state.items[0].label if not turn.selected else state.done_label or engine.flowset.ui["done_label"]
        elif isinstance(state, Info):
            line = state.continue_label or engine.flowset.ui["continue_label"]
        else:
            assert isinstance(state, Question)
            line = state.options[-1].label
        typed.append(line)
        turn = engine.handle_text(session, line)
        assert turn.error is None, (flow_id, turn.state, line)
    return typed


def test_training_runs_are_flagged_in_every_event(flowset: FlowSet) -> None:
    events: list[FlowEvent] = []
    engine = Engine(flowset, listeners=[events.append])
    for flow_id in flowset.flows:
        trainee = engine.new_session(channel="terminal", training=True)
        typed = first_path(engine, trainee, flow_id)
        engine.emergency(trainee)
        engine.back(trainee)
        engine.abandon(trainee)
        run = [e for e in events if e.run_id == trainee.run_id]
        assert {e.kind for e in run} >= {"started", "step", "outcome", "emergency"}
        assert all(e.training for e in run), flow_id
        assert all(e.flow == flow_id for e in run)
        values = [str(v) for e in run for v in dataclasses.asdict(e).values()]
        assert not any(line in value for line in typed for value in values if len(line) > 8), \
            "events never hold what was typed"
        public = engine.new_session(channel="terminal", role="public")
        engine.start(public, flow_id)
        assert [e.training for e in events if e.run_id == public.run_id] == [False, False]


FIGURES_YAML = """\
figures:
  - id: channels
    title: How crimes were reported
    file: channels.csv
    source: Force presentation, slide 7
    notes: Counts per calendar year.
  - id: monthly
    title: Monthly work
    file: monthly.csv
    source: Force presentation, slide 9
"""


def write_figures(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "figures.yaml").write_text(FIGURES_YAML, encoding="utf-8")
    (folder / "channels.csv").write_text("channel,2020,2021\n101,143,135\n999,62,106\nE-Mail,44,20\n",
                                         encoding="utf-8")
    months = [f"M{n:02d}" for n in range(1, 18)]
    (folder / "monthly.csv").write_text(
        "measure," + ",".join(months) + "\nEngaged," + ",".join(str(n) for n in range(17))
        + "\nLiberated," + ",".join(str(n * 2) for n in range(17)) + "\n", encoding="utf-8")
    return folder


def test_figures_are_tables_that_name_their_source(tmp_path: Path) -> None:
    channels, monthly = load_figures(write_figures(tmp_path))
    text = channels.as_text()
    assert text.splitlines()[:2] == ["How crimes were reported", "Counts per calendar year."]
    assert "channel  2020  2021" in text
    assert "E-Mail     44    20" in text, "numbers are right-aligned"
    assert text.endswith("Source: Force presentation, slide 7")
    wide = monthly.as_text()
    assert "measure  Engaged  Liberated" in wide, "a table wider than tall is turned on its side"
    assert "M17           16         32" in wide


def test_a_long_figure_is_cut_to_one_telegram_message(tmp_path: Path) -> None:
    folder = write_figures(tmp_path)
    rows = "".join(f"Row {n} with a rather long description of the outcome,{n},{n}\n" for n in range(400))
    (folder / "channels.csv").write_text("outcome,2020,2021\n" + rows, encoding="utf-8")
    text = load_figures(folder)[0].as_text(TELEGRAM_MAX)
    assert len(text) <= TELEGRAM_MAX
    assert "more row(s): see channels.csv" in text
    assert text.endswith("Source: Force presentation, slide 7")


@pytest.mark.parametrize(("change", "message"), [
    (lambda f: (f / "figures.yaml").unlink(), "figures.yaml does not exist"),
    (lambda f: (f / "figures.yaml").write_text("figures: {a: 1}"), "expected a list of figures"),
    (lambda f: (f / "figures.yaml").write_text("- id: x\n  title: [unclosed"), "not valid YAML"),
    (lambda f: (f / "figures.yaml").write_text(FIGURES_YAML.replace("    source: Force presentation, slide 9\n", "")),
     "figure 2 has no 'source'"),
    (lambda f: (f / "figures.yaml").write_text(FIGURES_YAML.replace("notes:", "note:")), "unknown field(s) note"),
    (lambda f: (f / "figures.yaml").write_text(FIGURES_YAML.replace("monthly.csv", "../monthly.csv")),
     "must be a .csv file in"),
    (lambda f: (f / "monthly.csv").unlink(), "file 'monthly.csv' does not exist"),
    (lambda f: (f / "monthly.csv").write_text("\n\n"), "monthly.csv is empty"),
    (lambda f: (f / "figures.yaml").write_text(FIGURES_YAML.replace("id: monthly", "id: channels")),
     "figure id 'channels' is used twice"),
])
def test_figure_problems_say_what_and_how_to_fix(tmp_path: Path, change: object, message: str) -> None:
    folder = write_figures(tmp_path / "figures")
    change(folder)  # type: ignore[operator]
    with pytest.raises(FigureError, match="Fix: ") as caught:
        load_figures(folder)
    assert message in str(caught.value)
    assert figures_reply("", folder).startswith("The figures cannot be shown: ")


def test_figures_reply_lists_and_shows_by_number_or_id(tmp_path: Path) -> None:
    folder = write_figures(tmp_path)
    listing = figures_reply("", folder, command="/figures")
    assert "  1. How crimes were reported (channels)\n  2. Monthly work (monthly)" in listing
    assert "Show one with: /figures 1 (or /figures channels)." in listing
    assert figures_reply("2", folder) == figures_reply("MONTHLY", folder) == load_figures(folder)[1].as_text()
    assert figures_reply("1", folder, limit=TELEGRAM_MAX) == load_figures(folder)[0].as_text(TELEGRAM_MAX)
    assert figures_reply("9", folder).startswith("There is no figure '9'.\n\nFigures from")


def test_shipped_figures_load_fit_a_message_and_show_every_number() -> None:
    figures = load_figures(SHIPPED_FIGURES)
    assert len(figures) >= 3
    for figure in figures:
        text = figure.as_text(TELEGRAM_MAX)
        assert len(text) <= TELEGRAM_MAX
        assert f"Source: {figure.source}" in text
        assert "more row(s)" not in text, f"{figure.id} is cut short"
        for row in figure.rows:
            for cell in row[1:]:
                assert cell in text, (figure.id, cell)


def test_terminal_figures_command_in_training_mode(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    flow_id = next(iter(flowset.flows))
    env = {"REFERRAL_BOT_FIGURES": str(write_figures(tmp_path / "figures"))}
    result = run_cli("chat", "--training", flow_id, input="figures\nfigures 1\nfigure nope\nquit\n", env=env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Type figures for the presentation's tables." in out
    assert "Figures from the training presentation:\n  1. How crimes were reported (channels)" in out
    assert "channel  2020  2021\n-------  ----  ----\n101       143   135" in out
    assert "Source: Force presentation, slide 7" in out
    assert "There is no figure 'nope'." in out
    engine = Engine(flowset)
    first_line = engine.start(engine.new_session(training=True), flow_id).text.splitlines()[0]
    assert out.count(first_line) == 4, "each figures reply shows the current step again"


def test_figures_is_not_a_command_outside_training(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    flow_id = next(iter(flowset.flows))
    env = {"REFERRAL_BOT_FIGURES": str(write_figures(tmp_path / "figures"))}
    result = run_cli("chat", flow_id, input="figures\nquit\n", env=env)
    assert "Figures from the training presentation" not in result.stdout
    assert "Sorry, I did not understand that." in result.stdout
