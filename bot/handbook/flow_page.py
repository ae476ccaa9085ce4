"""One handbook page per flow: metadata, sources, diagram, every step, outcomes and demo paths."""

from __future__ import annotations

import functools
import re
from datetime import date

from bot.diagrams import GraphvizUnavailable, diagram_mermaid, diagram_svg
from bot.flows.i18n import BASE
from bot.flows.kinds import Checklist, ChecklistRule, Info, Outcome
from bot.flows.model import Flow, FlowSet, State
from bot.flows.text import expand
from bot.handbook.demos import DemoPath, DemoStep
from bot.handbook.markup import Switch, audience, esc, external_link, page, paragraphs, signpost_item
from bot.handbook.words import all_words, foreign, lang_attr, plain, say

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


def _diagram(flow: Flow, language: str) -> str:
    """The flow's diagram (its labels in the flow's language) with a caption in ``language``."""
    content = lang_attr(flow.language, language)
    try:
        svg = inline_svg(diagram_svg(flow, link_prefix=f"#{state_anchor('')}"))
    except GraphvizUnavailable:
        source = diagram_mermaid(flow)
        return (
            '<figure class="diagram mermaid">'
            f'<pre class="mermaid-source"{content}>{esc(source)}</pre>'
            f'<figcaption>{say(language, "mermaid_caption", command="<code>referral-bot handbook</code>")}'
            "</figcaption></figure>"
        )
    if content:
        svg = f"<div{content}>{svg}</div>"
    command = f"<code>referral-bot diagram {esc(flow.id)} -o {esc(flow.id)}.png</code>"
    return (f'<figure class="diagram">{svg}<figcaption>{say(language, "diagram_caption", command=command)}'
            "</figcaption></figure>")


