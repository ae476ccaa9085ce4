"""The web channel in Welsh in real headless Chromium (Debian's, via Playwright) with axe-core
(issue 15): no axe violation on Welsh pages (JavaScript on and off), ``lang`` right, the
language link keeps the place with JavaScript really off, and Exit this page's script speaks Welsh."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.flows import load_catalogue
from tests.web.conftest import LiveServer, start_server, stop_server
from tests.web.paths import paths
from tests.web.test_web_browser import AXE_RUN, NO_SIDEWAYS_SCROLL, PHONE, PROJECTOR, Visitor, context
from tests.web.welsh import WELSH_QUESTION, welsh_flows

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def flows_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return welsh_flows(tmp_path_factory.mktemp("cy") / "flows")


@pytest.fixture(scope="module")
def cy_server(flows_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``referral-bot web`` on the flows with Welsh."""
    server = start_server(tmp_path_factory.mktemp("web-cy"), env={"REFERRAL_BOT_FLOWS": str(flows_dir)})
    yield server
    code = stop_server(server)
    assert code == 0, server.log()
    assert "Traceback" not in server.log(), server.log()


class WelshVisitor(Visitor):
    """A visitor whose every new conversation is in Welsh."""

    def fresh(self) -> None:
        super().fresh()
        assert self.ctx.request.get(self.url + "/language/cy?next=/").ok


def check(page: Any, problems: list[str], where: str, lang: str = "cy") -> None:
    """axe finds nothing, nothing scrolls sideways, the page's language is ``lang``."""
    problems += [f"{where}: {v}" for v in page.evaluate(AXE_RUN)]
    if not page.evaluate(NO_SIDEWAYS_SCROLL):
        problems.append(f"{where}: scrolls sideways at {page.viewport_size['width']} px")
    if page.evaluate("() => document.documentElement.lang") != lang:
        problems.append(f"{where}: lang is not {lang}")


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_welsh_pages_have_no_axe_violation(browser: Any, cy_server: LiveServer, flows_dir: Path, js: bool) -> None:
    catalogue = load_catalogue(flows_dir)
    route = paths(catalogue.base.flows["report_concern"])
    problems: list[str] = []
    # Each width once (the English pages are checked at both, with JavaScript on and off): the
    # projector with JavaScript, the phone without, to keep the suite's time in bounds.
    for viewport in (PROJECTOR,) if js else (PHONE,):
        ctx = context(browser, cy_server, js=js, viewport=viewport)
        try:
            visitor, page = WelshVisitor(ctx, cy_server), ctx.new_page()
            where = f"{viewport['width']}px js={js}"
            for path in ("/", "/role", "/flows/nrm_referral", "/emergency", "/privacy", "/about", "/nowhere"):
                page.goto(path)
                check(page, problems, f"{path} {where}")
            assert visitor.post("/role", [("role", "trainer")]) == 303
            page.goto("/")
            check(page, problems, f"guides {where}")
            for state_id in ("danger", "stay_safe", "who", "call_999", "self_child"):
                visitor.reach("report_concern", route[state_id])
                page.goto(f"/flows/report_concern/{state_id}")
                assert page.locator("main").get_attribute("data-state") == state_id
                check(page, problems, f"report_concern/{state_id} {where}")
            visitor.reach("report_concern", route["who"])
            page.goto("/flows/report_concern/who")
            page.click("button[name=continue]")  # nothing chosen: the error state, in Welsh
            assert page.title().startswith("Gwall: ")
            check(page, problems, f"error state {where}")
            for path in ("/answers/report_concern", "/train/report_concern"):
                page.goto(path)
                check(page, problems, f"{path} {where}")
            visitor.reach("nrm_referral", [])  # a guide not translated: English inside a Welsh page
            state = page.goto("/flows/nrm_referral") and page.locator("main").get_attribute("data-state")
            assert state is not None
            assert page.locator("main [lang=en]").count() >= 2
            check(page, problems, f"nrm_referral/{state} (English fallback) {where}")
        finally:
            ctx.close()
    assert problems == []


def test_the_language_link_keeps_the_place_with_javascript_really_off(browser: Any, cy_server: LiveServer) -> None:
    """Must show (issue 15) in a browser: a Welsh step links to the same step in English."""
    ctx = browser.new_context(java_script_enabled=False, base_url=cy_server.url, viewport=PHONE)
    try:
        page = ctx.new_page()
        page.goto("/language/cy?next=/flows/report_concern")
        page.click("button[name=continue]")
        assert page.locator("main").get_attribute("data-state") == "danger"
        assert WELSH_QUESTION in page.content()
        page.check("input[name=answer][value=no]")
        page.click("button[name=continue]")
        assert page.locator("main").get_attribute("data-state") == "stay_safe"
        link = page.locator("a[hreflang=en]")
        assert (link.inner_text(), link.get_attribute("lang")) == ("English", "en")
        link.click()
        page.wait_for_url("**/flows/report_concern/stay_safe")
        assert page.url.endswith("/flows/report_concern/stay_safe")
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.locator("main").get_attribute("data-state") == "stay_safe"
        page.click("a.govuk-back-link")  # the way back is kept too
        assert page.locator("main").get_attribute("data-state") == "danger"
        page.click("a[hreflang=cy]")
        assert page.locator("html").get_attribute("lang") == "cy"
        assert page.locator("main").get_attribute("data-state") == "danger"
    finally:
        ctx.close()


def test_a_welsh_browser_gets_welsh_and_exit_this_page_speaks_welsh(browser: Any, cy_server: LiveServer) -> None:
    ctx = browser.new_context(locale="cy-GB", base_url=cy_server.url, viewport=PROJECTOR)
    try:
        page = ctx.new_page()
        page.goto("/flows/report_concern")
        assert page.evaluate("() => document.documentElement.lang") == "cy"
        assert " ".join((page.locator("a[data-exit]").text_content() or "").split()) == "Argyfwng Gadael y dudalen"
        page.locator("main").click()
        page.keyboard.press("Shift")
        page.wait_for_function("() => document.querySelector('.govuk-exit-this-page__indicator') !== null")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.govuk-exit-this-page [aria-live], .govuk-visually-hidden')]"
            ".some(e => e.textContent.includes(\"Pwyswch 'Shift' 2 gwaith arall\"))")
    finally:
        ctx.close()
