"""Diagrams: drawn by transitions from the engine's own machine configuration, in every format."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bot.diagrams import (
    MERMAID_KEYWORDS,
    REFRESH_COMMAND,
    GraphvizUnavailable,
    diagram_dot,
    diagram_mermaid,
    diagram_png,
    diagram_svg,
    graphviz_available,
    stale_diagrams,
    write_diagrams,
)
from bot.engine import machine_config
from bot.flows import Checklist, Flow, FlowSet, load_flows
from tests.conftest import FLOWS, CliRunner

needs_dot = pytest.mark.skipif(
    not graphviz_available(),
    reason="Graphviz's dot program is not installed (apt-get install graphviz; scripts/setup --dev does it)",
)

ODD_FLOW = """\
id: odd_flow
title: Odd <b>flow</b> & "quotes"
version: "0.1"
status: draft
audience: [trainer]
owner: Test owner <script>alert(1)</script>
reviewed_on: 2026-01-01
review_due: 2099-01-01
sources:
  - id: S1
    title: A source with <angle> brackets & ampersand
    url: https://example.org/a?b=1&c=2
start: note
states:
  - id: note
    kind: question
    text: "Pick one <script>alert('x')</script> & go; # {curly}"
    why:
      text: Because <em>reasons</em>.
      source: S1
    options:
      - id: first
        label: 'First "quoted"; #1 {x} <y>'
        next: class
      - id: get_graph
        label: Second
        next: checks
  - id: class
    kind: info
    text: Info step.
    next: end_here
  - id: checks
    kind: checklist
    text: Tick.
    items:
      - id: a
        label: Item A
      - id: b
        label: Item B
    rules:
      - if_any: [a]
        next: end_here
      - if_count_at_least: 2
        next: other_end
      - next: other_end
  - id: end_here
    kind: outcome
    text: The end <b>bold</b>.
    signposts: [police_non_emergency]
  - id: other_end
    kind: outcome
    text: Another end.
    signposts: [crimestoppers]
"""


def odd_flowset(folder: Path) -> FlowSet:
    """A real flows folder (the shipped directory and interface texts) with one awkward flow."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("signposts.yaml", "ui.yaml"):
        shutil.copy(FLOWS / name, folder / name)
    (folder / "odd_flow.yaml").write_text(ODD_FLOW, encoding="utf-8")
    return load_flows(folder)


def every_flow(flowset: FlowSet) -> list[Flow]:
    return list(flowset.flows.values())


def node(state_id: str) -> str:
    """A state's Mermaid node name: ids that are Mermaid keywords get a suffix."""
    return f"{state_id}_state" if state_id in MERMAID_KEYWORDS else state_id


def test_mermaid_draws_every_state_and_transition_of_every_flow(flowset: FlowSet) -> None:
    for flow in every_flow(flowset):
        text = diagram_mermaid(flow)
        assert text.startswith("---\ntitle: " + json.dumps(flow.title)[:-1]), flow.id
        assert "stateDiagram-v2" in text
        assert f"[*] --> {node(flow.start)}" in text
        config = machine_config(flow, with_conditions=False)
        for state in config["states"]:
            name = state["name"]
            assert re.search(rf'^\s*state "{name} \(.*" as {node(name)}$', text, re.M), (flow.id, name)
            style = "s_outcome" if state["final"] else "s_default"
            assert re.search(rf"^\s*Class {node(name)} {style}$", text, re.M), (flow.id, name)
        for transition in config["transitions"]:
            edge = f"{node(transition['source'])} --> {node(transition['dest'])}: "
            assert edge in text, (flow.id, edge)
        assert "s_active" not in text.split("classDef s_previous")[1], "no state is active without --highlight"


def test_highlight_attaches_a_throwaway_model_and_marks_only_that_state(flowset: FlowSet) -> None:
    flow = every_flow(flowset)[0]
    for state_id in list(flow.states)[:4]:
        text = diagram_mermaid(flow, highlight=state_id)
        active = re.findall(r"^\s*Class (\S+) s_active$", text, re.M)
        assert active == [node(state_id)]
        dot = diagram_dot(flow, highlight=state_id)
        assert re.search(rf"^\s*{state_id} \[.*fillcolor=darksalmon", dot, re.M)
    assert "s_active" not in diagram_mermaid(flow).split("classDef s_previous")[1]


