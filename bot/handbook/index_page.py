"""The handbook's index page and its figures page."""

from __future__ import annotations

import re
from datetime import date

from bot.figures import Figure
from bot.flows.model import Flow, FlowSet
from bot.flows.text import expand
from bot.handbook.flow_page import flow_file
from bot.handbook.glossary_section import render_glossary
from bot.handbook.markup import Switch, esc, page, paragraphs, signpost_item

__all__ = ["FIGURES_FILE", "render_figures", "render_index"]

FIGURES_FILE = "figures.html"
_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


def _card(flow: Flow, today: date) -> str:
    due = f"review due {esc(flow.review_due.isoformat())}"
    if flow.review_due < today:
        due = f'<span class="overdue">{due} (overdue)</span>'
    draft = ' <span class="badge draft">draft</span>' if flow.status != "published" else ""
    description = f"<p>{esc(flow.description)}</p>" if flow.description else ""
    return (
        f'<li><h3><a href="{flow_file(flow.id)}">{esc(flow.title)}</a>{draft}</h3>{description}'
        f'<p class="from"><code>{esc(flow.id)}</code> · version {esc(flow.version)} · for '
        f"{esc(', '.join(flow.audience))} · {due} · {len(flow.outcomes())} outcomes</p></li>"
    )


def render_index(flowset: FlowSet, *, today: date, generated: str, has_figures: bool,
                 switch: Switch | None = None) -> str:
    """The front page: what the guide is, every flow, emergency contacts and the directory."""
    flows = "".join(_card(f, today) for f in sorted(flowset.flows.values(), key=lambda f: f.title))
    emergency = "".join(signpost_item(flowset.signposts[s]) for s in flowset.emergency_signposts
                        if s in flowset.signposts)
    directory = "".join(signpost_item(s) for s in sorted(flowset.signposts.values(), key=lambda s: s.name))
    figures = (f'<h2 id="figures">Figures</h2><p><a href="{FIGURES_FILE}">The presentation\'s figures</a>: '
               "the tables trainers show, with their sources.</p>") if has_figures else ""
    body = f"""<h1>Referral Guide: trainers' handbook</h1>
{paragraphs(expand(flowset.ui.get("about", ""), flowset.signposts))}
<h2 id="flows">Flows</h2>
<ul class="flows">{flows}</ul>
<h2 id="emergency">Emergency</h2>
{paragraphs(expand(flowset.ui.get("emergency", ""), flowset.signposts))}
<ul class="signposts">{emergency}</ul>
<h2 id="session">Running a session</h2>
<ul>
<li>Chat through a flow with each step's reason and source: <code>referral-bot chat --training FLOW_ID</code>
(in Telegram: <code>/train</code>). Type <code>figures</code> there for the presentation's tables.</li>
<li>Project a flow's diagram: <code>referral-bot diagram FLOW_ID -o FLOW_ID.png</code>, or
<code>--highlight STATE</code> to mark the step you are talking about.</li>
<li>Each flow page ends with demo paths: scripted answers that reach every outcome.</li>
<li>Print any page for a handout; links print with their addresses.</li>
</ul>
{figures}
{render_glossary(flowset)}
<h2 id="directory">Services directory</h2>
<ul class="signposts">{directory}</ul>"""
    return page(flowset, "Referral Guide: trainers' handbook", body, home=True, generated=generated, switch=switch)


def _figure_table(figure: Figure) -> str:
    columns = range(len(figure.header))
    numeric = [bool(figure.rows) and all(_NUMBER.match(r[i]) or not r[i] for r in figure.rows) for i in columns]

    def cell(tag: str, text: str, i: int) -> str:
        css = ' class="num"' if numeric[i] else ""
        return f"<{tag}{css}>{esc(text)}</{tag}>"

    head = "".join(cell("th", h, i) for i, h in enumerate(figure.header))
    rows = "".join("<tr>" + "".join(cell("td", c, i) for i, c in enumerate(r)) + "</tr>" for r in figure.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def render_figures(flowset: FlowSet, figures: list[Figure], *, generated: str, switch: Switch | None = None) -> str:
    """Every figure of the training presentation as a table with its source."""
    parts = ["<h1>Figures from the training presentation</h1>"]
    for figure in figures:
        notes = f"<p>{esc(figure.notes)}</p>" if figure.notes else ""
        parts.append(f'<section id="figure-{esc(figure.id)}"><h2>{esc(figure.title)}</h2>{notes}'
                     f"{_figure_table(figure)}<p class=\"from\">Source: {esc(figure.source)} "
                     f"(<code>{esc(figure.file)}</code>)</p></section>")
    return page(flowset, "Figures · Referral Guide handbook", "\n".join(parts), generated=generated, switch=switch)
