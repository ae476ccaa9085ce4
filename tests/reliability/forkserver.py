"""A fork server for fast restarts of the real bot: import once, then fork a bot per start.

Starting ``referral-bot run`` costs about a second of imports. The crash test restarts the
bot 50 times, so it runs this script once: it imports the bot's modules (and nothing else:
no flows are loaded, no file or socket is opened, no thread is started), then for each line
``start`` on stdin it forks a child that runs the real command line, ``bot.cli.main(ARGV)``,
with the given environment, stdout and stderr going to the given log file. The child is a
separate process with its own pid, sockets and SQLite connections; the test kills it with
SIGKILL exactly like a process started from scratch. Only the import time is saved.

Protocol (one JSON object per line): ``{"argv": [...], "env": {...}, "log": PATH, "cwd": PATH}``
is answered with ``{"pid": N}``; ``{"wait": N}`` waits for child N to end and is answered with
``{"pid": N, "status": S}`` (negative S: killed by signal -S). End of input stops the server.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import sys
from typing import Any


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (prctl PR_SET_PDEATHSIG).

    A test run that is killed half-way must not leave a fork server (or its bots) behind:
    an orphan would poll forever and could hold the test runner's output open.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


_STARTED_BY = os.getppid()
die_with_parent()  # before the slow imports below, so a parent killed meanwhile still counts
if os.getppid() != _STARTED_BY:  # pragma: no cover - the parent ended before prctl took effect
    os._exit(1)

# The same modules `referral-bot run` imports on its way to serving updates.
import sqlite_utils  # noqa: F401, E402
import telegram.ext  # noqa: F401, E402

import bot.channels.telegram.app  # noqa: E402
import bot.cli  # noqa: E402
import bot.cli.run  # noqa: E402
import bot.stats  # noqa: E402


def child(request: dict[str, Any]) -> None:
    """In the forked child: become the bot, and never return into the server loop."""
    code: Any = 1
    try:
        die_with_parent()
        os.setpgid(0, 0)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.close(null)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = ["referral-bot", *request["argv"]]
        code = bot.cli.main(request["argv"])
    except SystemExit as stop:
        code = stop.code
    except BaseException:  # what an interpreter would print on an uncaught exception
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else (0 if code is None else 1))


def serve() -> None:
    """Answer requests on stdin until it closes (or the test process that started it ends)."""
    out = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if "wait" in request:
            pid = int(request["wait"])
            _, status = os.waitpid(pid, 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            out.write(json.dumps({"pid": pid, "status": code}) + "\n")
            out.flush()
            continue
        out.flush()
        pid = os.fork()
        if pid == 0:
            child(request)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


if __name__ == "__main__":
    serve()
