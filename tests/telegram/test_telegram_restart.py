"""Sessions outlive the process: SIGKILL mid-flow, a flow update, and expiry after inactivity."""

from __future__ import annotations

import re
import shutil
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from botapi import FakeBotApi
from tgkit import FLOWS, SHIPPED, BotProcess, keyboard, paths_to_outcomes, send, session_rows, tap

from bot.engine import Engine
from bot.flows import load_flows
from bot.flows.text import expand


def ui(key: str) -> str:
    """An interface text as users see it."""
    return Engine(SHIPPED).ui(key)


def _flow_with_two_questions() -> tuple[str, list]:  # type: ignore[type-arg]
    """A flow and its longest path, which starts with at least two plain (non-tick) steps."""
    for flow_id in sorted(SHIPPED.flows):
        steps = max(paths_to_outcomes(SHIPPED, SHIPPED.flows[flow_id]).values(), key=len)
        if len(steps) >= 3 and not any(s.tick for s in steps[:2]):
            return flow_id, steps
    raise AssertionError("no shipped flow has two questions in a row")


def test_sigkill_mid_flow_then_the_next_tap_continues(api: FakeBotApi, tmp_path: Path) -> None:
    """Killed with SIGKILL after a step: once restarted, the same buttons carry on."""
    flow_id, steps = _flow_with_two_questions()
    flow = SHIPPED.flows[flow_id]
    bot = BotProcess(api, tmp_path).start()
    alice, bob = api.user(8_100_001, first_name="Alice"), api.user(8_100_002, first_name="Bob")
    send(alice, f"/start {flow_id}")
    tap(alice, steps[0].label)
    send(bob, "/start")
    bot.kill()
    assert session_rows(tmp_path / "sessions.db") == 2
    bot.start()
    on_screen = keyboard(alice)
    tap(alice, steps[1].label)
    after = keyboard(alice)
    assert after.message_id != on_screen.message_id
    assert ui("stale") not in after.text
    assert expand(flow.states[steps[2].state].text, SHIPPED.signposts)[:50] in after.text
    tap(bob, ui("role_officer"))
    assert ui("menu") in keyboard(bob).text
    questions = [m for m in bob.messages if ui("choose_role") in m.text]
    assert len(questions) == 1, "an update was handled twice"
    assert bot.stop() == 0


def _rename_state(folder: Path, flow_id: str, state_id: str) -> None:
    """Rename a state (and every reference to it) and bump the flow's version."""
    path = folder / f"{flow_id}.yaml"
    text = path.read_text(encoding="utf-8")
    for key in ("id", "next", "start"):
        text = re.sub(rf"(\b{key}:\s*){re.escape(state_id)}\s*$", rf"\g<1>{state_id}_v2", text,
                      flags=re.MULTILINE)
    text = re.sub(r'^version:.*$', 'version: "99.0.0"', text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def test_a_flow_update_mid_session(api: FakeBotApi, tmp_path: Path) -> None:
    """After an update, a user whose step vanished is told and starts again; others carry on."""
    flow_id, steps = _flow_with_two_questions()
    flow = SHIPPED.flows[flow_id]
    flows = tmp_path / "flows"
    shutil.copytree(FLOWS, flows)
    bot = BotProcess(api, tmp_path, flows=flows).start()
    moved, kept = api.user(8_200_001, first_name="Moved"), api.user(8_200_002, first_name="Kept")
    send(moved, f"/start {flow_id}")
    tap(moved, steps[0].label)
    send(kept, f"/start {flow_id}")
    assert bot.stop() == 0

    _rename_state(flows, flow_id, steps[1].state)
    updated = load_flows(flows)
    assert steps[1].state not in updated.flows[flow_id].states
    bot.start()
    tap(moved, steps[1].label)
    shown = keyboard(moved)
    assert ui("flow_changed") in shown.text
    assert expand(flow.states[flow.start].text, SHIPPED.signposts)[:50] in shown.text
    tap(kept, steps[0].label)
    assert ui("flow_changed") not in keyboard(kept).text
    assert "_v2" not in keyboard(kept).text
    assert bot.stop() == 0
    conn = sqlite3.connect(tmp_path / "sessions.db")
    versions = {row[0] for row in conn.execute("select version from sessions")}
    conn.close()
    assert "99.0.0" in versions


def test_sessions_expire_after_inactivity(api: FakeBotApi, tmp_path: Path) -> None:
    """With a TTL of about a second, the next tap finds the run expired: the user is told,
    starts over, and the run counts as abandoned in the statistics."""
    now = datetime.now(UTC)
    if now.minute == 0 and now.second < 3:  # the first second of an hour still counts as fresh
        time.sleep(3)
    flow_id, steps = _flow_with_two_questions()
    bot = BotProcess(api, tmp_path, env={"REFERRAL_BOT_SESSION_TTL_HOURS": "0.0003"}).start()
    user = api.user(8_300_001, first_name="Sleepy")
    send(user, f"/start {flow_id}")
    time.sleep(1.2)
    tap(user, steps[0].label)
    shown = keyboard(user)
    assert ui("expired") in shown.text
    assert ui("choose_role") in shown.text, "an expired session forgets the role too"
    assert bot.stop() == 0
    conn = sqlite3.connect(tmp_path / "stats.db")
    kinds = [row[0] for row in conn.execute("select kind from events where flow = ?", [flow_id])]
    conn.close()
    assert kinds.count("started") == 1
    assert kinds.count("abandoned") == 1
