"""The bot's commands through the real bot: the menu, /help, /about, /privacy, /train,
/diagram, the admin-only /stats and /exit; and two users at once with no cross-talk."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from botapi import FakeBotApi, FakeUser
from tgkit import ADMIN_ID, FLOWS, SHIPPED, BotProcess, keyboard, labels, paths_to_outcomes, send, tap

from bot.channels.telegram import COMMANDS
from bot.channels.telegram.extras import ADMIN_ONLY
from bot.channels.telegram.words import about_message
from bot.engine import Engine
from bot.flows import load_catalogue, load_flows


def ui(key: str) -> str:
    """An interface text as users see it."""
    return Engine(SHIPPED).ui(key)


def test_commands_are_registered(shared_api: FakeBotApi, shared_bot: BotProcess) -> None:
    """setMyCommands lists every command; /stats says it is for admins; the same menu in Welsh
    (issue 15: the shipped flows are offered in Welsh)."""
    call = shared_api.wait_for_call("setMyCommands", lambda c: "language_code" not in c.params)
    registered = {c["command"]: c["description"] for c in call.params["commands"]}
    assert set(registered) == {"start", "menu", "back", "restart", "emergency", "iaith", "language", "help",
                               "about", "glossary", "privacy", "exit", "train", "diagram", "figures", "stats"}
    assert "admin" in registered["stats"].lower()
    assert [name for name, _ in COMMANDS] == [c["command"] for c in call.params["commands"]]
    welsh = shared_api.wait_for_call("setMyCommands", lambda c: c.params.get("language_code") == "cy")
    assert [c["command"] for c in welsh.params["commands"]] == [c["command"] for c in call.params["commands"]]
    assert [c["description"] for c in welsh.params["commands"]] == [
        Engine.from_catalogue(load_catalogue(FLOWS)).for_language("cy").ui(key) for _, key in COMMANDS]


def test_help_about_and_privacy(user: FakeUser) -> None:
    """/help is the help text; /about one message with the disclaimer and dates (issue 13: the
    sources sit behind its buttons, see test_telegram_issue13); /privacy the TTL."""
    send(user, "/help")
    assert user.last().text == ui("help")
    send(user, "/about")
    about = user.last().text
    assert about == about_message(Engine(SHIPPED)).text
    assert ui("about")[:60] in about
    for flow in SHIPPED.flows.values():
        assert flow.reviewed_on.isoformat() in about
    send(user, "/privacy")
    assert user.last().text == ui("privacy")


def test_back_restart_and_menu_commands(user: FakeUser) -> None:
    """/back, /restart and /menu do what the buttons do."""
    flow = SHIPPED.flows[sorted(SHIPPED.flows)[0]]
    steps = max(paths_to_outcomes(SHIPPED, flow).values(), key=len)
    send(user, f"/start {flow.id}")
    start = keyboard(user).text
    tap(user, steps[0].label, edit=steps[0].tick)
    if steps[0].tick:
        return
    send(user, "/back")
    assert keyboard(user).text == start
    tap(user, steps[0].label)
    send(user, "/restart")
    assert keyboard(user).text == start
    send(user, "/menu")
    assert ui("choose_role") in keyboard(user).text, "no role chosen yet: the role question"


def test_training_mode_shows_why_notes(user: FakeUser) -> None:
    """/train turns on the why notes; /train again turns them off."""
    with_why = [(f, s) for f in SHIPPED.flows.values() for s in f.states.values()
                if s.why is not None and s.id == f.start]
    assert with_why, "no flow explains its first step"
    flow, state = with_why[0]
    send(user, f"/start {flow.id}")
    assert "Why:" not in keyboard(user).text
    send(user, "/train", new=2)
    assert ui("training_on") in "\n".join(user.transcript()[-2:])
    assert "Why:" in keyboard(user).text
    assert state.why is not None
    assert state.why.text[:40] in keyboard(user).text
    send(user, "/train", new=2)
    assert ui("training_off") in "\n".join(user.transcript()[-2:])
    assert "Why:" not in keyboard(user).text


def test_figures_in_training_mode(user: FakeUser) -> None:
    """/figures lists the presentation's figures in training mode, /figures 1 shows one with
    its source; outside training mode it says how to turn training on."""
    send(user, "/figures")
    assert "/train" in user.last().text
    send(user, "/train", new=2)
    send(user, "/figures")
    assert "Figures from the training presentation:" in user.last().text
    assert "Show one with: /figures 1" in user.last().text
    send(user, "/figures 1")
    assert "Source: " in user.last().text
    assert len(user.last().text) <= 4096
    send(user, "/train", new=2)


def test_diagram_of_the_current_flow(user: FakeUser) -> None:
    """/diagram outside a flow explains; inside one it sends a picture or Mermaid text."""
    send(user, "/diagram")
    assert "/diagram" in user.last().text
    flow = SHIPPED.flows[sorted(SHIPPED.flows)[0]]
    send(user, f"/start {flow.id}")
    send(user, "/diagram")
    last = user.last()
    if last.photo:
        assert flow.title in last.text
        assert flow.start in last.text
    else:
        assert "stateDiagram" in last.text
    assert labels(keyboard(user)), "the step's buttons stay usable"


def test_stats_only_for_admins(shared_api: FakeBotApi, new_user: Any) -> None:
    """Anyone else gets a polite refusal; an admin gets the summary (and the chart)."""
    stranger = new_user(first_name="Stranger")
    send(stranger, "/stats")
    assert stranger.last().text == ui(ADMIN_ONLY)
    assert not any(m.photo for m in stranger.messages)
    flow = next(iter(SHIPPED.flows))
    for _ in range(5):  # enough runs of one flow to pass small-number suppression, whatever ran before
        send(stranger, f"/start {flow}")
    admin = shared_api.user(ADMIN_ID, first_name="Admin")
    charts = importlib.util.find_spec("matplotlib") is not None
    deadline = time.monotonic() + 10  # the recorder writes about once a second
    while True:
        send(admin, "/stats", new=2 if charts else 1)
        texts = "\n".join(admin.transcript())
        if flow in texts or time.monotonic() > deadline:
            break
    assert flow in texts, texts[:500]
    assert any(m.photo for m in admin.messages) == charts


def test_exit_deletes_the_chat_and_forgets_the_session(user: FakeUser) -> None:
    """/exit deletes every message it can, says goodbye, and the next /start is a fresh start."""
    send(user, "/start")
    tap(user, ui("role_partner"))
    send(user, "hello")
    sent = [m.message_id for m in user.messages]
    send(user, "/exit")
    messages = {m.message_id: m for m in user.messages}
    assert all(messages[i].deleted for i in sent)
    assert user.last().text == ui("exit")
    send(user, "/start")
    assert ui("choose_role") in keyboard(user).text


def _script(user: FakeUser, flow_id: str) -> list[str]:
    """Run a flow down its longest path; the user's transcript."""
    flow = SHIPPED.flows[flow_id]
    steps = max(paths_to_outcomes(SHIPPED, flow).values(), key=len)
    send(user, f"/start {flow_id}")
    for step in steps:
        tap(user, step.label, edit=step.tick)
    tap(user, ui("back_label"))
    send(user, "999")
    return user.transcript()


