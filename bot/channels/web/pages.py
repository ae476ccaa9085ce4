"""How the web channel builds its pages: visits, cookies, the page cache and the page kinds.

:class:`Pages` holds what every endpoint shares; :class:`bot.channels.web.app.WebChannel`
adds the endpoints and routes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.channels.glossary import unreviewed
from bot.channels.web.diagram import NO_DIAGRAM, inline_diagram
from bot.channels.web.render import asset_names, asset_path, in_language, render, static_dir, texts
from bot.channels.web.security import BodyTooLarge, Csrf, read_form
from bot.channels.web.sessions import CHANNEL, WebSessions, new_token, valid_token
from bot.channels.web.views import first_sentence, force_name, step_view, tel_href
from bot.engine import Engine, Session, Turn
from bot.flows.i18n import other_language
from bot.flows.model import ROLES, Flow

__all__ = ["COOKIE", "DEFAULT_EXIT_URL", "PAGE_CACHE", "TRAIN", "Links", "Pages", "Visit", "first", "safe_next",
           "step_url"]

COOKIE = "rg_session"
DEFAULT_EXIT_URL = "https://www.bbc.co.uk/weather"
"""Where Exit this page leaves for: GOV.UK Frontend's default neutral site."""
TRAIN = "train"
PAGE_CACHE = 1024
SHOWN = "shown"
"""Query flag of /emergency after a language switch: show it again without counting it again."""


@dataclass(frozen=True, slots=True)
class Links:
    """Addresses every page links to (the offline pack uses file names instead)."""

    home: str
    emergency: str
    exit: str
    privacy: str | None
    about: str | None
    css: str
    js: str | None
    emergency_phone: str
    emergency_tel: str


@dataclass(slots=True)
class Visit:
    """One request's browser session: its cookie token and the stored session, if any."""

    token: str
    fresh: bool
    session: Session | None
    language: str = "en"
    """The language pages are shown in: the session's, or the browser's choice before there is one."""


def step_url(flow_id: str, state_id: str, view: str | None = None) -> str:
    """A step's stable address (or the trainer view of its flow)."""
    if view == TRAIN:
        return f"/train/{quote(flow_id)}"
    return f"/flows/{quote(flow_id)}/{quote(state_id)}"


