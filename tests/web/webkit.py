"""A program that uses the web channel like a browser without JavaScript: GET pages, POST forms.

It reads only what the page contract promises (``main`` data-* attributes, the form's field
names and the CSRF field), so the tests check the same contract that tools rely on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx2

from bot.engine.machine import CONTINUE, DONE
from bot.stories import Story

MAIN = re.compile(r"<main\b([^>]*)>", re.S)
ATTR = re.compile(r'([a-z-]+)(?:="([^"]*)")?')
CSRF = re.compile(r'name="csrf" value="([^"]*)"')
FORM = {"content-type": "application/x-www-form-urlencoded"}
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


@dataclass(frozen=True, slots=True)
class Page:
    """What a response showed."""

    status: int
    html: str
    main: dict[str, str]

    @property
    def state(self) -> str | None:
        return self.main.get("data-state")

    @property
    def flow(self) -> str | None:
        return self.main.get("data-flow")

    @property
    def kind(self) -> str | None:
        return self.main.get("data-kind")

    @property
    def outcome(self) -> str | None:
        return self.main.get("data-outcome")

    @property
    def title(self) -> str:
        found = TITLE.search(self.html)
        return found.group(1).strip() if found else ""

    @property
    def csrf(self) -> str | None:
        found = CSRF.search(self.html)
        return found.group(1) if found else None

    def values(self, name: str) -> list[str]:
        """The values of the inputs called ``name`` (radios or checkboxes)."""
        return re.findall(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', self.html)


def form(data: dict[str, Any] | list[tuple[str, str]]) -> dict[str, Any]:
    """Keyword arguments for ``client.post`` sending ``data`` as a url-encoded form."""
    return {"content": urlencode(data).encode(), "headers": FORM}


def parse(status: int, html: str) -> Page:
    found = MAIN.search(html)
    attrs: dict[str, str] = {}
    if found:
        for name, value in ATTR.findall(found.group(1)):
            attrs[name] = value
    return Page(status, html, attrs)


class WebUser:
    """One browser (cookie jar) driving the site through ``client`` (httpx-like, no redirects)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.csrf: str | None = None
        self.locations: list[str] = []
        self.jar = httpx2.Cookies()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One request with this user's own cookies (several users can share one client)."""
        self.client.cookies = self.jar
        try:
            return self.client.request(method, path, **kwargs)
        finally:
            self.jar = httpx2.Cookies(self.client.cookies)

    def get(self, path: str) -> Page:
        """GET ``path``, following redirects by hand (each Location is remembered)."""
        response = self.request("GET", path)
        for _ in range(5):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            self.locations.append(response.headers["location"])
            response = self.request("GET", response.headers["location"])
        page = parse(response.status_code, response.text)
        self.csrf = page.csrf or self.csrf
        return page

    def post(self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, follow: bool = True) -> Page:
        response = self.request("POST", path, content=urlencode(data).encode(), headers=FORM)
        if response.status_code == 303 and follow:
            self.locations.append(response.headers["location"])
            return self.get(response.headers["location"])
        page = parse(response.status_code, response.text)
        self.csrf = page.csrf or self.csrf
        return page

    def choose_role(self, role: str) -> Page:
        self.get("/")
        return self.post("/role", {"csrf": self.csrf, "role": role, "continue": "continue"})

    def start(self, flow_id: str) -> Page:
        if self.csrf is None:
            self.get(f"/flows/{flow_id}")
        return self.post(f"/flows/{flow_id}", {"csrf": self.csrf, "continue": "start"})

    def answer(self, page: Page, option: str | None) -> Page:
        """Answer a question (or continue an info step) from ``page``."""
        data: list[tuple[str, str]] = [("csrf", self.csrf or ""), ("continue", "continue")]
        if option is not None and option != CONTINUE:
            data.append(("answer", option))
        return self.post(f"/flows/{page.flow}/{page.state}", data)

    def tick(self, page: Page, items: Iterable[str]) -> Page:
        data = [("csrf", self.csrf or ""), ("continue", "continue"), *(("items", i) for i in items)]
        return self.post(f"/flows/{page.flow}/{page.state}", data)

    def walk(self, story: Story) -> Page:
        """Play a story's choices: checklist ticks are gathered until ``done``."""
        page = self.start(story.flow)
        ticks: list[str] = []
        for choice in story.choices:
            if page.kind == "checklist":
                if choice == DONE:
                    page = self.tick(page, ticks)
                    ticks = []
                elif choice in ticks:
                    ticks.remove(choice)
                else:
                    ticks.append(choice)
                continue
            page = self.answer(page, choice)
        return page
