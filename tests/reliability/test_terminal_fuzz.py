"""Fuzzing the terminal ``--json`` protocol through one real ``referral-bot chat --json`` process.

Hypothesis sends sequences of input lines (valid answers, numbers, commands in odd case and
spacing, right-to-left and zero-width marks, control characters, NUL, ANSI escapes, non-ASCII
digits, megabyte-long lines, invalid UTF-8 bytes) to a single long-running process. The
in-process engine on the same flows is the oracle: every input line must get exactly one JSON
line, equal to what the engine answers for the same line. Each turn's state must exist in its
flow, the oracle session's history must be a chain of real transitions, and at the end the
process exits 0 with an empty stderr and a statistics database that is intact and holds
exactly the engine's events, none twice. (Random input to the engine itself is covered by
``tests/test_paths.py``; this covers the process, its stdin decoding and its stats writer.)
"""

from __future__ import annotations

import io
import itertools
import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.engine import Engine, FlowEvent, Session
from bot.flows import Checklist, FlowSet, Outcome, load_flows
from tests.conftest import FLOWS, ROOT, cli_command
from tests.reliability.statsdb import check_stats_db

EXAMPLES = 300
READ_TIMEOUT = 20.0


class JsonChat:
    """A running ``referral-bot chat --json``: write a line, read the turn it answers with."""

    def __init__(self, flows: Path, db: Path, stderr: Path) -> None:
        env = {**os.environ, "REFERRAL_BOT_DB": str(db), "PYTHONIOENCODING": "utf-8"}
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self._stderr = stderr.open("wb")
        self.proc = subprocess.Popen(
            [*cli_command(), "chat", "--json", "--flows", str(flows)], cwd=ROOT, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
        )
        self._lines: queue.Queue[bytes] = queue.Queue()
        assert self.proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(b"")

    def turn(self) -> dict[str, Any]:
        """The next turn the process printed."""
        line = self._lines.get(timeout=READ_TIMEOUT)
        assert line.endswith(b"\n"), f"the process stopped or printed a partial line: {line[:200]!r}"
        parsed: dict[str, Any] = json.loads(line.decode("utf-8"))
        return parsed

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def pending(self) -> int:
        return self._lines.qsize()

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        self._reader.join(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        self._stderr.close()
        return code


def decoded_lines(data: bytes) -> list[str]:
    """How the process reads ``data``: UTF-8 with replacement, lines end at ``\\n`` only (POSIX stdin)."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="replace", newline="\n")
    return [line.rstrip("\r\n") for line in stream]


def vocabulary(flowset: FlowSet) -> list[str]:
    """Every option id and label of the shipped flows, the flow ids and the commands."""
    words = {"back", "restart", "menu", "emergency", "999", "help me", "done", "continue", "help", "quit"}
    for flow in flowset.flows.values():
        words.add(flow.id)
        words.add(flow.title)
        for state in flow.states.values():
            for option in getattr(state, "options", ()):
                words.update((option.id, option.label))
            for item in getattr(state, "items", ()):
                words.update((item.id, item.label))
    return sorted(words)


MARKS = ["\u202e", "\u202b", "\u200f", "\u200e", "\u2066", "\u200b", "\ufeff", "\x00", "\x1b[2J", "\x07",
         "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\t", "  "]
ODD_NUMBERS = ["0", "-1", "+1", "1.0", "01", "１", "٣", "²", "1e3", "99999999999999999999", "1 2"]


def hostile_lines(words: list[str]) -> st.SearchStrategy[str]:
    """One input line (never containing a newline): valid, mangled, or junk."""
    word = st.sampled_from(words)
    no_newlines = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
    return st.one_of(
        word,
        st.integers(1, 9).map(str),
        st.sampled_from(ODD_NUMBERS),
        st.tuples(st.sampled_from(MARKS), word, st.sampled_from(MARKS)).map("".join),
        word.map(str.upper),
        word.map(lambda w: f"  {w}\t "),
        st.text(no_newlines, max_size=40),
        st.tuples(st.sampled_from(["x", "9", "\u202e", "é", "🚨"]), st.integers(10_000, 1_000_000)).map(
            lambda pair: pair[0] * pair[1]),
    )


def raw_chunk() -> st.SearchStrategy[bytes]:
    """Raw bytes: invalid UTF-8, stray carriage returns, several lines at once."""
    return st.one_of(
        st.binary(max_size=60),
        st.sampled_from([b"\xff\xfe", b"\xc3", b"back\r\nback", b"1\r2", b"\xed\xa0\x80", b"\xe2\x80\xae1"]),
    )


def check_history(flowset: FlowSet, session: Session) -> None:
    """The session's state exists and its history is a chain of real transitions."""
    if session.flow is None:
        assert (session.state, session.history) == ("menu", [])
        return
    flow = flowset.flows[session.flow]
    assert session.state in flow.states
    chain = [state for state, _ in session.history] + [session.state]
    for before, after in itertools.pairwise(chain):
        state = flow.states[before]
        if isinstance(state, Outcome):
            raise AssertionError(f"history passes through the outcome {before}")
        targets = set(state.targets())
        assert after in targets, f"{before} -> {after} is not a transition of {flow.id}"
    current = flow.states[session.state]
    assert set(session.selected) <= {i.id for i in getattr(current, "items", ())}


def check_turn(flowset: FlowSet, turn: dict[str, Any]) -> None:
    """A turn's shape and state are sound."""
    keys = ["flow", "state", "text", "options", "signposts", "outcome", "terms"]
    extra = [k for k in turn if k not in keys]
    assert list(turn)[:7] == keys
    assert set(extra) <= {"selected", "error"}
    if turn["flow"] is None:
        assert turn["state"] in ("menu", "emergency")
    elif turn["state"] != "emergency":
        state = flowset.flows[turn["flow"]].states[turn["state"]]
        assert ("selected" in turn) == isinstance(state, Checklist)
        assert (turn["outcome"] is not None) == isinstance(state, Outcome)
    assert turn["options"] or turn["outcome"] is not None


@pytest.mark.parametrize("which", ["fixture flows", "shipped flows"])
def test_hostile_input_to_the_json_protocol(which: str, demo_dir: Path, tmp_path: Path) -> None:
    flows = demo_dir if which == "fixture flows" else FLOWS
    flowset = load_flows(flows)
    events: list[FlowEvent] = []
    oracle = Engine(flowset, listeners=[events.append])
    session = oracle.new_session(channel="terminal")
    chat = JsonChat(flows, tmp_path / "stats.db", tmp_path / "stderr.log")
    lines_sent = longest = 0
    try:
        first = chat.turn()
        assert first == json.loads(json.dumps(oracle.current(session).protocol(), ensure_ascii=False))
        words = vocabulary(flowset)

        @example(None, [b"9" * 50_000 + b"\n", b"\xff\xfe\n", ("\u202e" * 300_000 + "back\n").encode()])
        @example(sorted(flowset.flows)[0], ["\x00\x1b[2J\u200f1\n".encode(), "\u202e2\u202c\n".encode(),
                                            b"  EMERGENCY \t\n", b"back\n"])
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.one_of(st.none(), st.sampled_from(sorted(flowset.flows))),
               st.lists(st.one_of(hostile_lines(words).map(lambda s: s.encode("utf-8") + b"\n"),
                                  raw_chunk().map(lambda b: b + b"\n")), min_size=1, max_size=12))
        def conversation(start: str | None, chunks: list[bytes]) -> None:
            nonlocal lines_sent, longest
            # Each example begins at the menu (and maybe in a flow), on both sides alike.
            opening = ["menu"] if start is None else ["menu", start]
            for chunk in [(line + "\n").encode() for line in opening] + chunks:
                chat.send(chunk)
                for line in decoded_lines(chunk):
                    lines_sent += 1
                    longest = max(longest, len(line))
                    got = chat.turn()
                    expected = json.loads(json.dumps(oracle.handle_text(session, line).protocol(),
                                                     ensure_ascii=False))
                    assert got == expected, f"line {line[:80]!r}"
                    check_turn(flowset, got)
                    check_history(flowset, session)
                assert chat.pending() == 0, "more answers than input lines"

        conversation()
    finally:
        code = chat.close()
    oracle.abandon(session)
    stderr = (tmp_path / "stderr.log").read_text(encoding="utf-8", errors="replace")
    assert (code, stderr) == (0, "")
    assert lines_sent >= EXAMPLES
    assert longest >= 50_000
    print(f"terminal fuzz: {lines_sent} lines, longest {longest} characters")  # figures for docs/reliability.md
    rows = check_stats_db(tmp_path / "stats.db")
    stored = [(r["kind"], r["flow"], r["state"], r["step"], r["outcome"], r["channel"]) for r in rows]
    emitted = [(e.kind, e.flow, e.state, e.step, e.outcome, e.channel) for e in events]
    assert stored == emitted
    pairs = {(row["run_id"], event.run_id) for row, event in zip(rows, events, strict=True)}
    assert len(pairs) == len({p for p, _ in pairs}) == len({e for _, e in pairs}), "runs mixed up"
