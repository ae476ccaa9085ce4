"""The handbook's one stylesheet, inlined into every page so each file stands alone offline."""

from __future__ import annotations

__all__ = ["CSS"]

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --line: #d0d4d9; --accent: #1d4f91; --soft: #f3f5f8;
  --ok: #1e5631; --ok-bg: #dff0d8; --warn: #7a4b00; --warn-bg: #fff3cd; --alarm: #a4161a; }
* { box-sizing: border-box; }
html { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); line-height: 1.5; }
body { margin: 0; background: #fff; }
main, .topbar > div, footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
.topbar { background: var(--accent); color: #fff; }
.topbar > div { display: flex; gap: 1rem; align-items: center; justify-content: space-between;
  padding-top: .6rem; padding-bottom: .6rem; }
.topbar a { color: #fff; font-weight: 600; }
.emergency { background: var(--alarm); color: #fff; font-weight: 600; padding: .5rem 1.25rem; text-align: center; }
.emergency a { color: #fff; }
h1 { font-size: 2rem; line-height: 1.2; margin: 1.5rem 0 .5rem; }
h2 { font-size: 1.4rem; margin: 2.25rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; }
a { color: var(--accent); }
.lead { font-size: 1.15rem; color: var(--muted); margin-top: 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 1rem 0;
  padding: 1rem; background: var(--soft); border-radius: .5rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.badge { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase;
  letter-spacing: .04em; padding: .1rem .45rem; border-radius: .3rem; background: var(--soft);
  border: 1px solid var(--line); vertical-align: middle; }
.badge.outcome { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.badge.draft, .overdue { background: var(--warn-bg); color: var(--warn); }
.overdue { padding: 0 .3rem; border-radius: .25rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
th { background: var(--soft); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9em; }
pre { background: var(--soft); padding: .75rem 1rem; border-radius: .4rem; overflow-x: auto; }
figure.diagram { margin: 1rem 0; padding: .75rem; border: 1px solid var(--line); border-radius: .5rem;
  overflow-x: auto; }
figure.diagram svg { max-width: 100%; height: auto; }
figure.diagram a:hover polygon, figure.diagram a:hover path { stroke-width: 3; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .5rem; }
section.state { border: 1px solid var(--line); border-left: 6px solid var(--accent); border-radius: .5rem;
  padding: 1rem 1.25rem; margin: 1rem 0; break-inside: avoid; }
section.state.outcome { border-left-color: var(--ok); }
section.state:target { box-shadow: 0 0 0 3px #f2b134; }
.why { background: var(--soft); border-radius: .4rem; padding: .5rem .75rem; margin: .75rem 0; }
.review { background: var(--warn-bg); color: var(--warn); border-radius: .4rem; padding: .5rem .75rem;
  margin: .75rem 0; }
.from { color: var(--muted); font-size: .9rem; }
ul.signposts { list-style: none; padding: 0; }
ul.signposts li { padding: .5rem .75rem; margin: .4rem 0; background: var(--ok-bg); border-radius: .4rem; }
ol.path li { margin: .2rem 0; }
.demo { border-top: 1px dashed var(--line); padding-top: .75rem; margin-top: .75rem; break-inside: avoid; }
.missing { color: var(--alarm); font-weight: 600; }
.flows { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: 1rem; padding: 0;
  list-style: none; }
.flows li { border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; }
.flows li h3 a { text-decoration: none; }
nav.toc ol { columns: 2; }
footer { color: var(--muted); font-size: .85rem; margin-top: 3rem; padding-bottom: 2rem;
  border-top: 1px solid var(--line); }
@media print {
  @page { margin: 15mm; }
  html { font-size: 11pt; }
  .topbar, nav.toc, .noprint { display: none; }
  .emergency { background: none; color: var(--ink); border: 2px solid var(--ink); }
  .emergency a { color: var(--ink); }
  a { color: var(--ink); text-decoration: none; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: .85em; word-break: break-all; }
  section.state, .demo, figure.diagram, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  figure.diagram { overflow: visible; border: none; }
  section.state:target { box-shadow: none; }
}
"""
