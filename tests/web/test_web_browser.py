"""The web channel in real headless Chromium (Debian's, via Playwright) with axe-core.

Every state of every shipped flow, the error state, Emergency, Your answers and the trainer
view: zero axe violations with JavaScript on and off, no horizontal scrolling at 320 CSS px,
unique titles and ``lang`` set. Then a keyboard-only walk, 200% zoom, Exit this page, a walk
with JavaScript really disabled, and the screenshots for docs/web.md.

"JavaScript off" for axe means the page's own script is blocked (axe itself must run); the
only script a page loads is ours, so the page is exactly what a browser without JavaScript
gets. The no-JavaScript walk uses a context with JavaScript disabled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import axe_playwright_python
import pytest

from bot.flows import FlowSet, load_flows
from tests.conftest import FLOWS
from tests.web.conftest import DOCS_IMAGES, LiveServer
from tests.web.paths import Answer, paths

pytestmark = pytest.mark.slow

AXE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  const where = (v) => v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ');
  return result.violations.map(v => v.id + ': ' + v.help + ' at ' + where(v));
}"""
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
PHONE = {"width": 320, "height": 640}
PROJECTOR = {"width": 1280, "height": 720}
FORM = {"content-type": "application/x-www-form-urlencoded"}
FLOW_IDS = sorted(load_flows(FLOWS).flows)


def context(browser: Any, server: LiveServer, *, js: bool, viewport: dict[str, int] = PROJECTOR) -> Any:
    """A fresh browser context (its own cookies) with axe preloaded; ``js=False`` blocks our script."""
    made = browser.new_context(viewport=viewport, base_url=server.url)
    made.add_init_script(script=AXE)
    if not js:
        made.route("**/*.js", lambda route: route.abort())
    made.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><title>Neutral</title><p>Weather</p>"))
    return made


class Visitor:
    """Moves a browser context's server-side session with plain form posts (no page loads)."""

    def __init__(self, ctx: Any, server: LiveServer) -> None:
        self.ctx, self.url = ctx, server.url
        self.csrf = ""
        self.fresh()

    def fresh(self) -> None:
        """Begin a new conversation: a new cookie, so nothing is known yet (such as the UK
        nation, which a conversation is asked at most once)."""
        self.ctx.clear_cookies()
        html = self.ctx.request.get(self.url + "/").text()
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found is not None
        self.csrf = found.group(1)

    def post(self, path: str, data: list[tuple[str, str]]) -> int:
        response = self.ctx.request.post(self.url + path, data=urlencode([("csrf", self.csrf), *data]),
                                         headers=FORM, max_redirects=0)
        status: int = response.status
        return status

    def reach(self, flow_id: str, answers: list[Answer]) -> None:
        assert self.post(f"/flows/{flow_id}", [("continue", "start")]) == 303
        for answer in answers:
            data = [("continue", "continue")]
            name = "answer" if answer.kind == "question" else "items"
            data += [(name, value) for value in answer.values]
            assert self.post(f"/flows/{flow_id}/{answer.state}", data) == 303, answer


def check_page(page: Any, problems: list[str], where: str) -> None:
    """axe finds nothing, nothing scrolls sideways, lang is set."""
    problems += [f"{where}: {v}" for v in page.evaluate(AXE_RUN)]
    if not page.evaluate(NO_SIDEWAYS_SCROLL):
        problems.append(f"{where}: scrolls sideways at {page.viewport_size['width']} px")
    if page.evaluate("() => document.documentElement.lang") != "en":
        problems.append(f"{where}: lang is not set to en")


