"""Flow diagrams, drawn by transitions' ``GraphMachine`` from the machine the engine runs.

Every diagram starts from :func:`bot.engine.machine_config` (the same states, transitions
and initial state the engine compiles), so a diagram can never disagree with what users
see. Diagrams are built on demand only: nothing here runs while the bot guides people.

Mermaid needs nothing beyond transitions. DOT needs the ``graphviz`` Python package
(the ``diagrams`` extra); SVG and PNG also need Graphviz's ``dot`` program (the Debian
``graphviz`` package). When either is missing, :class:`GraphvizUnavailable` says how to
install it.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import shutil
from collections import Counter
from pathlib import Path
from typing import Any, Literal

from transitions import State
from transitions.extensions.diagrams import GraphMachine

from bot.engine import machine_config
from bot.flows.model import Flow, FlowSet

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "INSTALL_GRAPHVIZ",
    "REFRESH_COMMAND",
    "Format",
    "GraphvizUnavailable",
    "diagram",
    "diagram_dot",
    "diagram_mermaid",
    "diagram_png",
    "diagram_svg",
    "diagrams_dir",
    "graphviz_available",
    "stale_diagrams",
    "write_diagrams",
]

Format = Literal["mermaid", "dot", "svg", "png"]
FORMATS: tuple[Format, ...] = ("mermaid", "dot", "svg", "png")
EXTENSIONS: dict[Format, str] = {"mermaid": "mmd", "dot": "dot", "svg": "svg", "png": "png"}

REFRESH_COMMAND = "referral-bot diagram --all"
INSTALL_GRAPHVIZ = (
    "Graphviz's 'dot' program is not installed, so SVG and PNG diagrams cannot be drawn. "
    "Fix: apt-get install graphviz (macOS: brew install graphviz), or use --format mermaid."
)
INSTALL_PYTHON_GRAPHVIZ = (
    "the 'graphviz' Python package is not installed, so DOT, SVG and PNG diagrams cannot be "
    "made. Fix: pip install 'referral-guide[diagrams]', or use --format mermaid."
)

LABEL_LIMIT = 40
ASPECT = 1.5  # the width:height a diagram should have
LR_WIDTH, TB_WIDTH = 5.5, 2.8  # measured width:height per (depth/breadth) for each direction
# State ids that Mermaid's stateDiagram grammar reads as keywords (checked with Mermaid 11).
MERMAID_KEYWORDS = frozenset({
    "accdescr", "acctitle", "class", "classdef", "click", "default", "direction", "end",
    "hide", "href", "note", "scale", "state", "statediagram", "style",
})
FONT = "Helvetica,Arial,sans-serif"
PNG_DPI = "144"  # sharp on a projector; Telegram shows it scaled down on phones


class GraphvizUnavailable(RuntimeError):
    """Graphviz (the ``dot`` program or the ``graphviz`` Python package) is not installed."""


class _LabelledState(State):
    """A transitions state that carries a diagram label (markup exports ``label``)."""

    def __init__(self, name: str, label: str | None = None, **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.label = label


_STYLES: dict[str, Any] = copy.deepcopy(GraphMachine.style_attributes)
_STYLES["node"]["outcome"] = {
    "style": "rounded,filled,bold",
    "fillcolor": "#dff0d8",
    "color": "#1e5631",
    "peripheries": "1",
}


class _FlowGraphMachine(GraphMachine):
    """GraphMachine with labelled states and a style for outcomes."""

    state_cls = _LabelledState
    style_attributes = _STYLES


class _Position:
    """A throwaway model: it sits at the highlighted state while one diagram is drawn."""

    state: str


def graphviz_available() -> bool:
    """True when SVG and PNG can be drawn: the Python package and the ``dot`` program exist."""
    return importlib.util.find_spec("graphviz") is not None and shutil.which("dot") is not None


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1].rstrip() + "…"


def _mermaid_safe(text: str) -> str:
    """Text that cannot end a Mermaid statement early or open a block, note or entity."""
    table = str.maketrans({'"': "'", ";": ",", "#": "No.", "{": "(", "}": ")",
                           "<": "‹", ">": "›", "%": " percent", "\\": "/", "`": "'"})
    return text.translate(table)


def _dot_safe(text: str) -> str:
    """Text without backslashes, which Graphviz reads as escapes (``\\l``, ``\\n``)."""
    return text.replace("\\", "/")


def _state_label(flow: Flow, state_id: str) -> str:
    state = flow.states[state_id]
    parts: list[str] = [state.kind]
    if state_id == flow.start:
        parts.append("start")
    return f"{state_id} ({', '.join(parts)})"


def _edge_labels(flow: Flow) -> dict[tuple[str, str, int], str]:
    """Labels by (source, trigger, n-th transition of that trigger from the source)."""
    return {(state.id, trigger, n): _short(label)
            for state in flow.states.values() for trigger, n, label in state.edge_labels()}


def _mermaid_names(flow: Flow) -> dict[str, str]:
    """Node names for Mermaid: a state id that is a Mermaid keyword gets a suffix."""
    names: dict[str, str] = {}
    taken = set(flow.states)
    for state_id in flow.states:
        name = state_id
        if name in MERMAID_KEYWORDS:
            name += "_state"
            while name in taken:
                name += "_"
            taken.add(name)
        names[state_id] = name
    return names


def _config(flow: Flow, safe: Any, names: dict[str, str]) -> dict[str, Any]:
    """The engine's machine configuration, with diagram labels added (and nodes renamed)."""
    config = machine_config(flow, with_conditions=False)
    for state in config["states"]:
        state["label"] = safe(_state_label(flow, state["name"]))
        state["name"] = names[state["name"]]
    config["initial"] = names[config["initial"]]
    labels = _edge_labels(flow)
    seen: dict[tuple[str, str], int] = {}
    for transition in config["transitions"]:
        key = (transition["source"], transition["trigger"])
        count = seen.get(key, 0)
        seen[key] = count + 1
        label = labels.get((*key, count))
        if label:
            transition["label"] = safe(label)
        transition["source"], transition["dest"] = names[key[0]], names[transition["dest"]]
    return config