def test_highlight_of_an_unknown_state_names_the_real_states(flowset: FlowSet) -> None:
    flow = every_flow(flowset)[0]
    with pytest.raises(ValueError, match=rf"'nowhere' is not a state of flow '{flow.id}'.*{flow.start}"):
        diagram_mermaid(flow, highlight="nowhere")


def test_dot_labels_states_by_kind_options_by_label_and_rules_by_condition(tmp_path: Path) -> None:
    flow = odd_flowset(tmp_path / "flows").flows["odd_flow"]
    dot = diagram_dot(flow)
    assert 'note [label="note (question, start)' in dot
    assert re.search(r'end_here \[label="end_here \(outcome\)\\l".*fillcolor="#dff0d8"', dot)
    checklist = flow.states["checks"]
    assert isinstance(checklist, Checklist)
    assert "Done (rule 1) [ticked_a]" in dot
    assert "Done (rule 2) [ticked_at_least_2]" in dot
    assert "Done (otherwise)" in dot
    assert "Second" in dot


def test_mermaid_survives_keywords_as_state_ids_and_markup_in_labels(tmp_path: Path) -> None:
    flow = odd_flowset(tmp_path / "flows").flows["odd_flow"]
    text = diagram_mermaid(flow, highlight="class")  # an option called get_graph cannot break it
    assert {"note", "class"} <= MERMAID_KEYWORDS
    assert 'state "note (question, start)" as note_state' in text
    assert "Class class_state s_active" in text
    assert "[*] --> note_state" in text
    body = text.split("stateDiagram-v2", 1)[1]
    edge = next(line for line in body.splitlines() if line.strip().startswith("note_state --> class_state:"))
    label = edge.split(":", 1)[1]
    assert label.strip().startswith("First 'quoted', No.1 (x) ‹y›")
    assert not set(label) & set('";#{}<>')
    assert '"Odd <b>flow</b> & \\"quotes\\"' in text.splitlines()[1], "the title is a YAML string"


@needs_dot
def test_svg_and_png_are_real_images_with_links_and_highlight(flowset: FlowSet) -> None:
    flow = every_flow(flowset)[0]
    svg = diagram_svg(flow, highlight=flow.start, link_prefix="#state-")
    root = ET.fromstring(svg.encode("utf-8"))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    titles = {t.text for t in root.iterfind(".//svg:g[@class='node']/svg:title", ns)}
    assert titles == set(flow.states)
    for state_id in flow.states:
        assert f'href="#state-{state_id}"' in svg
    assert 'fill="darksalmon"' in svg
    for each in every_flow(flowset):
        png = diagram_png(each, highlight=each.start)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert width > 300
        assert height > 100
        assert width + height <= 10_000, f"{each.id}: Telegram refuses photos whose sides add up to over 10000"
        assert max(width / height, height / width) <= 20, f"{each.id}: Telegram refuses a ratio over 20"


def test_stale_check_passes_for_the_committed_diagrams(flowset: FlowSet) -> None:
    problems = stale_diagrams(flowset, FLOWS / "diagrams")
    assert problems == [], (
        "The committed Mermaid diagrams are stale:\n" + "\n".join(problems)
        + f"\nRefresh them with: {REFRESH_COMMAND}   (then commit flows/diagrams/)"
    )