def safe_next(path: str | None) -> str:
    """``path`` if it is an address on this site (``/...``), else ``/``: the language switch
    never sends anyone to another site."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path or any(
            ord(c) < 32 for c in path):
        return "/"
    return path


def first(form: dict[str, list[str]], name: str) -> str | None:
    """The first value of a form field, or None."""
    values = form.get(name)
    return values[0] if values else None


class Pages:
    """Building and answering pages: the shared part of :class:`bot.channels.web.app.WebChannel`.

    Args:
        engine: the shared engine (with the statistics recorder attached).
        sessions: the session store adapter.
        exit_url: where Exit this page leaves for.
        secure_cookie: always mark the cookie Secure (otherwise only on https requests).
        force: the force name shown beside the service name (the local profile's).
    """

    def __init__(self, engine: Engine, sessions: WebSessions, *, exit_url: str = DEFAULT_EXIT_URL,
                 secure_cookie: bool = False, force: str | None = None) -> None:
        self.engine = engine
        self.sessions = sessions
        self.exit_url = exit_url
        self.secure_cookie = secure_cookie
        self.force = force or force_name(engine)
        self.csrf = Csrf(secrets.token_bytes(32))
        emergency = next((engine.flowset.signposts[s] for s in engine.flowset.emergency_signposts
                          if engine.flowset.signposts[s].phone), None)
        phone = emergency.phone if emergency is not None and emergency.phone else "999"
        self.links = Links(home="/", emergency="/emergency", exit="/exit", privacy="/privacy", about="/about",
                           css=asset_path("referral-guide.css"), js=asset_path("referral-guide.js"),
                           emergency_phone=phone, emergency_tel=tel_href(phone))
        self._assets = {name: (static_dir() / name).read_bytes() for name in asset_names().values()}
        self._pages: dict[Hashable, str] = {}
        self._placeholder = secrets.token_hex(20)  # the same length as a form token

    # -- plumbing ----------------------------------------------------------------------------------

    def _visit(self, request: Request) -> Visit:
        token = request.cookies.get(COOKIE) or ""
        session = self.sessions.load(token) if valid_token(token) else None
        if session is not None:
            language = self.engine.for_language(session.language).language
        else:
            language = self.preferred_language(request)
        if not valid_token(token):
            return Visit(new_token(), True, None, language)
        return Visit(token, False, session, language)

    def preferred_language(self, request: Request) -> str:
        """Welsh for a browser whose first Accept-Language is Welsh (``cy``, ``cy-GB``) when the
        flows are in Welsh; otherwise English."""
        wanted = request.headers.get("accept-language", "").strip().lower()
        return next((code for code in self.engine.languages if code != "en" and wanted.startswith(code)), "en")

    def _session(self, visit: Visit) -> Session:
        if visit.session is None:
            visit.session = self.engine.new_session(channel=CHANNEL)
            visit.session.language = visit.language
        return visit.session

    def _engine(self, visit: Visit) -> Engine:
        """The engine in the visit's language."""
        return self.engine.for_language(visit.language)

    def _words(self, visit: Visit) -> dict[str, str]:
        """The web pages' own words in the visit's language."""
        return texts(visit.language)

    def _switch(self, language: str, here: str) -> dict[str, str] | None:
        """The link to the same page in the other language (none when the flows are in one)."""
        other = other_language(self.engine.languages, language)
        if other is None:
            return None
        return {"href": f"/language/{other}?next={quote(here, safe='/')}", "lang": other,
                "text": self.engine.for_language(language).ui("language_label")}

    def _title(self, visit: Visit, key: str) -> str:
        """A page title: the page's own words, then the service."""
        words = self._words(visit)
        return f"{words[key]} - {words['service']}"

    @staticmethod
    def _here(request: Request) -> str:
        """This page's address, for the language switch (GET pages are stable addresses; a page
        shown after Start again is the guide's start page)."""
        view = "?view=train" if request.query_params.get("view") == TRAIN else ""
        path = request.url.path
        if path.startswith("/restart/"):  # only answers POST
            path = "/flows/" + path.removeprefix("/restart/")
        return path + view

    def _finish(self, request: Request, visit: Visit, response: Response) -> Response:
        secure = self.secure_cookie or request.url.scheme == "https"
        response.set_cookie(COOKIE, visit.token, max_age=self.sessions.ttl_seconds, path="/",
                            httponly=True, samesite="lax", secure=secure)
        return response

    def _html(self, template: str, csrf: str, language: str, here: str, **context: Any) -> str:
        context.setdefault("back_href", None)
        context.setdefault("stamp", None)
        context.setdefault("wide", False)
        return render(template, links=self.links, force=self.force, csrf=csrf, lang=language, t=texts(language),
                      switch=self._switch(language, here), flow_href=lambda flow_id: f"/flows/{quote(flow_id)}",
                      **context)

    def _page(self, request: Request, visit: Visit, template: str, status: int = 200, **context: Any) -> Response:
        html = self._html(template, self.csrf.token(visit.token), visit.language, self._here(request), **context)
        return self._finish(request, visit, HTMLResponse(html, status_code=status))

    def _cached_page(self, request: Request, visit: Visit, key: Hashable, template: str, status: int,
                     here: str, build: Callable[[], dict[str, Any]]) -> Response:
        """A page that depends only on ``key`` (and the CSRF token): rendered once, then reused.

        Turns are immutable values, so a step page is the same for every visitor on that step
        apart from the form token, which replaces a placeholder. The cache is emptied past
        ``PAGE_CACHE`` pages.
        """
        key = (key, visit.language)
        html = self._pages.get(key)
        if html is None:
            if len(self._pages) >= PAGE_CACHE:
                self._pages.clear()
            html = self._pages[key] = self._html(template, self._placeholder, visit.language, here, **build())
        page = html.replace(self._placeholder, self.csrf.token(visit.token))
        return self._finish(request, visit, HTMLResponse(page, status_code=status))

    def _redirect(self, request: Request, visit: Visit, url: str) -> Response:
        return self._finish(request, visit, RedirectResponse(url, status_code=303))

    def _save(self, visit: Visit) -> None:
        if visit.session is not None:
            self.sessions.save(visit.token, visit.session)

    def _flow(self, flow_id: str, session: Session | None, language: str = "en") -> Flow | None:
        """A flow this session may open (in its language): published ones for everyone, drafts
        for trainers."""
        probe = session or self.engine.new_session(channel=CHANNEL)
        engine = self.engine.for_language(session.language if session is not None else language)
        return next((f for f in engine.visible_flows(probe) if f.id == flow_id), None)

    def unreviewed(self, language: str, *flows: Flow) -> str | None:
        """The "not yet reviewed by a fluent speaker" notice for pages in ``language``, when its
        interface texts or one of ``flows`` are translated but not reviewed (issue 15); else None."""
        engine = self.engine.for_language(language)
        if engine.language == "en" or not unreviewed(engine, flows):
            return None
        return engine.ui("translation_unreviewed")

    # -- step pages --------------------------------------------------------------------------------

    def _step_page(self, request: Request, visit: Visit, turn: Turn, *, view: str | None = None,
                   status: int = 200, error: str | None = None, notice: str | None = None) -> Response:
        session = self._session(visit)
        engine, words = self._engine(visit), self._words(visit)
        flow_id = turn.flow
        assert flow_id is not None
        if error is not None or notice is not None:
            turn = engine.current(session, error=error, notice=notice or turn.notice)
        can_go_back = bool(session.history)

        def build() -> dict[str, Any]:
            step = step_view(engine, turn, can_go_back=can_go_back, training=session.training, words=words)
            other = step.language if step.language != visit.language else None  # English in a Welsh page
            radio_items = [{"value": c.id, "html": in_language(c.label, other), "checked": c.checked}
                           for c in step.choices]
            back = None
            if step.can_go_back:
                back = f"/back/{quote(step.flow_id)}/{quote(step.state_id)}" + ("?view=train" if view else "")
            context: dict[str, Any] = {
                "title": step.title, "step": step, "radio_items": radio_items, "view": view, "back_href": back,
                "show_why": view == TRAIN, "action": step_url(step.flow_id, step.state_id),
                "restart_action": f"/restart/{quote(step.flow_id)}", "answers_href": f"/answers/{quote(step.flow_id)}",
                "offline": None,
            }
            if view == TRAIN:
                flow = engine.flowset.flows[step.flow_id]
                context.update(title=f"{words['trainer_view']}: {step.title}", no_diagram=NO_DIAGRAM, wide=True,
                               diagram=inline_diagram(flow, step.state_id),
                               unreviewed=self.unreviewed(visit.language, flow))
            return context

        template = "train.html" if view == TRAIN else "step.html"
        here = step_url(flow_id, turn.state, view)  # the same step in the other language
        return self._cached_page(request, visit, (turn, view, can_go_back, session.training), template, status,
                                 here, build)

    def _show_current(self, request: Request, visit: Visit, *, view: str | None = None, status: int = 200,
                      notice: str | None = None, flow_id: str | None = None) -> Response:
        """The user's current step with a message; the start page or home when there is none."""
        session = visit.session
        if session is not None and session.flow is not None:
            turn = self._engine(visit).resume(session)
            if turn.flow is not None:
                return self._step_page(request, visit, turn, view=view, status=status, notice=notice or turn.notice)
        flow = self._flow(flow_id, session, visit.language) if flow_id else None
        if flow is not None:
            return self._start_page(request, visit, flow, view=view, status=status, notice=notice)
        return self._home_page(request, visit, status=status, notice=notice)

    def _start_page(self, request: Request, visit: Visit, flow: Flow, *, view: str | None = None,
                    status: int = 200, notice: str | None = None) -> Response:
        words, engine = self._words(visit), self._engine(visit)
        title = f"{flow.title} - {words['trainer_view'] + ' - ' if view else ''}{words['service']}"
        if notice is None and flow.language != engine.language:  # issue 15: said before the guide starts
            notice = engine.ui("not_translated")
        return self._page(request, visit, "start.html", status, title=title, flow=flow, view=view,
                          notice=notice, start_action=f"/flows/{quote(flow.id)}",
                          unreviewed=self.unreviewed(visit.language, flow) if view == TRAIN else None)

    def _home_page(self, request: Request, visit: Visit, *, roles: bool | None = None, status: int = 200,
                   notice: str | None = None, error: str | None = None) -> Response:
        session = visit.session
        engine, words = self._engine(visit), self._words(visit)
        ask_role = roles if roles is not None else (session is None or session.role is None)
        if ask_role:
            current = session.role if session else None
            items = [{"value": r, "text": engine.ui(f"role_{r}"), "checked": r == current} for r in ROLES]
            heading, intro = first_sentence(engine.ui("choose_role"))
            title = f"{words['error_prefix'] if error else ''}{heading} - {words['service']}"
            return self._page(request, visit, "home.html", status, title=title, roles=items, heading=heading,
                              intro=intro, error=error, notice=notice, role_action="/role")
        assert session is not None
        guides = [{"id": f.id, "title": f.title, "description": f.description, "language": f.language}
                  for f in engine.visible_flows(session)]
        return self._page(request, visit, "home.html", status, title=f"{words['choose_guide']} - {words['service']}",
                          roles=None, guides=guides, intro=engine.ui("menu"), notice=notice, error=None,
                          change_role_href="/role")

    def not_found(self, request: Request, visit: Visit | None = None) -> Response:
        """A 404 page with the usual emergency line and Exit."""
        visit = visit or Visit(new_token(), True, None, self.preferred_language(request))
        return self._page(request, visit, "message.html", 404, title=self._title(visit, "not_found"),
                          heading=self._words(visit)["not_found"], paragraphs=[self._words(visit)["not_found_text"]])

    def unavailable(self, request: Request) -> Response:
        """The store cannot be read: say so (503), still with 999 and Exit."""
        visit = Visit(new_token(), True, None, self.preferred_language(request))
        words = self._words(visit)
        return self._page(request, visit, "message.html", 503, title=self._title(visit, "unavailable"),
                          heading=words["unavailable"], paragraphs=[words["unavailable_text"]])

    # -- form handling -------------------------------------------------------------------------

    async def _form(self, request: Request, visit: Visit, *, flow_id: str | None = None
                    ) -> tuple[dict[str, list[str]] | None, Response | None]:
        """The checked form, or the response that replaces acting on it."""
        view = TRAIN if request.query_params.get("view") == TRAIN else None
        words = self._words(visit)
        try:
            form = await read_form(request)
        except BodyTooLarge:
            return None, self._show_current(request, visit, status=413, notice=words["too_large"], flow_id=flow_id)
        except ValueError:
            form = None
        if form is None:
            return None, self._show_current(request, visit, status=400, notice=words["form_expired"], flow_id=flow_id)
        if visit.fresh:
            return None, self._show_current(request, visit, status=400, notice=words["no_session"], flow_id=flow_id,
                                            view=view)
        if not self.csrf.check(visit.token, first(form, "csrf")):
            return None, self._show_current(request, visit, status=403, notice=words["form_expired"],
                                            flow_id=flow_id, view=view)
        return form, None

