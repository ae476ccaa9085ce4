"""The real ``referral-bot run`` process against the fake Bot API, and what tests read from it.

:class:`BotProcess` starts the bot as a subprocess (or, for many restarts, through the fork
server in :mod:`tests.reliability.forkserver`), with its own statistics and session
databases in a temporary folder and every line it logs appended to one file. Helpers read
the session store's rows exactly as the bot keys them, and the user's view of the chat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any, ClassVar

from botapi import FakeBotApi, FakeUser

from tests.conftest import FLOWS, ROOT, cli_command

__all__ = [
    "INFORMATION",
    "TOKEN",
    "BotProcess",
    "ForkServer",
    "live_keyboard",
    "stored_session",
    "wait_until",
]

TOKEN = "987654321:AAHsecretTOKENpart-0123456789_abcdefXYZ"
"""A token shaped like @BotFather's, with a distinctive secret part to scan for."""


def wait_until(predicate: Any, timeout: float = 10.0, every: float = 0.01, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class ForkServer:
    """One warm interpreter that forks a fresh bot process per start (see forkserver.py)."""

    def __init__(self) -> None:
        # stderr is not the test runner's: a stray server must never hold the runner's output open.
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.forkserver"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the fork server stopped"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def spawn(self, argv: list[str], env: dict[str, str], log: Path) -> int:
        """Fork a bot running ``referral-bot ARGV``; its pid."""
        return int(self._ask({"argv": argv, "env": env, "log": str(log), "cwd": str(ROOT)})["pid"])

    def wait(self, pid: int) -> int:
        """Wait for a forked bot to end: its exit status, or -SIGNAL."""
        return int(self._ask({"wait": pid})["status"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


class BotProcess:
    """``referral-bot run`` with long polling against ``server``.

    Args:
        server: the fake Bot API.
        folder: where the databases and the log go.
        admins: user ids for ``REFERRAL_BOT_ADMINS``.
        flows: the flows folder (default: the shipped flows).
        forks: start through this fork server instead of a new interpreter.
        extra_env: more environment variables.
        umask: start under this umask (through ``/bin/sh``; not with ``forks``).
    """

    running: ClassVar[set[BotProcess]] = set()
    """Every bot started and not yet stopped or killed (see :meth:`kill_leftovers`)."""

    def __init__(self, server: FakeBotApi, folder: Path, *, admins: str = "", flows: Path = FLOWS,
                 forks: ForkServer | None = None, extra_env: dict[str, str] | None = None,
                 umask: int | None = None) -> None:
        self.server = server
        self.folder = folder
        self.stats_db = folder / "data" / "stats.db"
        self.sessions_db = folder / "data" / "sessions.db"
        self.log_path = folder / "bot.log"
        self.forks = forks
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
            "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", "PYTHONDONTWRITEBYTECODE": "1",
            "TELEGRAM_BOT_TOKEN": server.token, "TELEGRAM_API_BASE_URL": server.base_url,
            "REFERRAL_BOT_DB": str(self.stats_db), "REFERRAL_BOT_SESSIONS_DB": str(self.sessions_db),
            "REFERRAL_BOT_ADMINS": admins, "REFERRAL_BOT_MAX_RATE": "0",
            **(extra_env or {}),
        }
        self.argv = ["run", "--poll-timeout", "1", "--flows", str(flows)]
        self.umask = umask
        self.pid: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.starts = 0
        self.started_at = 0.0
        """``time.monotonic()`` when the latest start began: every call made after it is this
        process's (a killed one has been dealt with, see :meth:`kill`)."""

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> BotProcess:
        """Start the bot and wait until it polls for updates (:attr:`started_at` is set first)."""
        began = self.started_at = time.monotonic()
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.forks is not None:
            self.pid = self.forks.spawn(self.argv, self.env, self.log_path)
        else:
            self._log = self.log_path.open("ab")
            command = [*cli_command(), *self.argv]
            if self.umask is not None:
                command = ["/bin/sh", "-c", f'umask {self.umask:03o}; exec "$0" "$@"', *command]
            self._popen = subprocess.Popen(command, cwd=ROOT, env=self.env,
                                           stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
            self.pid = self._popen.pid
        self.starts += 1
        BotProcess.running.add(self)
        # Ready once a getUpdates of this process has arrived (the call is recorded when answered,
        # so look at the server's polls in flight too).
        wait_until(lambda: self._polling_since(began) or not self.alive(), timeout, what="the bot to poll")
        assert self.alive(), f"the bot exited at start:\n{self.log()[-3000:]}"
        return self

    def _polling_since(self, began: float) -> bool:
        calls = self.server.calls
        return any(c.method == "getUpdates" and c.at >= began for c in calls[-50:]) or \
            any(c.method == "deleteWebhook" and c.at >= began and c.status == 200 for c in calls[-50:])

    def alive(self) -> bool:
        """True while the process runs."""
        if self.pid is None:
            return False
        if self._popen is not None:
            return self._popen.poll() is None
        try:
            with open(f"/proc/{self.pid}/stat") as stat:
                return stat.read().split(") ", 1)[1][0] != "Z"
        except FileNotFoundError:
            return False

    def _wait(self, timeout: float) -> int:
        assert self.pid is not None
        if self._popen is not None:
            code = self._popen.wait(timeout=timeout)
            if self._log is not None:
                self._log.close()
                self._log = None
            return code
        assert self.forks is not None
        return self.forks.wait(self.pid)

    def kill(self) -> int:
        """SIGKILL: no handler, no cleanup, no flush. Returns the status (-9).

        Returns once the fake Bot API has dealt with every request the dead process had sent
        (:meth:`FakeBotApi.quiesce`): a reply already on the wire can no longer change a chat
        after the caller looked at it.
        """
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        code = self._wait(10)
        self.pid = None
        BotProcess.running.discard(self)
        self.server.quiesce()
        return code

    @classmethod
    def kill_leftovers(cls) -> int:
        """SIGKILL every bot still running (a test failed half-way); how many there were.

        Otherwise such a bot outlives the test run, polling a fake Bot API that has gone.
        """
        leftovers = list(cls.running)
        for bot in leftovers:
            if bot.pid is not None and bot.alive():
                os.kill(bot.pid, signal.SIGKILL)
                bot._wait(10)
            bot.pid = None
            cls.running.discard(bot)
        return len(leftovers)

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, the clean stop; returns the exit status."""
        if self.pid is None:
            return 0
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
        code = self._wait(timeout)
        self.pid = None
        BotProcess.running.discard(self)
        return code

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.pid is not None and self.alive():
            self.stop()

    # -- what it left behind --------------------------------------------------------------------

    def log(self) -> str:
        """Everything the bot printed (all starts)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def rss_kib(self) -> int:
        """The process's resident memory in KiB."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")


def stored_session(bot: BotProcess, chat_id: int) -> dict[str, Any] | None:
    """The session row the bot stored for a private chat, read as the bot keys it.

    The key is HMAC-SHA256(secret, "telegram:CHAT_ID") with the secret from ``sessions.key``
    beside the database, cut to 32 hex digits (see docs/sessions.md).
    """
    key_file = bot.sessions_db.with_name(bot.sessions_db.stem + ".key")
    if not key_file.exists():
        return None
    secret = key_file.read_text().strip().encode()
    key = hmac.new(secret, f"telegram:{chat_id}".encode(), hashlib.sha256).hexdigest()[:32]
    conn = sqlite3.connect(f"{bot.sessions_db.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT session, recent_updates FROM sessions WHERE key = ?", [key]).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    session: dict[str, Any] = json.loads(row[0])
    session["recent_updates"] = json.loads(row[1])
    return session


INFORMATION = ("g:", "s:", "l:")
"""Buttons that move nothing: a step's glossary terms and, on /about, a flow's sources (#13),
tested in tests/telegram/test_telegram_issue13.py; the same step in the other language (#15),
tested in tests/telegram/test_telegram_welsh.py. The random users here never press them."""


def live_keyboard(user: FakeUser) -> tuple[int, list[str]] | None:
    """The newest visible bot message with step buttons: its id and their data (information and
    language buttons left out, and /about's sources keyboard is not a step)."""
    for message in reversed(user.messages):
        if message.deleted:
            continue
        data = [b.callback_data for row in message.buttons for b in row
                if b.callback_data and not b.callback_data.startswith(INFORMATION)]
        if data:
            return message.message_id, data
    return None
