"""``referral-bot export-site``: the offline pack, checked as files and in Chromium from file://."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import html5lib
import pytest

from bot.channels.web.export import ExportResult, export_site, state_file
from bot.engine import Engine
from bot.flows import FlowSet
from tests.conftest import CliRunner

DAY = date(2026, 12, 2)


@pytest.fixture(scope="module")
def pack(flowset: FlowSet, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export_site(Engine(flowset), tmp_path_factory.mktemp("pack"), today=DAY)


def test_one_page_per_state_of_every_published_flow(pack: ExportResult, flowset: FlowSet) -> None:
    pages = {p.relative_to(pack.folder).as_posix() for p in pack.files if p.suffix == ".html"}
    for flow in flowset.flows.values():
        if flow.status != "published":
            continue
        for state_id in flow.states:
            assert state_file(flow.id, state_id) in pages
        assert f"{flow.id}/index.html" in pages
    assert {"index.html", "emergency.html"} <= pages


def test_every_page_is_strict_html_with_the_stamp_999_and_exit_and_no_script(pack: ExportResult,
                                                                            flowset: FlowSet) -> None:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    for path in pack.files:
        if path.suffix != ".html":
            continue
        text = path.read_text(encoding="utf-8")
        parser.parse(text)
        assert "<script" not in text, path
        assert '<a href="tel:999">' in text, path
        assert re.search(r"<a [^>]*data-exit", text), path
        assert f"Offline copy made on {DAY.isoformat()}" in text, path
        flow = flowset.flows.get(path.parent.name)
        if flow is not None:
            assert f"Content version {flow.version}" in text, path
            assert f"next review due {flow.review_due.isoformat()}" in text, path


def test_every_link_in_the_pack_leads_to_a_page_of_the_pack(pack: ExportResult, flowset: FlowSet) -> None:
    external = {s.url for s in flowset.signposts.values() if s.url}
    external |= {s.url for f in flowset.flows.values() for s in f.sources}
    for path in pack.files:
        if path.suffix != ".html":
            continue
        for href in re.findall(r'href="([^"]+)"', path.read_text(encoding="utf-8")):
            if href.startswith(("tel:", "#")) or href in external or href == "https://www.bbc.co.uk/weather":
                continue
            assert not href.startswith(("http:", "https:", "/")), f"{path}: {href}"
            assert (path.parent / href).resolve().is_file(), f"{path.name}: {href} goes nowhere"


def test_each_answer_is_a_link_to_the_state_it_leads_to(pack: ExportResult, flowset: FlowSet) -> None:
    from bot.flows import Info, Question

    for flow in flowset.flows.values():
        for state in flow.states.values():
            text = (pack.folder / state_file(flow.id, state.id)).read_text(encoding="utf-8")
            assert f'data-state="{state.id}"' in text
            assert f'data-kind="{state.kind}"' in text
            if isinstance(state, Question):
                for option in state.options:
                    assert f'href="{option.next}.html" data-answer="{option.id}"' in text
            if isinstance(state, Info):
                assert f'href="{state.next}.html" data-answer="continue"' in text
            if state.why is not None:
                assert "Training notes" in text


def test_the_cli_writes_the_pack(run_cli: CliRunner, tmp_path: Path) -> None:
    result = run_cli("export-site", str(tmp_path / "pack"), "--no-training-notes")
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout
    assert "file://" in result.stdout
    assert "Training notes" not in (tmp_path / "pack" / "report_concern" / "danger.html").read_text()
    (tmp_path / "afile").write_text("x")
    refused = run_cli("export-site", str(tmp_path / "afile"))
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr


@pytest.mark.slow
def test_the_pack_walks_to_an_outcome_from_file_urls_without_javascript(pack: ExportResult, browser: Any) -> None:
    ctx = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    requests: list[str] = []
    ctx.on("request", lambda request: requests.append(request.url))
    try:
        page = ctx.new_page()
        page.goto((pack.folder / "index.html").as_uri())
        page.click('a[href="report_concern/index.html"]')
        page.click("[data-answer=start]")
        page.click("[data-answer=no]")
        page.click("[data-answer=continue]")
        page.click("[data-answer=young_person]")
        assert page.locator("main").get_attribute("data-outcome") == "young_person"
        assert page.url.startswith("file://")
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        assert page.locator("details.rg-why").count() == 1
        page.locator("details.rg-why summary").click()
        assert page.locator("details.rg-why").get_attribute("open") is not None
        colour = page.evaluate("() => getComputedStyle(document.querySelector('.rg-emergency')).borderLeftColor")
        assert colour != "rgba(0, 0, 0, 0)", "the stylesheet did not load from file://"
    finally:
        ctx.close()
    assert all(url.startswith("file://") for url in requests), requests


@pytest.mark.slow
def test_offline_pages_have_no_axe_violation(pack: ExportResult, browser: Any) -> None:
    from tests.web.test_web_browser import AXE, AXE_RUN, NO_SIDEWAYS_SCROLL

    ctx = browser.new_context(viewport={"width": 320, "height": 640})
    ctx.add_init_script(script=AXE)
    problems: list[str] = []
    try:
        page = ctx.new_page()
        for name in ("index.html", "emergency.html", "report_concern/index.html", "report_concern/danger.html",
                     "report_concern/stay_safe.html", "report_concern/self_help.html", "spot_the_signs/signs.html"):
            page.goto((pack.folder / name).as_uri())
            problems += [f"{name}: {v}" for v in page.evaluate(AXE_RUN)]
            assert page.evaluate(NO_SIDEWAYS_SCROLL), name
    finally:
        ctx.close()
    assert problems == []
