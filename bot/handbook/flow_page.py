"""One handbook page per flow: metadata, sources, diagram, every step, outcomes and demo paths."""

from __future__ import annotations

import functools
import re
from datetime import date

from bot.diagrams import GraphvizUnavailable, diagram_mermaid, diagram_svg
from bot.flows.kinds import Checklist, ChecklistRule, Info, Outcome
from bot.flows.model import Flow, FlowSet, State
from bot.flows.text import expand
from bot.handbook.demos import DemoPath
from bot.handbook.markup import Switch, esc, external_link, page, paragraphs, signpost_item

__all__ = ["flow_file", "leads", "render_flow", "state_anchor"]


def flow_file(flow_id: str) -> str:
    """The file name of a flow's page."""
    return f"{flow_id}.html"


def state_anchor(state_id: str) -> str:
    """The in-page anchor of a step."""
    return f"state-{state_id}"


def _to(state_id: str) -> str:
    return f'<a href="#{state_anchor(state_id)}"><code>{esc(state_id)}</code></a>'


def inline_svg(svg: str) -> str:
    """Graphviz SVG made fit for inlining in HTML: no XML prolog, doctype, comments or xmlns."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<!--.*?-->", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\s+xmlns(?::xlink)?="[^"]*"', "", svg)
    return svg.strip()


def _diagram(flow: Flow) -> str:
    try:
        svg = inline_svg(diagram_svg(flow, link_prefix=f"#{state_anchor('')}"))
    except GraphvizUnavailable:
        source = diagram_mermaid(flow)
        return (
            '<figure class="diagram mermaid">'
            f'<pre class="mermaid-source">{esc(source)}</pre>'
            "<figcaption>Mermaid source (Graphviz was not installed when this handbook was made). "
            "Paste it into any Mermaid viewer, or install Graphviz and run "
            "<code>referral-bot handbook</code> again.</figcaption></figure>"
        )
    return (
        f'<figure class="diagram">{svg}<figcaption>Green boxes are outcomes. Select a box to read '
        f"that step. For slides: <code>referral-bot diagram {esc(flow.id)} -o {esc(flow.id)}.png"
        "</code>.</figcaption></figure>"
    )


def _meta(flow: Flow, today: date) -> str:
    due = esc(flow.review_due.isoformat())
    if flow.review_due < today:
        due = f'<span class="overdue">{due} (overdue)</span>'
    status = esc(flow.status) if flow.status == "published" else f'<span class="badge draft">{esc(flow.status)}</span>'
    rows = [
        ("Flow id", f"<code>{esc(flow.id)}</code>"),
        ("Title", esc(flow.title)),
        ("Version", esc(flow.version)),
        ("Status", status),
        ("Audience", esc(", ".join(flow.audience))),
        ("Owner", esc(flow.owner)),
        ("Reviewed on", esc(flow.reviewed_on.isoformat())),
        ("Review due", due),
        ("Try it", f"<code>referral-bot chat --training {esc(flow.id)}</code> · in Telegram "
                   f"<code>/start {esc(flow.id)}</code>"),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _sources(flow: Flow) -> str:
    items = "".join(
        f'<li id="source-{esc(s.id)}"><strong>{esc(s.id)}</strong> {external_link(s.url, s.title)}</li>'
        for s in flow.sources
    )
    return f"<h2 id=\"sources\">Sources</h2><ul>{items}</ul>"


def _rule_text(rule: ChecklistRule) -> str:
    parts = []
    if rule.if_any:
        parts.append("any of " + ", ".join(f"<code>{esc(i)}</code>" for i in rule.if_any))
    if rule.if_all:
        parts.append("all of " + ", ".join(f"<code>{esc(i)}</code>" for i in rule.if_all))
    if rule.if_count_at_least is not None:
        parts.append(f"at least {rule.if_count_at_least} ticked")
    return "If " + " and ".join(parts) if parts else "Otherwise"


@functools.singledispatch
def leads(state: State, flowset: FlowSet) -> str:
    """Where a step leads, as HTML. Any kind gets a table of its answers and where each goes
    (from its transitions); a kind registers its own renderer with ``@leads.register``."""
    targets: dict[str, list[str]] = {}
    for transition in state.transitions(with_conditions=False):
        targets.setdefault(transition["trigger"], []).append(transition["dest"])
    rows = "".join(
        f"<tr><td>{esc(label)}</td><td><code>{esc(option_id)}</code></td>"
        f"<td>{', '.join(_to(t) for t in targets.get(option_id, []))}</td></tr>"
        for option_id, label, _ in state.buttons()
    )
    return f"<table><tr><th>Answer</th><th>Id</th><th>Leads to</th></tr>{rows}</table>"


@leads.register
def _checklist(state: Checklist, flowset: FlowSet) -> str:
    items = "".join(f"<li>{esc(i.label)} <code>{esc(i.id)}</code></li>" for i in state.items)
    rules = "".join(f"<li>{_rule_text(r)} → {_to(r.next)}</li>" for r in state.rules)
    return (f"<p>Tick any that apply, then <strong>{esc(state.done_label)}</strong>:</p><ul>{items}</ul>"
            f"<p>The first rule that matches decides:</p><ol>{rules}</ol>")


@leads.register
def _info(state: Info, flowset: FlowSet) -> str:
    return f"<p><strong>{esc(state.continue_label)}</strong> → {_to(state.next)}</p>"


@leads.register
def _outcome(state: Outcome, flowset: FlowSet) -> str:
    signposts = "".join(signpost_item(flowset.signposts[s]) for s in state.signposts if s in flowset.signposts)
    html = f'<h4>Services</h4><ul class="signposts">{signposts}</ul>'
    if state.next_flows:
        links = ", ".join(
            f'<a href="{flow_file(f)}">{esc(flowset.flows[f].title if f in flowset.flows else f)}</a>'
            for f in state.next_flows
        )
        html += f"<p>Suggested next: {links}</p>"
    return html


def _state(flowset: FlowSet, flow: Flow, state: State, sources: dict[str, list[str]]) -> str:
    kind = state.kind
    start = ' <span class="badge">start</span>' if state.id == flow.start else ""
    html = [f'<section class="state {kind}" id="{state_anchor(state.id)}">',
            f'<h3><code>{esc(state.id)}</code> <span class="badge {kind}">{esc(state.kind)}</span>{start}</h3>',
            paragraphs(expand(state.text, flowset.signposts))]
    if state.review_note:
        html.append(f'<p class="review">{esc(flowset.ui.get("review_flag", "Check before relying on this:"))} '
                    f"{esc(state.review_note)}</p>")
    if state.why is not None:
        source = flow.source(state.why.source)
        cited = f' (Source: <a href="#source-{esc(source.id)}">{esc(source.id)}</a>, ' \
                f"{external_link(source.url, source.title)})" if source else ""
        html.append(f'<div class="why"><strong>Why:</strong> {esc(expand(state.why.text, flowset.signposts))}'
                    f"{cited}</div>")
    html.append(leads(state, flowset))
    if sources.get(state.id):
        html.append('<p class="from">Reached from: ' + ", ".join(_to(s) for s in sources[state.id]) + "</p>")
    html.append("</section>")
    return "\n".join(html)


def _demo(path: DemoPath) -> str:
    steps = "".join(
        f"<li>at {_to(step.state)}: <strong>{esc(step.answer)}</strong></li>" for step in path.steps
    )
    says = "".join(f"<li>{esc(s)}</li>" for s in path.says)
    check = f"<p>The outcome mentions:</p><ul>{says}</ul>" if says else ""
    problems = "".join(f"<li>{esc(f)}</li>" for f in path.failures)
    broken = "" if path.ok else f'<div class="missing"><p>This demo path needs fixing:</p><ul>{problems}</ul></div>'
    audience = f" <span class=\"from\">({esc(path.audience)})</span>" if path.audience else ""
    return (f'<div class="demo"><p><strong>{esc(path.title)}</strong>{audience}</p>'
            f'<ol class="path">{steps}</ol>{check}{broken}'
            f"<pre>{esc(path.command)}</pre></div>")


def _demos(flow: Flow, demos: dict[str, list[DemoPath]]) -> str:
    html = ['<h2 id="demo-paths">Demo paths for trainers</h2>',
            "<p>Each outcome with the scripted stories that reach it. Type the answers in the chat, or "
            "paste the command into a terminal.</p>"]
    for outcome in flow.outcomes():
        paths = demos.get(outcome.id, [])
        html.append(f'<section class="outcome-demos" id="demo-{esc(outcome.id)}"><h3>Outcome {_to(outcome.id)}</h3>')
        if paths:
            html += [_demo(p) for p in paths]
        else:
            html.append('<p class="missing">No demo path yet: add a story that ends here.</p>')
        html.append("</section>")
    return "\n".join(html)


def render_flow(flowset: FlowSet, flow: Flow, demos: dict[str, list[DemoPath]], *, today: date,
                generated: str, switch: Switch | None = None) -> str:
    """The complete HTML page of one flow."""
    sources: dict[str, list[str]] = {}
    for state in flow.states.values():
        for target in dict.fromkeys(state.targets()):
            sources.setdefault(target, []).append(state.id)
    toc = "".join(f'<li><a href="#{state_anchor(s)}">{esc(s)}</a></li>' for s in flow.states)
    notice = ""
    if flow.language != flowset.language:  # issue 15: in English, said in the handbook's language
        notice = f'<p class="review" lang="{esc(flowset.language)}">{esc(flowset.ui.get("not_translated", ""))}</p>'
    body = [
        notice,
        f"<h1>{esc(flow.title)}</h1>",
        f'<p class="lead">{esc(flow.description)}</p>' if flow.description else "",
        _meta(flow, today),
        _sources(flow),
        '<h2 id="diagram">Diagram</h2>',
        _diagram(flow),
        f'<nav class="toc"><h2>Steps</h2><ol>{toc}</ol></nav>',
        '<h2 id="steps">Every step</h2>',
        *(_state(flowset, flow, state, sources) for state in flow.states.values()),
        _demos(flow, demos),
    ]
    return page(flowset, f"{flow.title} · Referral Guide handbook", "\n".join(b for b in body if b),
                generated=generated, switch=switch, language=flow.language)