def _direction(flow: Flow) -> str:
    """``TB`` or ``LR``: whichever should give a picture nearer 3:2 (projectors, pages).

    Estimated from the flow's shape (steps from the start, and the most states that are
    equally far from it), so every format and every run gets the same direction.
    """
    level = {flow.start: 0}
    queue = [flow.start]
    while queue:
        current = queue.pop(0)
        for target in flow.states[current].targets():
            if target in flow.states and target not in level:
                level[target] = level[current] + 1
                queue.append(target)
    depth = max(level.values()) + 1
    breadth = max(Counter(level.values()).values())
    wide, tall = depth * LR_WIDTH / breadth, breadth * TB_WIDTH / depth
    return "TB" if abs(math.log(tall / ASPECT)) < abs(math.log(wide / ASPECT)) else "LR"


def _title(flow: Flow) -> str:
    return f"{flow.title} ({flow.id}, version {flow.version})"


def _check_highlight(flow: Flow, highlight: str | None) -> None:
    if highlight is not None and highlight not in flow.states:
        known = ", ".join(flow.states)
        raise ValueError(f"'{highlight}' is not a state of flow '{flow.id}'. Use one of: {known}.")


def _graph(flow: Flow, engine: Literal["mermaid", "graphviz"], highlight: str | None) -> Any:
    """The transitions graph object of a flow, with outcomes styled and ``highlight`` active."""
    _check_highlight(flow, highlight)
    if engine == "graphviz" and importlib.util.find_spec("graphviz") is None:
        raise GraphvizUnavailable(INSTALL_PYTHON_GRAPHVIZ)
    safe = _mermaid_safe if engine == "mermaid" else _dot_safe
    names = _mermaid_names(flow) if engine == "mermaid" else {state: state for state in flow.states}
    machine = _FlowGraphMachine(
        model=None, graph_engine=engine, auto_transitions=False, show_conditions=True,
        title=_title(flow), **_config(flow, safe, names),
    )
    machine.machine_attributes = {**machine.machine_attributes, "rankdir": _direction(flow)}
    outcomes = [names[state.id] for state in flow.states.values() if state.final]
    if highlight is not None:
        highlight = names[highlight]
    # Mermaid front matter is YAML: a JSON string is a valid YAML scalar.
    mermaid_title = "title: " + json.dumps(_title(flow), ensure_ascii=False)
    title = mermaid_title if engine == "mermaid" else _dot_safe(_title(flow))
    drawn: Any
    if highlight is None or "get_graph" in machine.events:
        # No model needed; and a model cannot take an option called get_graph as a trigger.
        graph = machine.graph_cls(machine)
        for outcome in outcomes:
            graph.set_node_style(outcome, "outcome")
        if highlight is not None:
            graph.set_node_style(highlight, "active")
        drawn = graph.get_graph(title=title)
    else:
        position = _Position()
        machine.add_model(position, initial=highlight)  # GraphMachine marks its state active
        try:
            graph = machine.model_graphs[id(position)]
            for outcome in outcomes:
                if outcome != highlight:
                    graph.set_node_style(outcome, "outcome")
            drawn = position.get_graph(title=title)  # type: ignore[attr-defined]
        finally:
            machine.remove_model(position)
    if engine == "graphviz":
        drawn.graph_attr.update(labelloc="t", fontsize="18", fontname=FONT)
        drawn.node_attr["fontname"] = FONT
        drawn.edge_attr.update(fontname=FONT, fontsize="11")
    return drawn


def diagram_mermaid(flow: Flow, highlight: str | None = None) -> str:
    """The flow as a Mermaid ``stateDiagram-v2``; ``highlight`` marks one state as active.

    Raises:
        ValueError: ``highlight`` is not a state of the flow.
    """
    source: str = _graph(flow, "mermaid", highlight).source
    return "\n".join(line.rstrip() for line in source.splitlines()) + "\n"