@pytest.fixture
def js_on(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    made = context(browser, live_server, js=True)
    yield made
    made.close()


class ScriptSwitch:
    """Blocks or lets through the page's own script (axe is preloaded and never blocked)."""

    def __init__(self, ctx: Any) -> None:
        self.allowed = False
        ctx.route("**/assets/*.js", self._handle)

    def _handle(self, route: Any) -> None:
        if self.allowed:
            route.continue_()
        else:
            route.abort()


@pytest.mark.parametrize("flow_id", FLOW_IDS)
def test_every_state_has_no_axe_violation_with_javascript_on_and_off(browser: Any, live_server: LiveServer,
                                                                    flowset: FlowSet, flow_id: str) -> None:
    """Each state is loaded once without its script (JavaScript off) and checked; then the
    page's own script is run on it (JavaScript on) and it is checked again."""
    flow = flowset.flows[flow_id]
    routes = paths(flow)
    assert set(routes) == set(flow.states), "some states cannot be reached"
    problems: list[str] = []
    ctx = context(browser, live_server, js=True, viewport=PHONE)
    switch = ScriptSwitch(ctx)
    try:
        visitor, page = Visitor(ctx, live_server), ctx.new_page()
        script = page.goto("/").text() and re.search(r'<script src="([^"]+)"', page.content())
        assert script is not None
        titles: dict[str, str] = {}
        for state_id, answers in routes.items():
            visitor.fresh()
            visitor.reach(flow_id, answers)
            switch.allowed = False
            page.goto(f"/flows/{flow_id}/{state_id}")
            main = page.locator("main")
            assert main.get_attribute("data-state") == state_id
            assert main.get_attribute("data-flow") == flow_id
            assert main.get_attribute("data-kind") == flow.states[state_id].kind
            assert page.locator('a[href="tel:999"]').count() >= 1
            assert page.locator("a[data-exit]").count() == 1
            assert page.evaluate("() => document.body.classList.contains('js-enabled')") is False
            check_page(page, problems, f"{flow_id}/{state_id} js=off")
            switch.allowed = True
            page.add_script_tag(url=script.group(1))
            assert page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')") is True
            check_page(page, problems, f"{flow_id}/{state_id} js=on")
            assert titles.setdefault(page.title(), state_id) == state_id, f"title {page.title()!r} repeats"
    finally:
        ctx.close()
    assert problems == []


SPECIAL = ("/", "/role", "/emergency", "/privacy", "/flows/nrm_referral", "/answers/nrm_referral",
           "/train/nrm_referral", "/nowhere")


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_error_emergency_answers_and_trainer_view_have_no_axe_violation(browser: Any, live_server: LiveServer,
                                                                       js: bool) -> None:
    problems: list[str] = []
    for viewport in (PROJECTOR, PHONE):
        ctx = context(browser, live_server, js=js, viewport=viewport)
        try:
            visitor, page = Visitor(ctx, live_server), ctx.new_page()
            assert visitor.post("/role", [("role", "trainer")]) == 303
            visitor.reach("nrm_referral", [])
            for path in SPECIAL:
                page.goto(path)
                check_page(page, problems, f"{path} {viewport['width']}px js={js}")
            page.goto("/flows/nrm_referral")
            page.click("button[name=continue]")
            page.click("button[name=continue]")  # nothing chosen: the error state
            assert page.title().startswith("Error: ")
            assert page.locator(".govuk-error-summary").count() == 1
            check_page(page, problems, f"error state {viewport['width']}px js={js}")
            page.locator("input[name=answer]").first.check()
            page.click("button[name=continue]")
            page.goto("/answers/nrm_referral")
            assert page.locator(".govuk-summary-list__row").count() >= 1
            check_page(page, problems, f"your answers (filled) {viewport['width']}px js={js}")
            page.goto("/train/nrm_referral")
            check_page(page, problems, f"trainer view {viewport['width']}px js={js}")
        finally:
            ctx.close()
    assert problems == []


def tab_to(page: Any, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def choose_radio(page: Any, name: str, value: str) -> None:
    """Tab into a radio group, then arrow keys to ``value`` (which checks it)."""
    tab_to(page, f"input[name={name}]")
    page.keyboard.press("Space")
    for _ in range(12):
        if page.evaluate("() => document.activeElement.value") == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio {value}")


def test_a_whole_flow_by_keyboard_alone(js_on: Any) -> None:
    page = js_on.new_page()
    page.goto("/")
    tab_to(page, "a.govuk-skip-link")
    tab_to(page, "a[data-exit]")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    shadow = page.evaluate("() => getComputedStyle(document.activeElement).boxShadow")
    assert outline != "none" or shadow != "none", "the focused Exit button shows no focus indicator"
    choose_radio(page, "role", "public")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-page=guides]")
    tab_to(page, 'a[href="/flows/report_concern"]')
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-page=start]")
    tab_to(page, "button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=danger]")
    choose_radio(page, "answer", "no")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=stay_safe]")
    tab_to(page, "button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=who]")
    tab_to(page, "a.govuk-back-link")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=stay_safe]")
    tab_to(page, "button[name=continue]")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=who]")
    choose_radio(page, "answer", "myself")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-state=self_age]")
    choose_radio(page, "answer", "under_18")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-outcome=self_child]")
    tab_to(page, 'a[href^="tel:"]')
    page.goto("/train/report_concern")
    tab_to(page, "button[name=restart]")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-view=train][data-state=danger]")
    choose_radio(page, "answer", "yes")
    page.keyboard.press("Enter")
    page.wait_for_selector("main[data-view=train][data-outcome=call_999]")


