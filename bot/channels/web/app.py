"""The web channel: one Starlette app over the shared engine, session store and statistics.

Answers travel only in POST bodies and live in the server-side session; the cookie holds a
random token. Each POST is checked (CSRF, size, the step it was for), acted on through the
engine, saved, then redirected to the step's stable address (``/flows/FLOW/STATE``).
Anything unexpected shows the user's current step again with a clear message, never a 500.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.channels.web.pages import COOKIE, DEFAULT_EXIT_URL, SHOWN, TRAIN, Links, Pages, first, safe_next, step_url
from bot.channels.web.render import ASSET_PREFIX
from bot.channels.web.security import SecurityHeaders
from bot.channels.web.sessions import CHANNEL, StoreError, new_token, valid_token
from bot.channels.web.views import answer_rows, in_language, paragraphs, tel_href
from bot.engine import Session
from bot.engine.machine import CONTINUE, DONE
from bot.flows.model import ROLES

__all__ = ["COOKIE", "DEFAULT_EXIT_URL", "Links", "WebChannel", "create_app"]

log = logging.getLogger(__name__)


class WebChannel(Pages):
    """The web pages. ``create_app`` wires them into a Starlette application.

    Args:
        engine: the shared engine (with the statistics recorder attached).
        sessions: the session store adapter.
        exit_url: where Exit this page leaves for.
        secure_cookie: always mark the cookie Secure (otherwise only on https requests).
        force: the force name shown beside the service name (the local profile's).
    """

    # -- endpoints -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """``/``: the role question once, then that role's guides."""
        visit = self._visit(request)
        return self._home_page(request, visit)

    async def role_page(self, request: Request) -> Response:
        """``GET /role``: choose (or change) who you are."""
        return self._home_page(request, self._visit(request), roles=True)

    async def role_post(self, request: Request) -> Response:
        """``POST /role``: remember the role (never who the user is), then list the guides."""
        visit = self._visit(request)
        form, refused = await self._form(request, visit)
        if refused is not None:
            return refused
        assert form is not None
        role = first(form, "role")
        if role is None or role not in ROLES:
            error = self._words(visit)["select_one"] if role is None else self._words(visit)["unknown_option"]
            return self._home_page(request, visit, roles=True, error=error)
        self._session(visit).role = role
        self._save(visit)
        return self._redirect(request, visit, "/")

    async def flow_start(self, request: Request) -> Response:
        """``GET /flows/{flow_id}``: resume the guide where the user is, or its start page."""
        visit = self._visit(request)
        flow_id = request.path_params["flow_id"]
        flow = self._flow(flow_id, visit.session, visit.language)
        if flow is None:
            return self.not_found(request, visit)
        view = TRAIN if request.query_params.get("view") == TRAIN else None
        session = visit.session
        if session is not None and session.flow == flow_id:
            turn = self._engine(visit).resume(session)
            if turn.flow == flow_id:
                return self._redirect(request, visit, step_url(flow_id, turn.state, view))
        return self._start_page(request, visit, flow, view=view)

    async def flow_begin(self, request: Request) -> Response:
        """``POST /flows/{flow_id}``: start the guide from its first step (a new run)."""
        visit = self._visit(request)
        flow_id = request.path_params["flow_id"]
        form, refused = await self._form(request, visit, flow_id=flow_id)
        if refused is not None:
            return refused
        assert form is not None
        flow = self._flow(flow_id, visit.session, visit.language)
        if flow is None:
            return self.not_found(request, visit)
        view = TRAIN if first(form, "view") == TRAIN else None
        session = self._session(visit)
        if view == TRAIN:
            session.training = True
        turn = self._engine(visit).start(session, flow.id)
        self._save(visit)
        return self._redirect(request, visit, step_url(flow.id, turn.state, view))

    async def step(self, request: Request) -> Response:
        """``GET /flows/{flow_id}/{state_id}``: the step, if it is the user's current one."""
        visit = self._visit(request)
        flow_id, state_id = request.path_params["flow_id"], request.path_params["state_id"]
        session = visit.session
        if session is None or session.flow is None:
            flow = self._flow(flow_id, session, visit.language)
            if flow is None:
                return self.not_found(request, visit)
            return self._start_page(request, visit, flow)
        before = session.to_dict()
        turn = self._engine(visit).resume(session)
        if session.to_dict() != before:
            self._save(visit)
        if turn.flow is None:
            return self._home_page(request, visit, notice=turn.notice)
        if (turn.flow, turn.state) != (flow_id, state_id):
            return self._redirect(request, visit, step_url(turn.flow, turn.state))
        return self._step_page(request, visit, turn)

    async def answer(self, request: Request) -> Response:
        """``POST /flows/{flow_id}/{state_id}``: act on an answer to the current step."""
        visit = self._visit(request)
        flow_id, state_id = request.path_params["flow_id"], request.path_params["state_id"]
        form, refused = await self._form(request, visit, flow_id=flow_id)
        if refused is not None:
            return refused
        assert form is not None
        view = TRAIN if first(form, "view") == TRAIN else None
        session = visit.session
        if session is None or session.flow is None:
            return self._show_current(request, visit, notice=self._words(visit)["no_session"], flow_id=flow_id,
                                      view=view)
        turn = self._engine(visit).resume(session)
        if turn.flow is None or (turn.flow, turn.state) != (flow_id, state_id):
            self._save(visit)
            return self._show_current(request, visit, status=409, notice=self._words(visit)["stale_step"], view=view)
        ids = {o.id for o in turn.options}
        if turn.kind == "question":
            answers = form.get("answer", [])
            if not answers:
                return self._step_page(request, visit, turn, view=view, error=self._words(visit)["select_one"])
            if len(answers) > 1 or answers[0] not in ids:
                return self._step_page(request, visit, turn, view=view, error=self._words(visit)["unknown_option"])
            self._engine(visit).choose(session, answers[0])
        elif turn.kind == "checklist":
            items = list(dict.fromkeys(form.get("items", [])))
            if any(item not in ids or item == DONE for item in items):
                return self._step_page(request, visit, turn, view=view, error=self._words(visit)["unknown_option"])
            session.selected.clear()
            for item in items:
                self._engine(visit).choose(session, item)
            self._engine(visit).choose(session, DONE)
        elif turn.kind == "info":
            self._engine(visit).choose(session, CONTINUE)
        self._save(visit)
        now = self._engine(visit).current(session)
        return self._redirect(request, visit, step_url(now.flow or flow_id, now.state, view))

    async def restart(self, request: Request) -> Response:
        """``POST /restart/{flow_id}``: Start again from the guide's first step."""
        visit = self._visit(request)
        flow_id = request.path_params["flow_id"]
        form, refused = await self._form(request, visit, flow_id=flow_id)
        if refused is not None:
            return refused
        assert form is not None
        view = TRAIN if first(form, "view") == TRAIN else None
        session = visit.session
        if session is None or session.flow != flow_id:
            return self._show_current(request, visit, notice=self._words(visit)["stale_step"], flow_id=flow_id,
                                      view=view)
        turn = self._engine(visit).restart(session)
        self._save(visit)
        return self._redirect(request, visit, step_url(flow_id, turn.state, view))

    async def back(self, request: Request) -> Response:
        """``GET /back/{flow_id}/{state_id}``: one step back from that step (only from there)."""
        visit = self._visit(request)
        flow_id, state_id = request.path_params["flow_id"], request.path_params["state_id"]
        view = TRAIN if request.query_params.get("view") == TRAIN else None
        session = visit.session
        if session is None or session.flow is None:
            return self._redirect(request, visit, f"/flows/{quote(flow_id)}")
        if (session.flow, session.state) == (flow_id, state_id) and session.history and not session.emergency:
            self._engine(visit).back(session)
            self._save(visit)
        return self._redirect(request, visit, step_url(session.flow, session.state, view))

    async def change(self, request: Request) -> Response:
        """``GET /change/{flow_id}/{state_id}``: go back to an earlier answer to change it."""
        visit = self._visit(request)
        flow_id, state_id = request.path_params["flow_id"], request.path_params["state_id"]
        session = visit.session
        if session is None or session.flow is None:
            return self._redirect(request, visit, f"/flows/{quote(flow_id)}")
        if session.flow == flow_id and any(s == state_id for s, _ in session.history):
            while session.history and session.state != state_id:
                self._engine(visit).back(session)
            self._save(visit)
        return self._redirect(request, visit, step_url(session.flow, session.state))

    async def answers(self, request: Request) -> Response:
        """``GET /answers/{flow_id}``: Your answers, each with a Change link."""
        visit = self._visit(request)
        flow_id = request.path_params["flow_id"]
        session = visit.session
        flow = self._flow(flow_id, session, visit.language)
        if flow is None:
            return self.not_found(request, visit)
        if session is None or session.flow != flow_id:
            return self._redirect(request, visit, f"/flows/{quote(flow_id)}")
        words = self._words(visit)
        other = flow.language if flow.language != visit.language else None  # issue 15: English in a Welsh page
        rows = [{
            "key": {"html": in_language(row.question, other)},
            "value": {"html": in_language(row.answer, other)},
            "actions": {"items": [{"href": f"/change/{quote(flow_id)}/{quote(row.state_id)}",
                                   "text": words["change"], "visuallyHiddenText": row.question}]},
        } for row in answer_rows(self._engine(visit), session, words)]
        title = f"{words['your_answers']} - {flow.title} - {words['service']}"
        return self._page(request, visit, "answers.html", title=title, flow=flow, rows=rows, view=None,
                          current_href=step_url(flow_id, session.state), restart_action=f"/restart/{quote(flow_id)}",
                          answers_href=f"/answers/{quote(flow_id)}")

    async def emergency(self, request: Request) -> Response:
        """``GET /emergency``: what to do if someone is in danger now, from anywhere."""
        visit = self._visit(request)
        session = visit.session
        back_href, back_text = "/", self._words(visit)["guides"]
        if session is not None:
            if request.query_params.get(SHOWN) != "1":  # not again when only the language changed
                self._engine(visit).emergency(session)  # counted in the statistics, like Telegram's button
                self._engine(visit).back(session)  # the web keeps the user's place: the step page is theirs
                self._save(visit)
            if session.flow is not None:
                back_href, back_text = step_url(session.flow, session.state), self._engine(visit).ui("emergency_back")
        turn = self._engine(visit).current(Session(channel=CHANNEL, emergency=True))
        signposts = [{"id": s.id, "name": s.name, "phone": s.phone, "tel": tel_href(s.phone) if s.phone else None,
                      "url": s.url, "how": s.how} for s in turn.signposts]
        return self._page(request, visit, "emergency.html", title=self._title(visit, "emergency_title"),
                          paragraphs=paragraphs(turn.text), signposts=signposts, return_href=back_href,
                          return_text=back_text)

    async def exit(self, request: Request) -> Response:
        """``GET /exit``: end the session on the server, forget the cookie, leave for a neutral site."""
        token = request.cookies.get(COOKIE)
        if valid_token(token):
            assert token is not None
            try:
                session = self.sessions.load(token)
                if session is not None:
                    self.engine.abandon(session)
                self.sessions.delete(token)
            except StoreError:  # leaving must never wait for a broken disk; the row expires anyway
                log.warning("web: exit could not delete a session (the store failed); it will expire")
        response = RedirectResponse(self.exit_url, status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def privacy(self, request: Request) -> Response:
        """``GET /privacy``: what is stored, and for how long."""
        visit = self._visit(request)
        return self._page(request, visit, "message.html", title=self._title(visit, "privacy"),
                          heading=self._words(visit)["privacy"],
                          paragraphs=paragraphs(self._engine(visit).ui("privacy")))

    async def about(self, request: Request) -> Response:
        """``GET /about``: what the guide is, each guide's review dates, and (issue 15) whether a
        fluent speaker has reviewed the translation yet."""
        visit = self._visit(request)
        engine, words = self._engine(visit), self._words(visit)
        guides = [f"{f.title}: {words['version'].lower()} {f.version}, {words['reviewed']} "
                  f"{f.reviewed_on.isoformat()}, {words['review_due']} {f.review_due.isoformat()}."
                  for f in engine.flowset.flows.values() if f.status == "published"]
        unreviewed = self.unreviewed(visit.language, *engine.flowset.flows.values())
        return self._page(request, visit, "message.html", title=f"{words['about']} - {words['service']}",
                          heading=words["about"], paragraphs=paragraphs(engine.ui("about")), items=guides,
                          unreviewed=unreviewed)

    async def language(self, request: Request) -> Response:
        """``GET /language/{code}?next=/path``: show pages in that language from now on and go
        back to the same page (a link, so it works without JavaScript; it changes only how
        pages are shown, so a GET without a form token is safe)."""
        visit = self._visit(request)
        code = request.path_params["code"]
        target = safe_next(request.query_params.get("next"))
        if code not in self.engine.languages:
            return self._redirect(request, visit, target)
        visit.language = code
        session = self._session(visit)
        session.language = code
        self._save(visit)
        if target == "/emergency":  # the same page in the other language, not a second emergency
            target = f"/emergency?{SHOWN}=1"
        return self._redirect(request, visit, target)

    async def train(self, request: Request) -> Response:
        """``GET /train/{flow_id}``: the trainer view (step, diagram, why-note and source)."""
        visit = self._visit(request)
        flow_id = request.path_params["flow_id"]
        session = visit.session
        if session is not None and not session.training:
            session.training = True
            self._save(visit)
        probe = session or Session(channel=CHANNEL, training=True)
        flow = self._flow(flow_id, probe if probe.training else Session(channel=CHANNEL, training=True),
                          visit.language)
        if flow is None:
            return self.not_found(request, visit)
        if session is None or session.flow != flow_id:
            return self._start_page(request, visit, flow, view=TRAIN)
        turn = self._engine(visit).resume(session)
        if turn.flow != flow_id:
            return self._start_page(request, visit, flow, view=TRAIN)
        return self._step_page(request, visit, turn, view=TRAIN)

    async def asset(self, request: Request) -> Response:
        """``/assets/NAME``: a compiled asset, cached for a year (the name holds its hash)."""
        name = request.path_params["name"]
        body = self._assets.get(name)
        if body is None:
            return PlainTextResponse("Not found", status_code=404)
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return Response(body, media_type=kind)

    async def health(self, request: Request) -> Response:
        """``/healthz``: the server answers and the session store can be read."""
        self.sessions.load(new_token())
        return PlainTextResponse("ok")

    async def favicon(self, request: Request) -> Response:
        """No icon: an empty answer, so browsers stop asking."""
        return Response(status_code=204)

    def routes(self) -> list[Route]:
        """Every route of the web channel."""
        return [
            Route("/", self.home, methods=["GET"]),
            Route("/role", self.role_page, methods=["GET"]),
            Route("/role", self.role_post, methods=["POST"]),
            Route("/flows/{flow_id}", self.flow_start, methods=["GET"]),
            Route("/flows/{flow_id}", self.flow_begin, methods=["POST"]),
            Route("/flows/{flow_id}/{state_id}", self.step, methods=["GET"]),
            Route("/flows/{flow_id}/{state_id}", self.answer, methods=["POST"]),
            Route("/restart/{flow_id}", self.restart, methods=["POST"]),
            Route("/back/{flow_id}/{state_id}", self.back, methods=["GET"]),
            Route("/change/{flow_id}/{state_id}", self.change, methods=["GET"]),
            Route("/answers/{flow_id}", self.answers, methods=["GET"]),
            Route("/train/{flow_id}", self.train, methods=["GET"]),
            Route("/emergency", self.emergency, methods=["GET"]),
            Route("/exit", self.exit, methods=["GET"]),
            Route("/privacy", self.privacy, methods=["GET"]),
            Route("/about", self.about, methods=["GET"]),
            Route("/language/{code}", self.language, methods=["GET"]),
            Route("/healthz", self.health, methods=["GET"]),
            Route("/favicon.ico", self.favicon, methods=["GET"]),
            Route(ASSET_PREFIX + "{name}", self.asset, methods=["GET"]),
        ]


def create_app(channel: WebChannel, extra: Sequence[Route] = ()) -> Starlette:
    """The ASGI application: the routes (``extra`` first), the error pages and the security headers."""

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        if status == 405:
            return channel._show_current(request, channel._visit(request), status=405)
        try:
            visit = channel._visit(request)  # the page in the visitor's language
        except StoreError:
            visit = None
        return channel.not_found(request, visit)

    async def store_failed(request: Request, exc: Exception) -> Response:
        log.warning("web: the session store could not be read (%s)", exc.__class__.__name__)
        return channel.unavailable(request)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        channel.sessions.close()

    app = Starlette(routes=[*extra, *channel.routes()], lifespan=lifespan,
                    exception_handlers={404: not_found, 405: not_found, StoreError: store_failed})
    app.add_middleware(SecurityHeaders, immutable_prefix=ASSET_PREFIX)
    app.state.channel = channel
    return app
