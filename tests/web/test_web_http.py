"""The web channel over HTTP (Starlette's TestClient on the real app and a real SQLite store):
headers, cookies, CSRF, bad input, sessions, statistics and the page contract."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from bot.channels.web import COOKIE
from bot.channels.web.render import TEXT
from bot.flows import FlowSet
from tests.web.conftest import Site, make_site
from tests.web.webkit import WebUser, form, parse


def user(client: TestClient) -> WebUser:
    return WebUser(client)


def test_every_page_sends_the_security_headers_and_noindex(client: TestClient) -> None:
    web = user(client)
    for path in ("/", "/role", "/flows/report_concern", "/emergency", "/privacy", "/nowhere"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        headers = response.headers
        assert headers["cache-control"] == "no-store", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "camera=()" in headers["permissions-policy"]
        assert "noindex" in headers["x-robots-tag"]
        assert '<meta name="robots" content="noindex, nofollow">' in response.text
        assert "<script>" not in response.text
        assert " on" not in re.sub(r"<[^>]*>", "", "")
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), f"inline script on {path}"
        assert not re.search(r"\son[a-z]+=", response.text), f"inline event handler on {path}"
    assert web.get("/").main.get("data-page") == "roles"


def test_assets_are_served_with_hashed_names_and_long_caching(client: TestClient) -> None:
    html = client.get("/").text
    assets = re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)
    assert len(assets) == 2
    for path in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path)
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert client.get("/assets/referral-guide.css").status_code == 404
    assert client.get("/assets/../app.py").status_code == 404


def test_no_page_refers_to_another_origin(client: TestClient, flowset: FlowSet) -> None:
    web = user(client)
    web.choose_role("officer")
    page = web.start("nrm_referral")
    pages = [client.get("/").text, page.html, client.get("/emergency").text, client.get("/train/nrm_referral").text]
    for html in pages:
        for tag, attr in (("link", "href"), ("script", "src"), ("img", "src"), ("iframe", "src")):
            for value in re.findall(rf"<{tag}\b[^>]*\b{attr}=\"([^\"]+)\"", html):
                assert value.startswith("/"), value
        assert "fonts.googleapis" not in html
        assert "GDS Transport" not in html
        assert "crown" not in html.lower()
        assert "govuk-header__logo" not in html
        assert "GOV.UK" not in html
        assert re.search(r'class="govuk-service-navigation__link">\s*Referral Guide\s*</a>', html)


def test_the_session_cookie_holds_only_a_random_key_and_is_locked_down(site: Site) -> None:
    with site.client() as client:
        response = client.get("/")
        cookie = response.headers["set-cookie"]
        token = re.match(rf"{COOKIE}=([^;]+);", cookie)
        assert token is not None
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token.group(1))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Max-Age=86400" in cookie
        assert "Secure" not in cookie
    with site.client("https://guide.example") as client:
        assert "Secure" in client.get("/").headers["set-cookie"]


def test_answers_never_appear_in_urls_and_live_only_in_the_server_session(site: Site) -> None:
    with site.client() as client:
        web = user(client)
        web.choose_role("public")
        page = web.start("report_concern")
        page = web.answer(page, "no")
        page = web.answer(page, "continue")
        page = web.answer(page, "myself")
        page = web.answer(page, "under_18")
        assert page.outcome == "self_child"
        for location in web.locations:
            assert re.fullmatch(r"/(flows/[a-z0-9_]+/[a-z0-9_]+)?", location), location
            assert "?" not in location
            assert "myself" not in location
            assert "under_18" not in location
    rows = sqlite3.connect(site.sessions_db).execute("select key, session from sessions").fetchall()
    assert len(rows) == 1
    _key, stored = rows[0]
    assert '"channel":"web"' in stored
    assert '"state":"self_child"' in stored
    assert token_not_in(site.sessions_db, client.cookies.get(COOKIE) or "")


def token_not_in(db: Path, token: str) -> bool:
    wal = db.with_name(db.name + "-wal")
    data = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    return token.encode() not in data


def test_a_form_without_a_valid_csrf_token_changes_nothing(client: TestClient) -> None:
    web = user(client)
    web.choose_role("public")
    page = web.start("report_concern")
    for forged in ({"answer": "yes"}, {"answer": "yes", "csrf": "0" * 40}, {"answer": "yes", "csrf": ""}):
        response = client.post("/flows/report_concern/danger", **form(forged))
        assert response.status_code == 403
        after = parse(response.status_code, response.text)
        assert after.state == "danger"
        assert TEXT["form_expired"] in response.text
    for path in ("/role", "/flows/report_concern", "/restart/report_concern"):
        response = client.post(path, **form({"csrf": "forged", "role": "officer"}))
        assert response.status_code == 403, path
    assert web.get("/flows/report_concern/danger").state == "danger"
    assert web.get("/").main.get("data-page") == "guides"
    assert page.csrf is not None


def test_a_form_from_another_browser_is_refused(client: TestClient) -> None:
    alice, mallory = user(client), user(client)
    alice.choose_role("public")
    alice.start("report_concern")
    mallory.get("/")
    response = alice.request("POST", "/flows/report_concern/danger", **form({"csrf": mallory.csrf, "answer": "yes"}))
    assert response.status_code == 403
    assert alice.get("/flows/report_concern/danger").state == "danger"


def test_a_post_without_any_session_shows_a_clear_message(client: TestClient) -> None:
    response = client.post("/flows/report_concern/danger", **form({"csrf": "x", "answer": "yes"}))
    assert response.status_code == 400
    assert TEXT["no_session"] in response.text
    assert parse(400, response.text).main.get("data-page") == "start"


def test_continue_with_nothing_chosen_gives_an_error_summary(client: TestClient) -> None:
    web = user(client)
    page = web.start("report_concern")
    page = web.answer(page, None)
    assert page.status == 200
    assert page.state == "danger"
    assert page.title.startswith("Error: ")
    assert "There is a problem" in page.html
    assert 'href="#answer"' in page.html
    assert 'id="answer"' in page.html
    ok = web.get("/flows/report_concern/danger")
    assert not ok.title.startswith("Error")


@pytest.mark.parametrize("forged", [
    [("answer", "maybe")], [("answer", "yes"), ("answer", "no")], [("answer", "x" * 5000)],
    [("items", "yes")], b"answer=%00%ED%A0%80&answer=%FF", b"&&&===&answer",
])
def test_unknown_or_forged_options_show_the_step_again(client: TestClient,
                                                       forged: list[tuple[str, str]] | bytes) -> None:
    web = user(client)
    web.start("report_concern")
    if isinstance(forged, bytes):
        body = f"csrf={web.csrf}&".encode() + forged
        response = web.request("POST", "/flows/report_concern/danger", content=body,
                               headers={"content-type": "application/x-www-form-urlencoded"})
    else:
        response = web.request("POST", "/flows/report_concern/danger", **form([("csrf", web.csrf or ""), *forged]))
    assert response.status_code in (200, 413)
    page = parse(response.status_code, response.text)
    assert page.state == "danger"
    assert web.get("/flows/report_concern/danger").state == "danger"


def test_a_stale_answer_for_an_earlier_step_moves_nothing(client: TestClient) -> None:
    web = user(client)
    page = web.start("report_concern")
    web.answer(page, "no")
    response = client.post("/flows/report_concern/danger", **form({"csrf": web.csrf, "answer": "yes"}))
    assert response.status_code == 409
    assert parse(409, response.text).state == "stay_safe"
    assert TEXT["stale_step"] in response.text


def test_an_oversized_body_gets_413_and_the_current_step(client: TestClient) -> None:
    web = user(client)
    web.start("report_concern")
    response = client.post("/flows/report_concern/danger", **form({"csrf": web.csrf, "answer": "y" * 20_000}))
    assert response.status_code == 413
    assert parse(413, response.text).state == "danger"
    assert TEXT["too_large"] in response.text


def test_a_body_that_is_not_a_form_is_refused_without_a_500(client: TestClient) -> None:
    web = user(client)
    web.start("report_concern")
    for content, kind in ((b'{"answer": "yes"}', "application/json"),
                          (b"\xff\xfe", "application/x-www-form-urlencoded"),
                          (b"--x\r\n", "multipart/form-data; boundary=x")):
        response = client.post("/flows/report_concern/danger", content=content, headers={"content-type": kind})
        assert response.status_code == 400
        assert parse(400, response.text).state == "danger"


def test_wrong_methods_and_unknown_pages_never_500(client: TestClient) -> None:
    assert client.put("/flows/report_concern/danger").status_code == 405
    assert client.get("/flows/nope").status_code == 404
    assert client.get("/flows/nope/nothing").status_code == 404
    assert client.get("/answers/nope").status_code == 404
    assert client.get("/train/nope").status_code == 404
    assert client.get("/flows/report_concern/%00").status_code in (200, 303, 404)


def test_a_step_that_is_not_the_current_one_shows_the_current_step(client: TestClient) -> None:
    web = user(client)
    page = web.start("report_concern")
    page = web.answer(page, "no")
    assert page.state == "stay_safe"
    for other in ("danger", "who", "call_999", "self_help", "nonexistent"):
        assert web.get(f"/flows/report_concern/{other}").state == "stay_safe"
    assert web.get("/flows/spot_the_signs/anything").state == "stay_safe"
    assert web.get("/flows/report_concern").state == "stay_safe"  # resumes


def test_back_link_start_again_your_answers_and_change(client: TestClient) -> None:
    web = user(client)
    page = web.start("report_concern")
    assert 'class="govuk-back-link"' not in page.html  # nothing to go back to
    page = web.answer(web.answer(page, "no"), "continue")
    assert page.state == "who"
    assert 'href="/back/report_concern/who"' in page.html
    assert web.get("/back/report_concern/who").state == "stay_safe"
    assert web.get("/back/report_concern/who").state == "stay_safe"  # from a step no longer current: nothing moves
    page = web.answer(web.get("/flows/report_concern/stay_safe"), "continue")
    page = web.answer(page, "public")
    answers = web.get("/answers/report_concern")
    assert answers.main.get("data-page") == "answers"
    assert "No, not right now" in answers.html
    assert "A member of the public" in answers.html
    assert 'href="/change/report_concern/danger"' in answers.html
    assert 'class="govuk-visually-hidden"' in answers.html
    assert web.get("/change/report_concern/danger").state == "danger"
    page = web.answer(web.get("/flows/report_concern/danger"), "yes")
    assert page.outcome == "call_999"
    page = web.post("/restart/report_concern", {"csrf": web.csrf, "restart": "restart"})
    assert page.state == "danger"


def test_emergency_and_exit_are_on_every_page(client: TestClient) -> None:
    web = user(client)
    pages = [web.get("/"), web.choose_role("partner"), web.get("/flows/report_concern"), web.start("report_concern"),
             web.get("/emergency"), web.get("/privacy"), web.get("/answers/report_concern"),
             web.get("/train/report_concern"), web.get("/missing")]
    for page in pages:
        assert '<a href="tel:999">' in page.html, page.title
        assert re.search(r"<a [^>]*data-exit", page.html), page.title
        main_start = page.html.index("<main")
        assert page.html.index('href="tel:999"') > main_start  # above the question, inside main
        assert page.html.index('href="tel:999"') < page.html.index("</h1>") or "<legend" in page.html


def test_emergency_page_shows_the_emergency_services_and_keeps_the_place(site: Site) -> None:
    with site.client() as client:
        web = user(client)
        page = web.answer(web.start("report_concern"), "no")
        emergency = web.get("/emergency")
        assert emergency.main.get("data-page") == "emergency"
        assert 'data-signpost="police_emergency"' in emergency.html
        assert 'href="/flows/report_concern/stay_safe"' in emergency.html
        assert web.get("/flows/report_concern/stay_safe").state == page.state
    site.recorder.flush()
    kinds = [r[0] for r in sqlite3.connect(site.stats_db).execute("select kind from events where channel = 'web'")]
    assert "emergency" in kinds


def test_exit_ends_the_server_session_then_leaves_for_a_neutral_site(site: Site) -> None:
    with site.client() as client:
        web = user(client)
        web.answer(web.start("report_concern"), "no")
        assert sqlite3.connect(site.sessions_db).execute("select count(*) from sessions").fetchone()[0] == 1
        response = client.get("/exit")
        assert response.status_code == 303
        assert response.headers["location"] == "https://www.bbc.co.uk/weather"
        assert f'{COOKIE}=""' in response.headers["set-cookie"]
        assert "Max-Age=0" in response.headers["set-cookie"]
        assert sqlite3.connect(site.sessions_db).execute("select count(*) from sessions").fetchone()[0] == 0
        assert web.get("/flows/report_concern/stay_safe").main.get("data-page") == "start"


def test_sessions_of_two_browsers_never_cross(client: TestClient) -> None:
    a, b = user(client), user(client)
    pa = a.answer(a.start("report_concern"), "no")
    pb = b.start("spot_the_signs")
    assert (pa.state, pb.flow) == ("stay_safe", "spot_the_signs")
    assert a.get("/flows/report_concern").state == "stay_safe"
    assert b.get("/flows/spot_the_signs").state == pb.state


def test_an_expired_session_starts_again_and_is_counted_as_abandoned(flowset: FlowSet, tmp_path: Path) -> None:
    site = make_site(flowset, tmp_path)
    try:
        with site.client() as client:
            web = user(client)
            web.answer(web.start("report_concern"), "no")
            db = sqlite3.connect(site.sessions_db)
            old = (datetime.now(UTC) - timedelta(hours=30)).strftime("%Y-%m-%dT%H:00")
            db.execute("update sessions set last_active = ?", (old,))
            db.commit()
            page = web.get("/flows/report_concern/stay_safe")
            assert page.main.get("data-page") == "start"
            assert client.portal is not None
            assert client.portal.call(site.channel.sessions.sweep) == 1  # in the thread that owns the store
    finally:
        site.recorder.close()
    kinds = [r[0] for r in sqlite3.connect(site.stats_db).execute("select kind from events")]
    assert "abandoned" in kinds


def test_statistics_record_the_web_channel_and_nothing_about_the_visitor(site: Site) -> None:
    with site.client() as client:
        web = user(client)
        web.choose_role("public")
        page = web.start("report_concern")
        web.answer(web.answer(web.answer(web.answer(page, "no"), "continue"), "myself"), "under_18")
        client.get("/", headers={"user-agent": "UA-MARKER-123", "referer": "https://ref.example/path-MARKER"})
    site.recorder.flush()
    db = sqlite3.connect(site.stats_db)
    rows = db.execute("select channel, role, kind, outcome from events").fetchall()
    assert rows
    assert {r[0] for r in rows} == {"web"}
    assert ("web", "public", "outcome", "self_child") in rows
    for path in (site.stats_db, site.sessions_db):
        raw = path.read_bytes()
        wal = path.with_name(path.name + "-wal")
        raw += wal.read_bytes() if wal.exists() else b""
        for marker in (b"UA-MARKER", b"MARKER", b"127.0.0.1", b"testclient"):
            assert marker not in raw


def test_the_role_is_asked_once_then_the_role_s_guides_are_listed(client: TestClient, flowset: FlowSet) -> None:
    web = user(client)
    first = web.get("/")
    assert first.main.get("data-page") == "roles"
    assert set(first.values("role")) == {"officer", "partner", "public", "trainer"}
    empty = web.post("/role", {"csrf": web.csrf, "continue": "continue"})
    assert empty.title.startswith("Error: ")
    guides = web.choose_role("public")
    assert guides.main.get("data-page") == "guides"
    for flow in flowset.flows.values():
        assert (f'href="/flows/{flow.id}"' in guides.html) == ("public" in flow.audience and flow.status == "published")
    assert web.get("/").main.get("data-page") == "guides"
    assert web.get("/role").main.get("data-page") == "roles"


def test_step_pages_follow_the_contract(client: TestClient, flowset: FlowSet) -> None:
    web = user(client)
    page = web.start("spot_the_signs")
    seen = set()
    for _ in range(20):
        assert page.flow == "spot_the_signs"
        assert page.state
        assert page.kind in ("question", "checklist", "info", "outcome")
        seen.add(page.kind)
        if page.kind == "outcome":
            assert page.outcome == page.state
            assert 'data-signpost="' in page.html
            assert re.search(r'href="tel:[0-9+]+"', page.html)
            break
        assert 'name="continue"' in page.html
        if page.kind == "question":
            assert page.values("answer")
            page = web.answer(page, page.values("answer")[0])
        elif page.kind == "checklist":
            assert page.values("items")
            page = web.tick(page, page.values("items")[:1])
        else:
            page = web.answer(page, "continue")
    assert "outcome" in seen


def test_titles_are_unique_per_step(client: TestClient, flowset: FlowSet) -> None:
    from bot.channels.web.views import step_view
    from bot.engine import Engine, Session

    engine = Engine(flowset)
    titles: dict[str, str] = {}
    for flow in flowset.flows.values():
        for state in flow.states:
            turn = engine.current(Session(flow=flow.id, state=state, version=flow.version))
            title = step_view(engine, turn).title
            assert title not in titles, f"{flow.id}/{state} has the same title as {titles.get(title)}"
            titles[title] = f"{flow.id}/{state}"


def test_health_endpoint(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")