def test_no_sideways_scrolling_at_200_percent_zoom(browser: Any, live_server: LiveServer) -> None:
    zoomed = {"width": 640, "height": 360}  # a 1280x720 screen at 200%
    ctx = context(browser, live_server, js=True, viewport=zoomed)
    try:
        visitor, page = Visitor(ctx, live_server), ctx.new_page()
        flow_paths = paths(load_flows(FLOWS).flows["nrm_referral"])
        for state_id in list(flow_paths)[:6]:
            visitor.reach("nrm_referral", flow_paths[state_id])
            page.goto(f"/flows/nrm_referral/{state_id}")
            assert page.evaluate(NO_SIDEWAYS_SCROLL), state_id
        for path in ("/", "/emergency", "/answers/nrm_referral", "/train/nrm_referral"):
            page.goto(path)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), path
    finally:
        ctx.close()


def test_exit_this_page_ends_the_session_and_leaves(browser: Any, live_server: LiveServer) -> None:
    for js in (True, False):
        ctx = context(browser, live_server, js=js)
        try:
            visitor, page = Visitor(ctx, live_server), ctx.new_page()
            visitor.reach("report_concern", [])
            page.goto("/flows/report_concern/danger")
            page.click("a[data-exit]")
            page.wait_for_url("https://www.bbc.co.uk/weather")
            assert not [c for c in ctx.cookies() if c["name"] == "rg_session"]
            page.goto(live_server.url + "/flows/report_concern/danger")
            assert page.locator("main").get_attribute("data-page") == "start"
        finally:
            ctx.close()


def test_a_flow_with_javascript_really_disabled(browser: Any, live_server: LiveServer) -> None:
    ctx = browser.new_context(java_script_enabled=False, base_url=live_server.url, viewport=PHONE)
    try:
        page = ctx.new_page()
        page.goto("/flows/report_concern")
        page.click("button[name=continue]")
        page.check("input[name=answer][value=no]")
        page.click("button[name=continue]")
        page.click("button[name=continue]")
        assert page.locator("main").get_attribute("data-state") == "who"
        page.click("a.govuk-back-link")
        assert page.locator("main").get_attribute("data-state") == "stay_safe"
        page.click("button[name=continue]")
        page.check("input[name=answer][value=young_person]")
        page.click("button[name=continue]")
        assert page.locator("main").get_attribute("data-outcome") == "young_person"
        assert "/flows/report_concern/young_person" in page.url
        page.click("text=Your answers")
        assert page.locator(".govuk-summary-list__row").count() == 2
        page.locator("a", has_text="Change").first.click()
        assert page.locator("main").get_attribute("data-state") == "danger"
    finally:
        ctx.close()


SHOTS = {"phone": {"width": 390, "height": 844}, "projector": PROJECTOR}


def test_screenshots_for_the_docs(browser: Any, live_server: LiveServer) -> None:
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    written = []
    for size, viewport in SHOTS.items():
        ctx = context(browser, live_server, js=True, viewport=viewport)
        try:
            visitor, page = Visitor(ctx, live_server), ctx.new_page()
            route = paths(load_flows(FLOWS).flows["report_concern"])
            visitor.reach("report_concern", route["who"])
            for name, path in (("question", "/flows/report_concern/who"), ("trainer", "/train/report_concern")):
                page.goto(path)
                if name == "trainer" and size == "projector":  # the step beside the diagram, all in view
                    step, figure = (page.locator(".rg-train > div").bounding_box(),
                                    page.locator(".rg-diagram svg").bounding_box())
                    assert step is not None
                    assert figure is not None
                    assert figure["x"] >= step["x"] + step["width"]
                    assert figure["y"] + figure["height"] <= viewport["height"]
                    assert page.locator('.rg-diagram svg[role="img"]').get_attribute("aria-label")
                target = DOCS_IMAGES / f"web-{name}-{size}.png"
                page.screenshot(path=str(target), full_page=name != "trainer")
                written.append(target)
            visitor.reach("report_concern", route["self_help"])
            page.goto("/flows/report_concern/self_help")
            target = DOCS_IMAGES / f"web-outcome-{size}.png"
            page.screenshot(path=str(target), full_page=True)
            written.append(target)
        finally:
            ctx.close()
    docs = (DOCS_IMAGES.parent / "web.md").read_text(encoding="utf-8")
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"images/{path.name}" in docs, f"docs/web.md does not show {path.name}"