def test_stale_check_finds_changed_missing_and_orphan_diagrams(flowset: FlowSet, tmp_path: Path) -> None:
    folder = tmp_path / "diagrams"
    written, removed = write_diagrams(flowset, folder)
    assert sorted(p.name for p in written) == sorted(f"{f}.mmd" for f in flowset.flows)
    assert removed == []
    assert stale_diagrams(flowset, folder) == []
    first, *rest = every_flow(flowset)
    (folder / f"{first.id}.mmd").write_text("stateDiagram-v2\n  old --> older\n", encoding="utf-8")
    (folder / "gone_flow.mmd").write_text("stateDiagram-v2\n", encoding="utf-8")
    if rest:
        (folder / f"{rest[0].id}.mmd").unlink()
    problems = "\n".join(stale_diagrams(flowset, folder))
    assert f"{first.id}.mmd: out of date" in problems
    assert "gone_flow.mmd: no flow 'gone_flow' exists" in problems
    if rest:
        assert f"{rest[0].id}.mmd: missing" in problems
    written, removed = write_diagrams(flowset, folder)
    assert [p.name for p in removed] == ["gone_flow.mmd"]
    assert stale_diagrams(flowset, folder) == []
    assert write_diagrams(flowset, folder) == ([], []), "up-to-date files are left alone"


def test_cli_prints_mermaid_and_dot_from_the_same_machine(run_cli: CliRunner, flowset: FlowSet) -> None:
    flow = every_flow(flowset)[0]
    result = run_cli("diagram", flow.id)
    assert result.returncode == 0, result.stderr
    assert result.stdout == diagram_mermaid(flow)
    state = list(flow.states)[1]
    result = run_cli("diagram", flow.id, "--format", "dot", "--highlight", state)
    assert result.returncode == 0, result.stderr
    assert result.stdout == diagram_dot(flow, highlight=state)


def test_cli_reports_bad_flow_and_state_without_traceback(run_cli: CliRunner, flowset: FlowSet) -> None:
    flow = every_flow(flowset)[0]
    result = run_cli("diagram", "no_such_flow")
    assert result.returncode == 2
    assert "unknown flow 'no_such_flow'. Known flows:" in result.stderr
    assert flow.id in result.stderr
    result = run_cli("diagram", flow.id, "--highlight", "nowhere")
    assert result.returncode == 2
    assert f"'nowhere' is not a state of '{flow.id}'. States: {flow.start}" in result.stderr
    result = run_cli("diagram")
    assert result.returncode == 2
    assert "--all" in result.stderr
    assert "Traceback" not in result.stderr


@needs_dot
def test_cli_writes_png_and_svg_files(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    flow = every_flow(flowset)[0]
    result = run_cli("diagram", flow.id, "-o", str(tmp_path / "slide.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "slide.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = run_cli("diagram", "--all", "--format", "svg", "-o", str(tmp_path / "svgs"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.stem for p in (tmp_path / "svgs").glob("*.svg")) == sorted(flowset.flows)


def test_cli_without_dot_says_to_install_graphviz(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    flow = every_flow(flowset)[0]
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {"PATH": str(empty)}
    if not os.access(Path(sys.executable).with_name("referral-bot"), os.X_OK):
        pytest.skip("needs the installed referral-bot console script")
    result = run_cli("diagram", flow.id, "-o", str(tmp_path / "x.png"), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "apt-get install graphviz" in lines[0]
    assert not (tmp_path / "x.png").exists()
    result = run_cli("diagram", flow.id, env=env)
    assert result.returncode == 0, "Mermaid needs no Graphviz"
    assert result.stdout == diagram_mermaid(flow)


def test_png_without_dot_raises_graphviz_unavailable(flowset: FlowSet, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizUnavailable, match="apt-get install graphviz"):
        diagram_png(every_flow(flowset)[0])


def test_cli_check_names_the_refresh_command(run_cli: CliRunner, flowset: FlowSet, tmp_path: Path) -> None:
    result = run_cli("diagram", "--check")
    assert result.returncode == 0, result.stdout
    assert f"OK: {len(flowset.flows)} diagram(s) up to date." in result.stdout
    result = run_cli("diagram", "--check", "-o", str(tmp_path))
    assert result.returncode == 1
    assert f"run '{REFRESH_COMMAND}'" in result.stdout
    result = run_cli("diagram", "--all", "-o", str(tmp_path))
    assert result.returncode == 0
    assert f"{len(flowset.flows)} diagram(s) written" in result.stdout
    assert run_cli("diagram", "--check", "-o", str(tmp_path)).returncode == 0