def _meta(flowset: FlowSet, flow: Flow, today: date) -> str:
    language = flowset.language
    due = esc(flow.review_due.isoformat())
    if flow.review_due < today:
        due = f'<span class="overdue">{say(language, "overdue", date=due)}</span>'
    status = say(language, f"status_{flow.status}")
    if flow.status != "published":
        status = f'<span class="badge draft">{status}</span>'
    try_it = say(language, "try_it", chat=f"<code>referral-bot chat --training {esc(flow.id)}</code>",
                 start=f"<code>/start {esc(flow.id)}</code>")
    rows = [
        ("meta_id", f"<code>{esc(flow.id)}</code>"),
        ("meta_title", foreign(esc(flow.title), flow.language, language)),
        ("meta_version", esc(flow.version)),
        ("meta_status", status),
        ("meta_audience", audience(flowset, flow.audience)),
        ("meta_owner", foreign(esc(flow.owner), BASE, language)),
        ("meta_reviewed_on", esc(flow.reviewed_on.isoformat())),
        ("meta_review_due", due),
        ("meta_try", try_it),
    ]
    return '<dl class="meta">' + "".join(f"<dt>{say(language, k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"


def _sources(flow: Flow, language: str) -> str:
    """The flow's sources; their titles are citations, kept as published (English)."""
    title = lang_attr(BASE, language)
    items = "".join(
        f'<li id="source-{esc(s.id)}"><strong>{esc(s.id)}</strong> {external_link(s.url, s.title, title)}</li>'
        for s in flow.sources
    )
    return f"<h2 id=\"sources\">{say(language, 'sources')}</h2><ul>{items}</ul>"


def _rule_text(rule: ChecklistRule, language: str) -> str:
    parts = []
    if rule.if_any:
        parts.append(say(language, "rule_any", items=", ".join(f"<code>{esc(i)}</code>" for i in rule.if_any)))
    if rule.if_all:
        parts.append(say(language, "rule_all", items=", ".join(f"<code>{esc(i)}</code>" for i in rule.if_all)))
    if rule.if_count_at_least is not None:
        parts.append(say(language, "rule_at_least", count=str(rule.if_count_at_least)))
    if not parts:
        return say(language, "rule_otherwise")
    return say(language, "rule_if", rule=say(language, "rule_and").join(parts))


def _content(flowset: FlowSet, state: State) -> str:
    """The ``lang`` attribute for a step's own texts: its flow's language, when not the page's."""
    language = next((f.language for f in flowset.flows.values() if f.states.get(state.id) is state),
                    flowset.language)
    return lang_attr(language, flowset.language)


@functools.singledispatch
def leads(state: State, flowset: FlowSet) -> str:
    """Where a step leads, as HTML. Any kind gets a table of its answers and where each goes
    (from its transitions); a kind registers its own renderer with ``@leads.register``."""
    targets: dict[str, list[str]] = {}
    for transition in state.transitions(with_conditions=False):
        targets.setdefault(transition["trigger"], []).append(transition["dest"])
    rows = "".join(
        f"<tr><td{_content(flowset, state)}>{esc(label)}</td><td><code>{esc(option_id)}</code></td>"
        f"<td>{', '.join(_to(t) for t in targets.get(option_id, []))}</td></tr>"
        for option_id, label, _ in state.buttons()
    )
    head = "".join(f"<th>{say(flowset.language, k)}</th>" for k in ("answer", "answer_id", "leads_to"))
    return f"<table><tr>{head}</tr>{rows}</table>"


@leads.register
def _checklist(state: Checklist, flowset: FlowSet) -> str:
    language, content = flowset.language, _content(flowset, state)
    items = "".join(f"<li{content}>{esc(i.label)} <code>{esc(i.id)}</code></li>" for i in state.items)
    rules = "".join(f"<li>{_rule_text(r, language)} → {_to(r.next)}</li>" for r in state.rules)
    done = f"<strong{content}>{esc(state.done_label)}</strong>" if state.done_label \
        else f"<strong>{esc(flowset.ui.get('done_label', 'Done'))}</strong>"  # ui.yaml: the page's language
    return (f"<p>{say(language, 'tick_then', done=done)}</p><ul>{items}</ul>"
            f"<p>{say(language, 'first_rule')}</p><ol>{rules}</ol>")


@leads.register
def _info(state: Info, flowset: FlowSet) -> str:
    label = f"<strong{_content(flowset, state)}>{esc(state.continue_label)}</strong>" if state.continue_label \
        else f"<strong>{esc(flowset.ui.get('continue_label', 'Continue'))}</strong>"  # ui.yaml: the page's language
    return f"<p>{label} → {_to(state.next)}</p>"


@leads.register
def _outcome(state: Outcome, flowset: FlowSet) -> str:
    language = flowset.language
    signposts = "".join(signpost_item(flowset.signposts[s], language) for s in state.signposts
                        if s in flowset.signposts)
    html = f'<h4>{say(language, "services")}</h4><ul class="signposts">{signposts}</ul>'
    if state.next_flows:
        known = {f: flowset.flows[f] for f in state.next_flows if f in flowset.flows}
        links = ", ".join(
            f'<a href="{flow_file(f)}"{lang_attr(known[f].language, language)}>{esc(known[f].title)}</a>'
            if f in known else f'<a href="{flow_file(f)}">{esc(f)}</a>'
            for f in state.next_flows
        )
        html += f"<p>{say(language, 'suggested_next', flows=links)}</p>"
    return html


def _kind(kind: str, language: str) -> str:
    """A step kind's badge word (a kind the handbook has no word for shows its name, in English)."""
    key = f"kind_{kind}"
    return say(language, key) if key in all_words()[BASE] else foreign(esc(kind), BASE, language)


def _state(flowset: FlowSet, flow: Flow, state: State, sources: dict[str, list[str]]) -> str:
    kind, language, content = state.kind, flowset.language, lang_attr(flow.language, flowset.language)
    start = f' <span class="badge">{say(language, "start")}</span>' if state.id == flow.start else ""
    text = paragraphs(expand(state.text, flowset.signposts))
    html = [f'<section class="state {kind}" id="{state_anchor(state.id)}">',
            f'<h3><code>{esc(state.id)}</code> <span class="badge {kind}">{_kind(kind, language)}</span>{start}</h3>',
            f"<div{content}>{text}</div>" if content else text]
    if state.review_note:
        html.append(f'<p class="review">{esc(flowset.ui.get("review_flag", "Check before relying on this:"))} '
                    f"{foreign(esc(state.review_note), flow.language, language)}</p>")
    if state.why is not None:
        source = flow.source(state.why.source)
        cited = say(language, "cited", id=f'<a href="#source-{esc(source.id)}">{esc(source.id)}</a>',
                    title=external_link(source.url, source.title, lang_attr(BASE, language))) if source else ""
        why = foreign(esc(expand(state.why.text, flowset.signposts)), flow.language, language)
        html.append(f'<div class="why"><strong>{say(language, "why")}</strong> {why}{cited}</div>')
    html.append(leads(state, flowset))
    if sources.get(state.id):
        steps = ", ".join(_to(s) for s in sources[state.id])
        html.append(f'<p class="from">{say(language, "reached_from", steps=steps)}</p>')
    html.append("</section>")
    return "\n".join(html)


def _answer(flowset: FlowSet, flow: Flow, path_step: DemoStep) -> str:
    """A demo step's answer: the button label in the page's language when the flow has it, else the English."""
    language = flowset.language
    state = flow.states.get(path_step.state)
    if language != BASE and flow.language == language and state is not None:
        label = dict(state.turn_options(flowset)).get(path_step.choice)
        if label is not None:
            return f"<strong>{esc(label)}</strong>"
    return f"<strong{lang_attr(BASE, language)}>{esc(path_step.answer)}</strong>"


def _demo(flowset: FlowSet, flow: Flow, path: DemoPath) -> str:
    """One demo path; the stories are in English (marked so in another language's page)."""
    language = flowset.language
    english = lang_attr(BASE, language)
    steps = "".join(f"<li>{say(language, 'demo_at', step=_to(step.state), answer=_answer(flowset, flow, step))}</li>"
                    for step in path.steps)
    says = "".join(f"<li{english}>{esc(s)}</li>" for s in path.says)
    check = f"<p>{say(language, 'demo_mentions')}</p><ul>{says}</ul>" if says else ""
    problems = "".join(f"<li{english}>{esc(f)}</li>" for f in path.failures)
    broken = "" if path.ok else (f'<div class="missing"><p>{say(language, "demo_broken")}</p>'
                                 f"<ul>{problems}</ul></div>")
    audience = f" <span class=\"from\"{english}>({esc(path.audience)})</span>" if path.audience else ""
    return (f'<div class="demo"><p><strong{english}>{esc(path.title)}</strong>{audience}</p>'
            f'<ol class="path">{steps}</ol>{check}{broken}'
            f"<pre>{esc(path.command)}</pre></div>")


def _demos(flowset: FlowSet, flow: Flow, demos: dict[str, list[DemoPath]]) -> str:
    language = flowset.language
    html = [f'<h2 id="demo-paths">{say(language, "demo_paths")}</h2>', f"<p>{say(language, 'demo_intro')}</p>"]
    for outcome in flow.outcomes():
        paths = demos.get(outcome.id, [])
        html.append(f'<section class="outcome-demos" id="demo-{esc(outcome.id)}">'
                    f"<h3>{say(language, 'demo_outcome', outcome=_to(outcome.id))}</h3>")
        if paths:
            html += [_demo(flowset, flow, p) for p in paths]
        else:
            html.append(f'<p class="missing">{say(language, "demo_none")}</p>')
        html.append("</section>")
    return "\n".join(html)


def render_flow(flowset: FlowSet, flow: Flow, demos: dict[str, list[DemoPath]], *, today: date,
                generated: str, switch: Switch | None = None) -> str:
    """The complete HTML page of one flow, in ``flowset``'s language; a flow not translated into
    it keeps its English texts, marked ``lang="en"`` (issue 15)."""
    language = flowset.language
    sources: dict[str, list[str]] = {}
    for state in flow.states.values():
        for target in dict.fromkeys(state.targets()):
            sources.setdefault(target, []).append(state.id)
    toc = "".join(f'<li><a href="#{state_anchor(s)}">{esc(s)}</a></li>' for s in flow.states)
    content = lang_attr(flow.language, language)
    notice = ""
    if content:  # issue 15: in English, said in the handbook's language
        notice = f'<p class="review" lang="{esc(language)}">{esc(flowset.ui.get("not_translated", ""))}</p>'
    body = [
        notice,
        f"<h1{content}>{esc(flow.title)}</h1>",
        f'<p class="lead"{content}>{esc(flow.description)}</p>' if flow.description else "",
        _meta(flowset, flow, today),
        _sources(flow, language),
        f'<h2 id="diagram">{say(language, "diagram")}</h2>',
        _diagram(flow, language),
        f'<nav class="toc"><h2>{say(language, "steps")}</h2><ol>{toc}</ol></nav>',
        f'<h2 id="steps">{say(language, "every_step")}</h2>',
        *(_state(flowset, flow, state, sources) for state in flow.states.values()),
        _demos(flowset, flow, demos),
    ]
    return page(flowset, plain(language, "flow_title", title=flow.title), "\n".join(b for b in body if b),
                generated=generated, switch=switch)
