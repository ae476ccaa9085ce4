"""The held-out situations (flows/stories) tapped through the real Telegram bot reach the same
outcomes as the terminal chat and the web channel, and the outcome message says what it should.

The buttons are found by their labels, which a replica of the engine reads from the step the
story is on; the bot itself is ``referral-bot run`` against the fake Bot API.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tgkit import SHIPPED, keyboard, send, tap

from bot.engine import Engine
from bot.stories import Story, load_stories
from tests.test_stories import STORIES_DIR

STORIES = load_stories(STORIES_DIR)
# A story that starts with known facts (the nation an earlier guide asked) needs a session that
# already holds them; the web and terminal tests preset them, a Telegram chat cannot.
TAPPABLE = [story for story in STORIES if not story.facts]


def tap_story(user: Any, story: Story) -> tuple[str, str]:
    """Tap through ``story`` in Telegram; return the text of the step it ends on there, and the
    opening of the outcome's text as the engine renders it for every channel."""
    engine = Engine(SHIPPED)
    replica = engine.new_session(channel="telegram")
    engine.start(replica, story.flow)
    send(user, f"/start {story.flow}")
    for choice in story.choices:
        turn = engine.current(replica)
        label = next(o.label for o in turn.options if o.id == choice)
        ticks = turn.kind == "checklist" and choice != "done"
        tap(user, label, edit=ticks)
        engine.choose(replica, choice)
    ending = engine.current(replica)
    assert ending.outcome == story.outcome, f"{story.name}: the replica went elsewhere"
    return keyboard(user).text, ending.text[:60]


def test_every_story_reaches_the_same_outcome_in_telegram(new_user: Any) -> None:
    assert len(TAPPABLE) >= 100

    def run(story: Story) -> None:
        user = new_user(first_name="Storyteller")
        text, opening = tap_story(user, story)
        text = text.casefold()
        assert opening.casefold() in text, f"{story.name}: Telegram did not end on outcome {story.outcome!r}"
        for phrase in story.says:
            assert phrase.casefold() in text, f"{story.name}: the outcome message does not say {phrase!r}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(run, TAPPABLE))