def test_two_users_at_once_never_see_each_other(new_user: Any) -> None:
    """Two users tap different flows at the same time; each transcript equals a solo run's."""
    flows = sorted(SHIPPED.flows)
    flows = [flows[0], flows[-1]]
    together: dict[int, list[str]] = {}
    users = [new_user(first_name=f"Parallel{i}") for i in range(2)]

    def run(index: int) -> None:
        together[index] = _script(users[index], flows[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(together) == {0, 1}, "a user's run failed (see the log above)"
    for index, flow_id in enumerate(flows):
        alone = _script(new_user(first_name="Solo"), flow_id)
        assert together[index] == alone


def _new_events(db: Path, after: int) -> list[tuple[int, str, str, str]]:
    """(id, kind, flow, role) of the statistics rows after id ``after`` (none before the file exists)."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    except sqlite3.OperationalError:
        return []
    try:
        return [tuple(row) for row in conn.execute(
            "select id, kind, flow, role from events where id > ? order by id", [after])]
    except sqlite3.OperationalError:  # no such table yet
        return []
    finally:
        conn.close()


def test_nothing_personal_is_stored_or_logged(shared_api: FakeBotApi, shared_bot: BotProcess) -> None:
    """Ids, names, usernames and typed words never reach the databases or the log.

    The statistics writer batches (once a second), so the test first waits, with a deadline,
    until this user's own events are in the database, and only then looks for leaks.
    """
    stats = shared_bot.folder / "stats.db"
    before = max((row[0] for row in _new_events(stats, 0)), default=0)
    user = shared_api.user(987_650_001, first_name="Zebedee", last_name="Quartermaine",
                           username="zebedee_q")
    send(user, "/start")
    send(user, "my friend Xanthippe works at 42 Wallaby Way")
    tap(user, ui("role_public"))
    tap(user, SHIPPED.flows["report_concern"].title)
    send(user, "ask Zebedee at Wallaby Way")
    deadline = time.monotonic() + 15
    while not any(row[1:] == ("started", "report_concern", "public") for row in _new_events(stats, before)):
        assert time.monotonic() < deadline, "the bot wrote no statistics for this run within 15 s"
        time.sleep(0.05)
    secrets = ["987650001", "Zebedee", "Quartermaine", "zebedee_q", "Xanthippe", "Wallaby"]
    for db in ("sessions.db", "stats.db"):
        conn = sqlite3.connect(f"file:{shared_bot.folder / db}?mode=ro", uri=True)
        dump = "\n".join(conn.iterdump())
        conn.close()
        assert "events" in dump or db == "sessions.db"
        for secret in secrets:
            assert secret not in dump, f"{secret} found in {db}"
    log = shared_bot.logs()
    for secret in [*secrets, shared_api.token, shared_api.token.split(":")[1]]:
        assert secret not in log, f"{secret} found in the log"


def test_flows_load_the_same_as_shipped() -> None:
    """The copy these tests reason about is the folder the bot runs (a guard for the helpers)."""
    from tgkit import FLOWS

    assert sorted(load_flows(FLOWS).flows) == sorted(SHIPPED.flows)
