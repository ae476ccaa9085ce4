"""The held-out situations (flows/stories) walked through the web channel by a program reach
the same outcomes as through the terminal chat, and the outcome page says what it should."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from starlette.testclient import TestClient

from bot.channels.terminal import run_json
from bot.channels.web.app import COOKIE
from bot.channels.web.sessions import CHANNEL, new_token
from bot.engine import Engine
from bot.engine.store import SessionStore
from bot.flows import FlowSet
from bot.stories import Story, load_stories
from tests.test_stories import STORIES_DIR
from tests.web.conftest import Site
from tests.web.webkit import WebUser

STORIES = load_stories(STORIES_DIR)


def terminal_outcome(flowset: FlowSet, story: Story) -> str | None:
    """The outcome the terminal chat's --json protocol reaches with the story's choices."""
    engine = Engine(flowset)
    out = io.StringIO()
    session = engine.new_session(channel="terminal")
    session.facts.update(dict(story.facts))
    run_json(engine, session, story.flow, [f"{c}\n" for c in story.choices], out)
    last = json.loads(out.getvalue().splitlines()[-1])
    outcome: str | None = last["outcome"]
    return outcome


def preset_facts(site: Site, web: WebUser, facts: dict[str, str]) -> None:
    """What the browser's session already knows (a story's ``facts:``, such as the nation an
    earlier guide asked), written into the real session store as an earlier page would have:
    the same session database, opened beside the site's, under the browser's own cookie."""
    token = web.jar.get(COOKIE)
    if token is None:
        token = new_token()
        web.jar.set(COOKIE, token, domain="127.0.0.1", path="/")
    store = SessionStore(site.sessions_db)
    try:
        key = store.key(CHANNEL, token)
        session = store.load(key) or site.engine.new_session(channel=CHANNEL)
        session.facts.update(facts)
        assert store.save(key, session)
    finally:
        store.close()


def test_every_story_reaches_the_same_outcome_on_the_web_as_in_the_terminal(site: Site, client: TestClient,
                                                                              flowset: FlowSet) -> None:
    assert len(STORIES) >= 40
    assert any(story.facts for story in STORIES)
    for story in STORIES:
        web = WebUser(client)
        if story.audience:
            web.choose_role(story.audience)
        if story.facts:
            preset_facts(site, web, dict(story.facts))
        page = web.walk(story)
        expected = terminal_outcome(flowset, story)
        assert expected == story.outcome, story.name
        assert (page.status, page.outcome, page.flow) == (200, story.outcome, story.flow), story.name
        text = html.unescape(re.sub(r"<[^>]+>", " ", page.html)).casefold()
        text = " ".join(text.split())
        for phrase in story.says:
            assert phrase.casefold() in text, f"{story.name}: the outcome page does not say {phrase!r}"


@pytest.mark.parametrize("flow_id", ["report_concern", "nrm_referral"])
def test_a_story_through_the_trainer_view_reaches_the_same_outcome(client: TestClient, flow_id: str) -> None:
    story = next(s for s in STORIES if s.flow == flow_id)
    web = WebUser(client)
    web.get(f"/train/{flow_id}")
    page = web.post(f"/flows/{flow_id}", {"csrf": web.csrf, "view": "train"})
    assert page.main.get("data-view") == "train"
    for choice in story.choices:
        if page.kind == "checklist":
            pytest.skip("the trainer walk covers question and info steps")
        data = [("csrf", web.csrf or ""), ("view", "train"), ("continue", "continue")]
        if choice != "continue":
            data.append(("answer", choice))
        page = web.post(f"/flows/{page.flow}/{page.state}", data)
        assert page.main.get("data-view") == "train"
    assert page.outcome == story.outcome
    assert "Why this step is asked" in page.html
