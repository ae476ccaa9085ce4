"""The web channel in Welsh (issue 15), over HTTP on the real app and a real SQLite store: the
language link on every page keeps the user's place, ``lang`` attributes (including English
fallback inside a Welsh page), the GOV.UK components' Welsh texts, and the review notice."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markupsafe import escape
from starlette.testclient import TestClient

from bot.channels.web.render import all_texts, texts
from bot.flows import Catalogue, load_catalogue
from tests.web.conftest import Site, make_site
from tests.web.webkit import Page, WebUser
from tests.web.welsh import NOT_TRANSLATED_CY, UNREVIEWED_CY, WELSH_QUESTION, WELSH_TITLE, welsh_flows

TEMPLATES = Path(__file__).parents[2] / "bot" / "channels" / "web" / "templates"
CY = texts("cy")
UNREVIEWED = escape(UNREVIEWED_CY)


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return load_catalogue(welsh_flows(tmp_path_factory.mktemp("flows")))


@pytest.fixture
def cy_site(catalogue: Catalogue, tmp_path: Path) -> Iterator[Site]:
    made = make_site(catalogue, tmp_path)
    yield made
    made.recorder.close()


@pytest.fixture
def cy_client(cy_site: Site) -> Iterator[TestClient]:
    with cy_site.client() as test_client:
        yield test_client


class Languages(HTMLParser):
    """Every piece of text in a page's head and body with the language it is in (the nearest
    ``lang``), except the page title (a title holds no markup: the guide's name stays as it is)."""

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                      "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        lang = dict(attrs).get("lang") or (self.stack[-1][1] if self.stack else "")
        self.stack.append((tag, lang))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and self.stack and self.stack[-1][0] != "title":  # a page title has no markup
            self.texts.append((" ".join(data.split()), self.stack[-1][1]))


def languages(html: str) -> list[tuple[str, str]]:
    parser = Languages()
    parser.feed(html)
    return parser.texts


def lang_of(html: str, text: str) -> set[str]:
    """The languages of every text piece that contains ``text``."""
    found = {lang for piece, lang in languages(html) if text in piece}
    assert found, f"{text!r} is not on the page"
    return found


def switch_link(page: Page) -> dict[str, str]:
    found = re.search(r'<a class="govuk-link" href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)"[^>]*>([^<]+)</a>',
                      page.html)
    assert found is not None, "no language link"
    href, lang, hreflang, text = found.groups()
    return {"href": href.replace("&amp;", "&"), "lang": lang, "hreflang": hreflang, "text": text}


def welsh_user(client: TestClient) -> WebUser:
    web = WebUser(client)
    assert web.get("/language/cy?next=/").status == 200
    return web


def test_a_welsh_page_links_back_to_english_at_the_same_step(cy_client: TestClient) -> None:
    """Must show (issue 15): a Welsh step links to the same step in English, and back."""
    web = welsh_user(cy_client)
    page = web.start("report_concern")
    assert page.state == "danger"
    assert '<html lang="cy"' in page.html
    assert WELSH_QUESTION in page.html
    link = switch_link(page)
    assert link == {"href": "/language/en?next=/flows/report_concern/danger", "lang": "en", "hreflang": "en",
                    "text": "English"}
    page = web.get(link["href"])
    assert web.locations[-1] == "/flows/report_concern/danger"
    assert (page.flow, page.state) == ("report_concern", "danger")
    assert '<html lang="en"' in page.html
    assert "Is anyone in immediate danger" in page.html
    back = switch_link(page)
    assert back == {"href": "/language/cy?next=/flows/report_concern/danger", "lang": "cy", "hreflang": "cy",
                    "text": "Cymraeg"}
    assert web.get(back["href"]).state == "danger"


def test_switching_language_keeps_the_place_and_the_way_back(cy_client: TestClient) -> None:
    web = welsh_user(cy_client)
    page = web.answer(web.start("report_concern"), "no")
    assert page.state == "stay_safe"
    assert f">{CY['back']}</a>" in page.html
    page = web.get(switch_link(page)["href"])
    assert (page.state, '<html lang="en"' in page.html) == ("stay_safe", True)
    assert ">Back</a>" in page.html
    page = web.get(f"/back/{page.flow}/{page.state}")
    assert page.state == "danger"
    assert web.get("/answers/report_concern").status == 200
    page = web.get(switch_link(web.get("/answers/report_concern"))["href"])
    assert page.main.get("data-page") == "answers"
    assert '<html lang="cy"' in page.html


def test_every_kind_of_page_has_the_language_link(cy_client: TestClient) -> None:
    web = welsh_user(cy_client)
    web.start("report_concern")
    for path in ("/", "/role", "/flows/nrm_referral", "/emergency", "/privacy", "/about", "/answers/report_concern",
                 "/train/report_concern", "/nowhere"):
        page = web.get(path)
        link = switch_link(page)
        assert link["href"].startswith("/language/en?next="), path
        assert '<html lang="cy"' in page.html, path
    assert switch_link(web.get("/train/report_concern"))["href"] == "/language/en?next=/train/report_concern"


def test_a_welsh_browser_is_offered_welsh_first(cy_client: TestClient) -> None:
    page = cy_client.get("/", headers={"accept-language": "cy-GB,cy;q=0.9,en;q=0.5"})
    assert '<html lang="cy"' in page.text
    page = cy_client.get("/", headers={"accept-language": "en-GB,cy;q=0.5"})
    assert '<html lang="en"' in page.text
    cy_client.cookies.clear()
    web = WebUser(cy_client)
    cy_client.headers["accept-language"] = "cy"
    page = web.start("report_concern")
    assert WELSH_QUESTION in page.html
    cy_client.headers["accept-language"] = "en"
    assert WELSH_QUESTION in web.get("/flows/report_concern/danger").html, "the session keeps its language"


def test_the_language_link_only_goes_to_pages_of_this_site(cy_client: TestClient) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", ""):
        response = cy_client.get("/language/cy", params={"next": target})
        assert response.status_code == 303, target
        assert response.headers["location"] == "/", target
    response = cy_client.get("/language/fr", params={"next": "/privacy"})
    assert (response.status_code, response.headers["location"]) == (303, "/privacy")
    assert '<html lang="cy"' in cy_client.get("/privacy").text, "an unknown language changes nothing"


def test_english_fallback_in_a_welsh_page_is_marked_lang_en(cy_client: TestClient) -> None:
    web = welsh_user(cy_client)
    start = web.get("/flows/nrm_referral")
    assert lang_of(start.html, NOT_TRANSLATED_CY) == {"cy"}
    title = re.search(r'<h1 class="govuk-heading-l"[^>]*>([^<]+)</h1>', start.html)
    assert title is not None
    assert lang_of(start.html, title.group(1)) == {"en"}
    page = web.start("nrm_referral")
    assert lang_of(page.html, NOT_TRANSLATED_CY) == {"cy"}, "the Welsh notice stays Welsh"
    legend = re.search(r'<h1 class="govuk-fieldset__heading">\s*<span lang="en">([^<]+)</span>', page.html)
    assert legend is not None, "the English question is marked lang=en"
    for value in page.values("answer"):
        label = re.search(rf'value="{value}"[^>]*>\s*<label[^>]*>\s*<span lang="en">', page.html)
        assert label is not None, value
    assert lang_of(page.html, CY["continue"]) == {"cy"}
    assert lang_of(page.html, CY["exit"]) == {"cy"}
    translated = web.start("report_concern")
    assert 'lang="en"' not in translated.html.split("<main", 1)[1].split("</main>")[0]
    assert lang_of(translated.html, WELSH_TITLE) == {"cy"}


def test_the_govuk_components_speak_welsh(cy_client: TestClient) -> None:
    web = welsh_user(cy_client)
    page = web.answer(web.start("report_concern"), "no")
    page = web.post(f"/flows/{page.flow}/{page.state}", {"csrf": web.csrf or "", "continue": "continue"})
    page = web.post(f"/flows/{page.flow}/{page.state}", {"csrf": web.csrf or "", "continue": "continue"})
    assert page.title.startswith("Gwall: ")
    for text in ("Mae problem wedi codi", "Yn ôl", "Gadael y dudalen", "Neidio i&#39;r prif gynnwys",
                 "Yn eich blaen", 'data-i18n.activated="Tudalen ymadael"', "Gwall:</span>", "Dewislen",
                 'aria-label="Troedyn"', 'aria-label="Iaith"', "Argyfwng"):
        assert text in page.html, text
    for english in ("There is a problem", ">Back<", "Exit this page", "Skip to main content", ">Continue",
                    "Error:", ">Menu<", '"Footer"', ">Emergency<", "Loading."):
        assert english not in page.html, english
    start = web.get("/flows/nrm_referral")  # a guide not started: its start page, with the notice
    assert start.main.get("data-page") == "start"
    for text, english in (("Dechrau nawr", "Start now"), ("Pwysig", "Important")):
        assert text in start.html
        assert english not in start.html


def test_welsh_and_english_visitors_on_one_step_each_get_their_own_page(cy_client: TestClient) -> None:
    """Step pages are cached per step: the cache must tell the languages apart."""
    welsh, english = welsh_user(cy_client), WebUser(cy_client)
    for user in (welsh, english):
        page = user.start("nrm_referral")
    assert '<html lang="en"' in page.html
    assert "Yn eich blaen" not in page.html
    again = welsh.get(f"/flows/nrm_referral/{page.state}")
    assert '<html lang="cy"' in again.html
    assert "Yn eich blaen" in again.html


def test_about_and_the_trainer_view_say_the_welsh_is_not_yet_reviewed(cy_client: TestClient) -> None:
    web = WebUser(cy_client)
    assert UNREVIEWED not in web.get("/about").html
    english_note = "has not yet reviewed"
    assert english_note not in web.get("/about").html, "English pages need no such notice"
    web.get("/language/cy?next=/")
    about = web.get("/about")
    assert UNREVIEWED in about.html
    assert "Rhybudd" in about.html
    assert UNREVIEWED in web.get("/train/report_concern").html
    web.start("report_concern")
    assert UNREVIEWED in web.get("/train/report_concern").html
    assert UNREVIEWED not in web.get("/flows/report_concern/danger").html, "only in training and about"


def test_every_web_text_has_english_and_welsh_and_templates_hard_code_none() -> None:
    raw = yaml.safe_load((TEMPLATES.parent / "texts.yaml").read_text(encoding="utf-8"))
    assert raw["languages"] == ["en", "cy"]
    for key, value in raw["texts"].items():
        assert isinstance(value, dict), key
        assert set(value) == {"en", "cy"}, key
        assert value["cy"].strip(), key
    used = set()
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.([a-z_]+)", html))
        for literal in ("Skip to main content", '"Important"', '"Menu"', '"Footer"', ">Emergency<", "Exit this page",
                        "There is a problem", '"Back"', '"Continue"'):
            assert literal not in html, f"{template.name} hard-codes {literal}"
    assert used <= set(all_texts()["cy"]), used - set(all_texts()["cy"])


def test_switching_language_on_the_emergency_page_does_not_count_it_twice(cy_site: Site,
                                                                           cy_client: TestClient) -> None:
    """The language link on /emergency shows the same page in the other language; the
    statistics still hold one emergency."""
    web = welsh_user(cy_client)
    web.start("report_concern")
    page = web.get("/emergency")
    link = switch_link(page)
    assert link["href"] == "/language/en?next=/emergency"
    web.get(link["href"])
    assert web.locations[-1] == "/emergency?shown=1"
    assert '<html lang="en"' in web.get(web.locations[-1]).html
    assert cy_site.recorder.flush()
    conn = sqlite3.connect(cy_site.stats_db)
    emergencies = conn.execute("SELECT count(*) FROM events WHERE kind = 'emergency'").fetchone()[0]
    conn.close()
    assert emergencies == 1


def test_after_start_again_the_language_link_goes_to_a_page(cy_client: TestClient) -> None:
    """A page shown in answer to Start again (a POST, here for a guide the user is not in) links
    to a page that answers GET, never to the POST-only address."""
    web = welsh_user(cy_client)
    page = web.post("/restart/nrm_referral", {"csrf": web.csrf or ""}, follow=False)
    assert page.status == 200
    link = switch_link(page)["href"]
    assert link == "/language/en?next=/flows/nrm_referral"
    assert web.get(link).status == 200
