"""The handbook's index page and its figures page."""

from __future__ import annotations

import re
from datetime import date

from bot.figures import Figure
from bot.flows.i18n import BASE
from bot.flows.model import Flow, FlowSet
from bot.flows.text import expand
from bot.handbook.flow_page import flow_file
from bot.handbook.glossary_section import render_glossary
from bot.handbook.markup import Switch, audience, esc, page, paragraphs, signpost_item
from bot.handbook.words import lang_attr, plain, say

__all__ = ["FIGURES_FILE", "render_figures", "render_index"]

FIGURES_FILE = "figures.html"
_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")


def _card(flowset: FlowSet, flow: Flow, today: date) -> str:
    language, content = flowset.language, lang_attr(flow.language, flowset.language)
    due = say(language, "card_due", date=esc(flow.review_due.isoformat()))
    if flow.review_due < today:
        due = f'<span class="overdue">{say(language, "overdue", date=due)}</span>'
    draft = f' <span class="badge draft">{say(language, "status_draft")}</span>' if flow.status != "published" else ""
    description = f"<p{content}>{esc(flow.description)}</p>" if flow.description else ""
    about = say(language, "card", id=f"<code>{esc(flow.id)}</code>", version=esc(flow.version),
                audience=audience(flowset, flow.audience), due=due, count=str(len(flow.outcomes())))
    return (
        f'<li><h3><a href="{flow_file(flow.id)}"{content}>{esc(flow.title)}</a>{draft}</h3>{description}'
        f'<p class="from">{about}</p></li>'
    )


def _figures(language: str, href: str | None) -> str:
    """The link to the figures page (in English only: a link from another language says so)."""
    if href is None:
        return ""
    english = "" if language == BASE else ' hreflang="en"'
    link = f'<a href="{esc(href)}"{english}>{say(language, "figures_link")}</a>'
    return f'<h2 id="figures">{say(language, "figures")}</h2><p>{say(language, "figures_intro", link=link)}</p>'


def render_index(flowset: FlowSet, *, today: date, generated: str, figures: str | None = None,
                 switch: Switch | None = None) -> str:
    """The front page: what the guide is, every flow, emergency contacts and the directory;
    ``figures`` is the address of the figures page (None: there is none)."""
    language = flowset.language
    flows = "".join(_card(flowset, f, today) for f in sorted(flowset.flows.values(), key=lambda f: f.title))
    emergency = "".join(signpost_item(flowset.signposts[s], language) for s in flowset.emergency_signposts
                        if s in flowset.signposts)
    directory = "".join(signpost_item(s, language) for s in sorted(flowset.signposts.values(), key=lambda s: s.name))
    chat = say(language, "session_chat", chat="<code>referral-bot chat --training FLOW_ID</code>",
               train="<code>/train</code>", figures="<code>figures</code>")
    diagram = say(language, "session_diagram", diagram="<code>referral-bot diagram FLOW_ID -o FLOW_ID.png</code>",
                  highlight="<code>--highlight STATE</code>")
    body = f"""<h1>{say(language, "index_title")}</h1>
{paragraphs(expand(flowset.ui.get("about", ""), flowset.signposts))}
<h2 id="flows">{say(language, "flows")}</h2>
<ul class="flows">{flows}</ul>
<h2 id="emergency">{say(language, "emergency")}</h2>
{paragraphs(expand(flowset.ui.get("emergency", ""), flowset.signposts))}
<ul class="signposts">{emergency}</ul>
<h2 id="session">{say(language, "session")}</h2>
<ul>
<li>{chat}</li>
<li>{diagram}</li>
<li>{say(language, "session_demos")}</li>
<li>{say(language, "session_print")}</li>
</ul>
{_figures(language, figures)}
{render_glossary(flowset)}
<h2 id="directory">{say(language, "directory")}</h2>
<ul class="signposts">{directory}</ul>"""
    return page(flowset, plain(language, "index_title"), body, home=True, generated=generated, switch=switch)


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
    language = flowset.language
    parts = [f"<h1>{say(language, 'figures_heading')}</h1>"]
    for figure in figures:
        notes = f"<p>{esc(figure.notes)}</p>" if figure.notes else ""
        source = say(language, "figure_source", source=esc(figure.source), file=f"<code>{esc(figure.file)}</code>")
        parts.append(f'<section id="figure-{esc(figure.id)}"><h2>{esc(figure.title)}</h2>{notes}'
                     f"{_figure_table(figure)}<p class=\"from\">{source}</p></section>")
    return page(flowset, plain(language, "figures_title"), "\n".join(parts), generated=generated, switch=switch)