def diagram_dot(flow: Flow, highlight: str | None = None) -> str:
    """The flow as Graphviz DOT source (needs the Python package, not the ``dot`` program).

    Raises:
        GraphvizUnavailable: the ``graphviz`` Python package is missing.
        ValueError: ``highlight`` is not a state of the flow.
    """
    source: str = _graph(flow, "graphviz", highlight).source
    return source


def _render(flow: Flow, highlight: str | None, fmt: str, link_prefix: str | None = None) -> bytes:
    graph = _graph(flow, "graphviz", highlight)
    if shutil.which("dot") is None:
        raise GraphvizUnavailable(INSTALL_GRAPHVIZ)
    if link_prefix is not None:
        for state in flow.states.values():
            graph.node(state.id, href=f"{link_prefix}{state.id}", tooltip=f"Read '{state.id}'")
    if fmt == "png":
        graph.graph_attr["dpi"] = PNG_DPI
    import graphviz

    try:
        data: bytes = graph.pipe(format=fmt)
    except graphviz.ExecutableNotFound as exc:
        raise GraphvizUnavailable(INSTALL_GRAPHVIZ) from exc
    return data


def diagram_svg(flow: Flow, highlight: str | None = None, *, link_prefix: str | None = None) -> str:
    """The flow drawn as an SVG document by Graphviz.

    Args:
        flow: the flow to draw.
        highlight: a state to mark as active, or None.
        link_prefix: when given, each state links to ``link_prefix + state_id``
            (the handbook uses ``#state-``).

    Raises:
        GraphvizUnavailable: Graphviz is not installed.
        ValueError: ``highlight`` is not a state of the flow.
    """
    return _render(flow, highlight, "svg", link_prefix).decode("utf-8")


def diagram_png(flow: Flow, highlight: str | None = None) -> bytes:
    """The flow drawn as a PNG image by Graphviz (144 dpi).

    Raises:
        GraphvizUnavailable: Graphviz is not installed.
        ValueError: ``highlight`` is not a state of the flow.
    """
    return _render(flow, highlight, "png")


def diagram(flow: Flow, fmt: Format, highlight: str | None = None) -> str | bytes:
    """The flow in any of :data:`FORMATS`: text for mermaid, dot and svg, bytes for png."""
    if fmt == "mermaid":
        return diagram_mermaid(flow, highlight)
    if fmt == "dot":
        return diagram_dot(flow, highlight)
    if fmt == "svg":
        return diagram_svg(flow, highlight)
    if fmt == "png":
        return diagram_png(flow, highlight)
    raise ValueError(f"unknown diagram format '{fmt}'. Use one of: {', '.join(FORMATS)}.")


# -- committed diagrams -------------------------------------------------------------------------


def diagrams_dir(flowset: FlowSet) -> Path:
    """Where the committed Mermaid diagrams live: ``diagrams/`` in the flows folder."""
    return Path(flowset.folder) / "diagrams"


def _generated(path: Path) -> bool:
    """True for a file this module wrote (so it may be replaced or removed)."""
    try:
        return "stateDiagram-v2" in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def write_diagrams(flowset: FlowSet, folder: Path, fmt: Format = "mermaid") -> tuple[list[Path], list[Path]]:
    """Write ``<flow_id>.<ext>`` for every flow; return (files changed, stale files removed).

    Files whose content is already right are left alone. In Mermaid format, generated
    ``.mmd`` files of flows that no longer exist are removed.

    Raises:
        GraphvizUnavailable: ``fmt`` needs Graphviz and it is not installed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for flow in flowset.flows.values():
        content = diagram(flow, fmt)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path = folder / f"{flow.id}.{EXTENSIONS[fmt]}"
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            written.append(path)
    removed: list[Path] = []
    if fmt == "mermaid":
        for path in sorted(folder.glob("*.mmd")):
            if path.stem not in flowset.flows and _generated(path):
                path.unlink()
                removed.append(path)
    return written, removed


def stale_diagrams(flowset: FlowSet, folder: Path | None = None) -> list[str]:
    """One line per committed Mermaid diagram that is missing, out of date or orphaned."""
    folder = folder or diagrams_dir(flowset)
    problems: list[str] = []
    for flow in flowset.flows.values():
        path = folder / f"{flow.id}.mmd"
        if not path.is_file():
            problems.append(f"{path}: missing (flow '{flow.id}' has no committed diagram).")
        elif path.read_text(encoding="utf-8") != diagram_mermaid(flow):
            problems.append(f"{path}: out of date (flow '{flow.id}' changed since it was drawn).")
    for path in sorted(folder.glob("*.mmd")):
        if path.stem not in flowset.flows:
            problems.append(f"{path}: no flow '{path.stem}' exists any more.")
    return problems
