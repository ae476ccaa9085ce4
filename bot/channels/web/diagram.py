"""The trainer view's diagram: the same machine as ``referral-bot diagram``, drawn as inline SVG."""

from __future__ import annotations

import re

from markupsafe import Markup

from bot.diagrams import GraphvizUnavailable, diagram_svg
from bot.flows.model import Flow

__all__ = ["NO_DIAGRAM", "inline_diagram"]

NO_DIAGRAM = ("The diagram cannot be drawn here because Graphviz is not installed on the server "
              "(apt-get install graphviz). 'referral-bot diagram' draws it as Mermaid.")


_CACHE: dict[tuple[str, str, str, str], Markup | None] = {}
_CACHE_SIZE = 512


def _svg(flow: Flow, state_id: str) -> Markup | None:
    try:
        svg = diagram_svg(flow, highlight=state_id)
    except GraphvizUnavailable:
        return None
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    # Scaled by the stylesheet, not by fixed point sizes; described for screen readers.
    svg = re.sub(r'<svg\s+width="[^"]*"\s+height="[^"]*"', "<svg", svg, count=1)
    label = f"Diagram of {flow.title}; the current step, {state_id}, is highlighted."
    label = label.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    svg = svg.strip().replace("<svg", f'<svg role="img" aria-label="{label}" focusable="false"', 1)
    return Markup(svg)  # noqa: S704 - Graphviz's own SVG; every label in it is escaped by Graphviz


def inline_diagram(flow: Flow, state_id: str) -> Markup | None:
    """The flow's diagram with ``state_id`` highlighted, as inline SVG (None without Graphviz).

    Drawn once per flow version and step, then kept (Graphviz takes tens of milliseconds).
    """
    key = (flow.id, flow.version, flow.language, state_id)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = _svg(flow, state_id)
    return _CACHE[key]
